#!/usr/bin/env python3
"""quiet_day.py - a working day of a county office from real lab traffic.

    quiet_day.py CAPTURE ACTIONS OUT [options]

CAPTURE is a capture of the lab's LAN side (tcpdump on the gateway's lan0)
while its hosts ran real clients one action at a time; ACTIONS says which
(a line "HOST KIND START END STATUS NAME" per action, times as `date +%s.%N`,
NAME the server's DNS name).
Each action's packets become a template: the TCP/UDP packets to or from
its host between its start and its end (plus 0.3 s for the last FIN).

OUT is a day of --minutes of packet time in which --hosts department
hosts replay those templates the way office workers do: a page, then more
requests to the same site, pauses, a meeting; each host is given its own
addresses (IPv4, and IPv6 if the template's host had it), MAC and client
ports, each site its own server addresses (also in the DNS answers that
name it; a name has several sites, as with a CDN, and a site one name),
each admin's ssh session one of the county's ssh servers.
Checksums are computed anew; frames go from the host's MAC to a gateway
MAC that is nobody's, so a replay into the lab reaches only captures.

Prints one JSON line: packets, flows expected, hosts, templates by kind,
actions by kind, the day's span. Standard library only.
"""
import argparse
import array
import bisect
import ipaddress
import json
import random
import struct
import sys

GW_MAC = bytes.fromhex('020000005a01')
SLACK = 0.3                       # after an action, for its last FIN
WEB_KINDS = ('api', 'page', 'asset', 'http', 'wget', 'dig')
WEB_WEIGHTS = (40, 20, 3, 15, 10, 7)


def addr(s):
    return ipaddress.ip_address(s).packed


def read_pcap(path):
    """[(ts, frame)] of a classic pcap (micro- or nanoseconds)."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = '>'
        magic = struct.unpack('>I', data[:4])[0]
    else:
        sys.exit('%s: not a pcap file' % path)
    div = 1e9 if magic == 0xa1b23c4d else 1e6
    if struct.unpack(e + 'I', data[20:24])[0] != 1:
        sys.exit('%s: not Ethernet' % path)
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if caplen == wirelen:
            out.append((sec + frac / div, data[off:off + caplen]))
        off += caplen
    return out


def parse(frame):
    """(version, src, dst, proto, l3 offset, l4 offset) of an untagged
    IPv4/IPv6 TCP or UDP frame, else None."""
    if len(frame) < 14:
        return None
    et = struct.unpack('!H', frame[12:14])[0]
    if et == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 15) * 4
        if struct.unpack('!H', frame[20:22])[0] & 0x3fff:
            return None                        # a fragment
        return 4, frame[26:30], frame[30:34], frame[23], 14, 14 + ihl
    if et == 0x86dd and len(frame) >= 54:
        return 6, frame[22:38], frame[38:54], frame[20], 14, 54
    return None


def csum(b):
    """The Internet checksum of b, as the two bytes to store."""
    if len(b) & 1:
        b += b'\0'
    s = sum(array.array('H', b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    s = ~s & 0xffff
    return struct.pack('=H', s)        # summed in host order: stored as is


class Template:
    def __init__(self, kind, host, name, pkts):
        self.kind, self.host, self.name, self.pkts = kind, host, name, pkts
        self.v6 = any(p[1][0] == 6 for p in pkts)
        self.t0 = pkts[0][0]
        self.span = pkts[-1][0] - self.t0


def templates(capture, actions, hosts):
    """Templates by kind, from the capture and the action log."""
    pk = []
    for ts, fr in capture:
        p = parse(fr)
        if p and p[3] in (6, 17):
            pk.append((ts, p, fr))
    by = {}
    for h, (v4, v6) in hosts.items():
        mine = {a for a in (v4, v6) if a}
        lst = [x for x in pk if x[1][1] in mine or x[1][2] in mine]
        by[h] = ([x[0] for x in lst], lst)
    out = {}
    for line in open(actions):
        f = line.split()
        if len(f) != 6 or f[0] not in by:
            continue
        h, kind, t0, t1, st, name = f[0], f[1], float(f[2]), float(f[3]), int(f[4]), f[5]
        if st != 0 and kind != 'typo':
            continue                            # only what worked
        ts, lst = by[h]
        sel = lst[bisect.bisect_left(ts, t0 - 0.02):bisect.bisect_right(ts, t1 + SLACK)]
        if sel:
            out.setdefault(kind, []).append(Template(kind, h, name, sel))
    return out


class Host:
    def __init__(self, i, dept, v4, v6, dual):
        self.i, self.dept, self.v4, self.v6, self.dual = i, dept, v4, v6, dual
        self.mac = bytes([2, 0, 0, 0x5a, 0x10 + dept, i])
        self.port = 33000 + 97 * i


class Day:
    def __init__(self):
        self.out = []
        self.flows = 0
        self.actions = {}

    def play(self, tpl, host, t, lab, new):
        """Template tpl by host from time t, the lab's server (v4, v6) in it
        becoming new (v4, v6), in its packets and DNS answers."""
        orig = HOSTS[tpl.host]
        amap = {orig[0]: host.v4, lab[0]: new[0], lab[1]: new[1]}
        if orig[1]:
            amap[orig[1]] = host.v6
        ports = {}
        for ts, (ver, src, dst, proto, l3, l4), fr in tpl.pkts:
            out_ = src in (orig[0], orig[1])
            sp, dp = struct.unpack('!HH', fr[l4:l4 + 4])
            cp = sp if out_ else dp
            if (proto, cp) not in ports:
                host.port = 32768 + (host.port - 32768 + 1) % 28000
                ports[(proto, cp)] = host.port
                self.flows += 1
            np_ = ports[(proto, cp)]
            sp, dp = (np_, dp) if out_ else (sp, np_)
            nsrc, ndst = amap.get(src, src), amap.get(dst, dst)
            b = bytearray(fr)
            b[0:12] = (GW_MAC + host.mac) if out_ else (host.mac + GW_MAC)
            payload = bytes(b[l4:])
            if proto == 17 and 53 in (sp, dp):
                for i in (0, 1):
                    payload = payload.replace(lab[i], new[i])
            payload = struct.pack('!HH', sp, dp) + payload[4:]
            ck = 16 if proto == 6 else 6
            payload = payload[:ck] + b'\0\0' + payload[ck + 2:]
            if ver == 4:
                b[l3 + 12:l3 + 16] = nsrc
                b[l3 + 16:l3 + 20] = ndst
                b[l3 + 10:l3 + 12] = b'\0\0'
                b[l3 + 10:l3 + 12] = csum(bytes(b[l3:l4]))
                pseudo = nsrc + ndst + struct.pack('!BBH', 0, proto, len(payload))
            else:
                b[l3 + 8:l3 + 24] = nsrc
                b[l3 + 24:l3 + 40] = ndst
                pseudo = nsrc + ndst + struct.pack('!I3xB', len(payload), proto)
            c = csum(pseudo + payload)
            if proto == 17 and c == b'\0\0':
                c = b'\xff\xff'
            payload = payload[:ck] + c + payload[ck + 2:]
            self.out.append((t + ts - tpl.t0, len(self.out), bytes(b[:l4]) + payload))
        self.actions[tpl.kind] = self.actions.get(tpl.kind, 0) + 1
        return t + tpl.span

    def write(self, path, start):
        self.out.sort()
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
            buf = []
            for t, _, fr in self.out:
                us = int(round((start + t) * 1e6))
                buf.append(struct.pack('<IIII', us // 1000000, us % 1000000, len(fr), len(fr)))
                buf.append(fr)
                if len(buf) > 20000:
                    f.write(b''.join(buf))
                    buf = []
            f.write(b''.join(buf))
        return self.out[-1][0] - self.out[0][0] if self.out else 0


HOSTS = {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('capture')
    ap.add_argument('actions')
    ap.add_argument('out')
    ap.add_argument('--host', action='append', default=[],
                    help='NAME=V4[,V6]: a lab host of the action log')
    ap.add_argument('--web', required=True, help="the lab web server's V4,V6")
    ap.add_argument('--ssh', required=True, help="the lab ssh server's V4,V6")
    ap.add_argument('--hosts', type=int, default=30, help='department hosts (3 departments)')
    ap.add_argument('--minutes', type=float, default=30)
    ap.add_argument('--actions-per-host', type=int, default=250,
                    help='web and DNS actions per host in the day (about)')
    ap.add_argument('--start', type=float,
                    help="packet time of the day's start (default 09:00 +08:00 of the capture's day)")
    ap.add_argument('--seed', type=int, default=11)
    a = ap.parse_args()
    for h in a.host:
        name, _, ads = h.partition('=')
        v = ads.split(',')
        HOSTS[name] = (addr(v[0]), addr(v[1]) if len(v) > 1 and v[1] else None)
    web = tuple(addr(x) for x in a.web.split(','))
    ssh = tuple(addr(x) for x in a.ssh.split(','))
    cap = read_pcap(a.capture)
    if a.start is None:
        a.start = (cap[0][0] if cap else 0) // 86400 * 86400 + 3600
    tp = templates(cap, a.actions, HOSTS)
    need = set(WEB_KINDS) | {'ssh', 'typo'}
    if not need <= set(tp):
        sys.exit('quiet_day.py: no template of %s in the capture' % ', '.join(sorted(need - set(tp))))
    R = random.Random(a.seed)
    day = Day()
    T = a.minutes * 60

    # 3 departments (finance, education, health: the lab's /26s and /64s);
    # half the hosts dual-stack (templates of a lab host with IPv6)
    base4 = (20, 84, 148)
    hosts = []
    for i in range(a.hosts):
        d, k = i % 3, i // 3
        v4 = bytes([192, 0, 2, base4[d] + k])
        v6 = ipaddress.ip_address('2001:db8:%d0::%d' % (d + 1, base4[d] + k)).packed
        hosts.append(Host(i, d, v4, v6, dual=(k % 2 == 0)))
    # the county's sites: 150 (v4, v6) pairs; each department favours its own
    sites = [(bytes([198, 51, 100, 100 + j]) if j < 100 else bytes([203, 0, 113, j]),
              ipaddress.ip_address('2001:db8:f:1::%x' % (j + 1)).packed) for j in range(150)]
    prefs = []
    for d in range(3):
        order = list(range(len(sites)))
        R.shuffle(order)
        prefs.append(order)
    zipf = [1.0 / (r + 1) for r in range(len(sites))]
    servers = [(bytes([198, 51, 100, 22 + j]),
                ipaddress.ip_address('2001:db8:f::%d' % (22 + j)).packed) for j in range(3)]

    names = sorted({t.name for k in WEB_KINDS for t in tp[k]})
    name_of = [names[j % len(names)] for j in range(len(sites))]

    def pick(kind, h, name=None):
        """A template of kind for h: as h's IP versions, of the name if any."""
        for f in (lambda t: t.v6 == h.dual and t.name == name, lambda t: t.v6 == h.dual):
            c = [t for t in tp[kind] if f(t)]
            if c:
                return R.choice(c)
        return R.choice(tp[kind])

    for h in hosts:
        # a worker: bursts on one site, other sites now and then, one or two
        # breaks (a meeting, the phone) of 2-6 minutes
        breaks = []
        for _ in range(R.choice((1, 2))):
            s = R.uniform(0, T - 120)
            breaks.append((s, s + R.uniform(120, 360)))
        active = T - sum(e - s for s, e in breaks)
        gap = active / a.actions_per_host
        j = None
        t = R.uniform(0, gap)
        while t < T:
            if any(s <= t < e for s, e in breaks):
                t = next(e for s, e in breaks if s <= t < e) + R.uniform(0, gap)
                continue
            if j is None or R.random() < 0.3:
                j = prefs[h.dept][R.choices(range(len(sites)), zipf)[0]]
            tpl = pick(R.choices(WEB_KINDS, WEB_WEIGHTS)[0], h, name_of[j])
            if tpl.name != name_of[j]:        # no such template: a site of its name
                j = R.choice([i for i in range(len(sites)) if name_of[i] == tpl.name])
            end = day.play(tpl, h, t, web, sites[j])
            t = max(end + 0.2, t + R.expovariate(1 / gap))
    # 3 admins (a department's first host): 5-8 ssh sessions each to one or
    # two of the county's ssh servers; two logins with a typo first
    typos = 2
    for h in hosts[:3]:
        mine = R.sample(servers, 2)
        for _ in range(R.randint(5, 8)):
            t = R.uniform(0, T - 60)
            srv = mine[0] if R.random() < 0.7 else mine[1]
            if typos:
                typos -= 1
                t = day.play(pick('typo', h), h, t, ssh, srv) + R.uniform(3, 8)
            day.play(pick('ssh', h), h, t, ssh, srv)
    span = day.write(a.out, a.start)
    print(json.dumps({'packets': len(day.out), 'flows': day.flows, 'hosts': len(hosts),
                      'span_s': round(span, 1), 'actions': day.actions,
                      'templates': {k: len(v) for k, v in sorted(tp.items())}}))


if __name__ == '__main__':
    main()
