#!/usr/bin/python3
"""zlgen.py - capture generator for Zhulan's tests, with real protocol bytes.

usage:
  zlgen.py agree   OUT.pcap [--linktype ether|sll|sll2|raw|null] [--format pcap|pcapng] [--seed N]
  zlgen.py county  OUT.pcap [--flows N] [--linktype ...] [--format ...] [--seed N]
  zlgen.py bench   OUT.pcap [--packets 2000000] [--flows 200000] [--seed N]
  zlgen.py damaged DIR [--seed N]
  zlgen.py incidents OUT.pcap [--seed N]
  zlgen.py sweep   OUT.pcap

agree    the agreement set: DNS (A/AAAA, CNAME, a fragmented TXT answer), HTTP/1.1,
         TLS 1.2 and 1.3 handshakes to a dozen well-known and a dozen Chinese
         services, QUIC v1 and draft-29 Initials (real Initial keys, AES-GCM and
         header protection), SSH, BitTorrent (TCP handshake and DHT), ICMP and
         ICMPv6 (echo, neighbour solicitation), over IPv4 and IPv6, some flows in
         802.1Q VLANs, one double-tagged 0x8100/0x8100, one QinQ 0x88a8/0x8100,
         and IPv4/IPv6 fragments. Every flow has its own 5-tuple, so the same
         flows appear under every --linktype (raw and null lose the VLAN tags).
county   a working day (08:00-18:00 CST) of a county government network:
         finance 192.0.2.0/26 + 2001:db8:10::/64 (VLAN 10), education
         192.0.2.64/26 + 2001:db8:20::/64 (VLAN 20), health 192.0.2.128/26 +
         2001:db8:30::/64 (VLAN 30), some hosts dual-stack; DNS, HTTPS, HTTP,
         QUIC, SSH, NTP to real service names (Douyin, Bilibili, WeChat ...).
bench    a large Ethernet mix (TLS with many SNIs, QUIC, DNS, HTTP, bulk
         transfers, SYN scans), flows interleaved in time as on a real link.
incidents one of each incident: a SYN scan of 1,000 ports, a UDP scan of 200,
         a sweep of 254 hosts, 30 short SSH sessions, router advertisements and
         DHCP offers (configured and rogue), flows to a threat-set address, SQL
         injection and XSS in URLs and a self-signed certificate.
sweep    one host's SYN to each address of 198.18.0.0/16 (RFC 2544 benchmarking).
damaged  >= 30 broken captures for must-not-crash tests, named after the damage.

Classic pcap is little-endian with microsecond timestamps; BSD null carries the
address family in that (host) order: 2 = IPv4, 24 = IPv6. Only documentation
addresses are used: clients 192.0.2.0/24 and 2001:db8:1::/48 (county:
2001:db8:10/20/30::/64), servers 198.51.100.0/24, 203.0.113.0/24,
2001:db8:f::/48; MACs 00:00:5e:00:53:xx (RFC 7042).
Needs Debian's /usr/bin/python3 and python3-cryptography (QUIC, certificates).

What Debian's ndpiReader (nDPI 4.2) makes of it: every agree flow is named
(DNS[.App], HTTP[.App], TLS.App, QUIC.YouTube/QUIC.Google, SSH, BitTorrent,
ICMP, ICMPV6; the Chinese services stay plain TLS/QUIC/DNS/HTTP) except the
QinQ flow: ndpiReader 4.2 knows only 0x8100 tags and drops 0x88a8 frames. It
cannot read SLL2 (DLT 276) at all. It drops later IPv4 fragments only on
Ethernet/SLL links (on raw IP and null it parses them as UDP: see
dns_txt_response_for_fragments). QUIC v1 and draft-29 Initials are decrypted.
"""
import argparse
import datetime
import functools
import hashlib
import heapq
import hmac
import ipaddress
import os
import random
import struct

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

R = random.Random(1)          # the one random source; reseeded by --seed

# 2024-05-14 09:00:00 China Standard Time
T0 = 1715648400

# ---------------------------------------------------------------- checksums

def wsum(data):
    """Sum of data as big-endian 16-bit words, modulo 0xffff (ones' complement)."""
    if len(data) & 1:
        data += b'\0'
    return int.from_bytes(data, 'big') % 0xffff


def finish(s):
    """Internet checksum from a (non-zero) word sum."""
    s %= 0xffff
    return 0xffff - s if s else 0


def pseudo_sum(src, dst, proto, length):
    if len(src) == 4:
        return wsum(src + dst + struct.pack('!BBH', 0, proto, length))
    return wsum(src + dst + struct.pack('!I3xB', length, proto))

# ------------------------------------------------------------ IP and L4

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def addr(s):
    return ipaddress.ip_address(s).packed


def ipv4(src, dst, proto, payload, ident, ttl=64, frag=0x4000, tos=0, opts=b''):
    """IPv4 packet with a correct header checksum. frag = flags|offset/8."""
    hl = 20 + len(opts)
    h = struct.pack('!BBHHHBB2x4s4s', 0x40 | hl // 4, tos, hl + len(payload),
                    ident & 0xffff, frag, ttl, proto, src, dst) + opts
    return h[:10] + struct.pack('!H', finish(wsum(h))) + h[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64, flow=0):
    return struct.pack('!IHBB', 0x60000000 | flow, len(payload), nh, hlim) + src + dst + payload


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b'', win=64240, opts=b''):
    h = struct.pack('!HHIIBBH2xH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                    (20 + len(opts)) << 2, flags, win, 0) + opts
    seg = h + payload
    c = finish(pseudo_sum(src, dst, 6, len(seg)) + wsum(seg))
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp_datagram(src, dst, sport, dport, payload):
    n = 8 + len(payload)
    seg = struct.pack('!HHH2x', sport, dport, n) + payload
    c = finish(pseudo_sum(src, dst, 17, n) + wsum(seg)) or 0xffff
    return seg[:6] + struct.pack('!H', c) + seg[8:]


def icmp_message(typ, code, rest, data=b''):
    m = struct.pack('!BB2x', typ, code) + rest + data
    return m[:2] + struct.pack('!H', finish(wsum(m))) + m[4:]


def icmp6_message(src, dst, typ, code, rest, data=b''):
    m = struct.pack('!BB2x', typ, code) + rest + data
    c = finish(pseudo_sum(src, dst, 58, len(m)) + wsum(m))
    return m[:2] + struct.pack('!H', c) + m[4:]


def fragments_v4(src, dst, proto, l4, ident, ttl=64, mtu=1500):
    """The IPv4 fragments of one L4 datagram (offsets in 8-byte units)."""
    step = (mtu - 20) & ~7
    out = []
    for off in range(0, len(l4), step):
        more = 0x2000 if off + step < len(l4) else 0
        out.append(ipv4(src, dst, proto, l4[off:off + step], ident, ttl, more | (off >> 3)))
    return out


def fragments_v6(src, dst, nh, l4, ident, hlim=64, mtu=1280):
    """The IPv6 fragments (fragment extension header 44) of one L4 datagram."""
    step = (mtu - 48) & ~7
    out = []
    for off in range(0, len(l4), step):
        more = 1 if off + step < len(l4) else 0
        fh = struct.pack('!BBHI', nh, 0, off | more, ident)
        out.append(ipv6(src, dst, 44, fh + l4[off:off + step], hlim))
    return out

# ------------------------------------------------------- link layer, files

LINKTYPES = {'ether': 1, 'sll': 113, 'sll2': 276, 'raw': 101, 'null': 0}
GW_MAC = bytes.fromhex('00005e005301')
ETH_VLAN, ETH_QINQ = 0x8100, 0x88a8


def host_mac(ipb):
    """A documentation MAC (00:00:5e:00:53:xx) for a host."""
    return bytes.fromhex('00005e0053') + bytes([0x10 + ipb[-1] % 0xe0])


def frame(linktype, ipb, from_client, l2):
    """Frame an IP packet. l2 = (client MAC, gateway MAC, VLAN tags [(tpid, tci)])."""
    v6 = ipb[0] >> 4 == 6
    if linktype == 'raw':
        return ipb
    if linktype == 'null':          # host (= this file's, little-endian) order
        return struct.pack('<I', 24 if v6 else 2) + ipb
    cmac, gmac, tags = l2
    types = [t for t, _ in tags] + [0x86dd if v6 else 0x0800]
    rest = b''.join(struct.pack('!HH', tci, types[i + 1]) for i, (_, tci) in enumerate(tags))
    src, dst = (cmac, gmac) if from_client else (gmac, cmac)
    if linktype == 'ether':
        return dst + src + struct.pack('!H', types[0]) + rest + ipb
    pkttype = 0 if from_client else 4           # PACKET_HOST / PACKET_OUTGOING
    if linktype == 'sll':
        return struct.pack('!HHH8sH', pkttype, 1, 6, src, types[0]) + rest + ipb
    if linktype == 'sll2':
        return struct.pack('!HHIHBB8s', types[0], 0, 2, 1, pkttype, 6, src) + rest + ipb
    raise ValueError(linktype)


def pcap_header(linktype, snaplen=262144, magic=0xa1b2c3d4, major=2, minor=4):
    return struct.pack('<IHHiIII', magic, major, minor, 0, 0, snaplen, linktype)


def pcap_record(ts_us, data, wirelen=None, caplen=None):
    sec, usec = divmod(ts_us, 1000000)
    return struct.pack('<IIII', sec, usec, len(data) if caplen is None else caplen,
                       len(data) if wirelen is None else wirelen) + data


def pcapng_block(btype, body):
    body += b'\0' * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack('<II', btype, n) + body + struct.pack('<I', n)


def pcapng_option(code, value):
    return struct.pack('<HH', code, len(value)) + value + b'\0' * (-len(value) % 4)


def pcapng_shb():
    opts = pcapng_option(4, b'zlgen.py (Zhulan tests)') + pcapng_option(0, b'')
    return pcapng_block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1) + opts)


def pcapng_idb(linktype, snaplen=262144, name=b'eth0'):
    opts = pcapng_option(2, name) + pcapng_option(9, b'\x06') + pcapng_option(0, b'')
    return pcapng_block(1, struct.pack('<HHI', linktype, 0, snaplen) + opts)


def pcapng_epb(ts_us, data, ifid=0, wirelen=None):
    return pcapng_block(6, struct.pack('<IIIII', ifid, ts_us >> 32, ts_us & 0xffffffff,
                                       len(data), len(data) if wirelen is None else wirelen) + data)


class Writer:
    """Buffered classic pcap (microseconds) or pcapng writer."""

    def __init__(self, path, linktype=1, fmt='pcap', snaplen=262144):
        self.f = open(path, 'wb')
        self.fmt = fmt
        self.buf = []
        self.size = 0
        self.count = 0
        if fmt == 'pcap':
            self.f.write(pcap_header(linktype, snaplen))
        else:
            self.f.write(pcapng_shb() + pcapng_idb(linktype, snaplen))

    def packet(self, ts_us, data):
        rec = pcap_record(ts_us, data) if self.fmt == 'pcap' else pcapng_epb(ts_us, data)
        self.buf.append(rec)
        self.size += len(rec)
        self.count += 1
        if self.size > 1 << 22:
            self.flush()

    def flush(self):
        self.f.write(b''.join(self.buf))
        self.buf, self.size = [], 0

    def close(self):
        self.flush()
        self.f.close()


class Capture:
    """Packets of many conversations, written sorted by time."""

    def __init__(self):
        self.pkts = []

    def add(self, t, ipb, from_client, l2):
        self.pkts.append((t, len(self.pkts), ipb, from_client, l2))

    def write(self, path, linktype='ether', fmt='pcap', base=T0):
        w = Writer(path, LINKTYPES[linktype], fmt)
        for t, _, ipb, from_client, l2 in sorted(self.pkts, key=lambda p: (p[0], p[1])):
            w.packet(base * 1000000 + int(round(t * 1e6)), frame(linktype, ipb, from_client, l2))
        w.close()
        return w.count

# ------------------------------------------------------------ conversations

class Flow:
    """One conversation between a client and a server, seen at the gateway
    next to the client: client packets at t, the server's answers one RTT later."""

    def __init__(self, cap, cli, srv, cport, sport, t, rtt=0.03, tags=(), cmac=None):
        self.cap = cap
        self.c, self.s = addr(cli), addr(srv)
        self.v6 = len(self.c) == 16
        self.cport, self.sport = cport, sport
        self.t = t
        self.rtt = rtt
        self.l2 = (cmac or host_mac(self.c), GW_MAC, tuple(tags))
        self.ipid = [R.randrange(65536), R.randrange(65536)]
        self.ttl = [64 if R.random() < 0.7 else 128, R.choice((46, 50, 52, 54, 56, 116, 118))]

    def ends(self, from_client):
        return (self.c, self.s) if from_client else (self.s, self.c)

    def ip(self, from_client, proto, l4, hlim=None):
        src, dst = self.ends(from_client)
        d = 0 if from_client else 1
        if self.v6:
            return ipv6(src, dst, proto, l4, hlim or self.ttl[d])
        self.ipid[d] += 1
        return ipv4(src, dst, proto, l4, self.ipid[d], hlim or self.ttl[d])

    def emit(self, from_client, ipb, t=None):
        self.cap.add(self.t if t is None else t, ipb, from_client, self.l2)

    def emit_fragmented(self, from_client, proto, l4, mtu=None):
        """Send one L4 datagram as IP fragments, back to back."""
        src, dst = self.ends(from_client)
        d = 0 if from_client else 1
        if self.v6:
            frags = fragments_v6(src, dst, proto, l4, R.getrandbits(32), self.ttl[d], mtu or 1280)
        else:
            self.ipid[d] += 1
            frags = fragments_v4(src, dst, proto, l4, self.ipid[d], self.ttl[d], mtu or 1500)
        for i, f in enumerate(frags):
            self.emit(from_client, f, self.t + i * 0.00002)

    def wait(self, dt):
        self.t += dt


class TcpFlow(Flow):
    """A complete TCP conversation with correct sequence and ack numbers."""

    def __init__(self, *a, mss=None, **kw):
        super().__init__(*a, **kw)
        self.seq = [R.getrandbits(32), R.getrandbits(32)]    # client, server
        self.mss = mss or (1440 if self.v6 else 1460)
        self.win = [R.choice((64240, 65535, 501, 1026)), R.choice((65160, 64768, 28960, 1040))]

    def send(self, from_client, flags, payload=b'', opts=b'', t=None):
        d = 0 if from_client else 1
        src, dst = self.ends(from_client)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        ack = self.seq[1 - d] if flags & TCP_ACK else 0
        win = (64240, 65160)[d] if flags & TCP_SYN else self.win[d]     # SYN windows are not scaled
        seg = tcp_segment(src, dst, sp, dp, self.seq[d], ack, flags, payload, win, opts)
        self.emit(from_client, self.ip(from_client, 6, seg), t)
        self.seq[d] = (self.seq[d] + len(payload) + (1 if flags & (TCP_SYN | TCP_FIN) else 0)) & 0xffffffff

    def open(self):
        """SYN, SYN/ACK, ACK (options as Windows and Linux send them)."""
        self.send(True, TCP_SYN, opts=struct.pack('!BBH', 2, 4, self.mss) + b'\x01\x03\x03\x08\x01\x01\x04\x02')
        self.wait(self.rtt)
        self.send(False, TCP_SYN | TCP_ACK,
                  opts=struct.pack('!BBH', 2, 4, self.mss) + b'\x01\x01\x04\x02\x01\x03\x03\x07')
        self.wait(0.0002)
        self.send(True, TCP_ACK)
        self.wait(0.0001)
        return self

    def data(self, from_client, payload, gap=0.00005):
        """payload in MSS-sized segments; the receiver acks every second one
        (a client at once, the server one RTT later)."""
        segs = [payload[i:i + self.mss] for i in range(0, len(payload), self.mss)]
        delay = 0.0002 if not from_client else self.rtt
        for i, s in enumerate(segs):
            last = i == len(segs) - 1
            self.send(from_client, TCP_ACK | (TCP_PSH if last else 0), s)
            if i % 2 == 1 or (last and len(segs) > 2):
                self.send(not from_client, TCP_ACK, t=self.t + delay)
            if not last:
                self.wait(gap)

    def exchange(self, request, response, think=0.002):
        """Client request, server response one RTT (plus think time) later."""
        self.data(True, request)
        self.wait(self.rtt + think)
        self.data(False, response)
        self.wait(0.0003)

    def close(self, by_client=True):
        """FIN, FIN/ACK, ACK."""
        self.wait(0.001)
        far = self.rtt if by_client else 0.0003
        self.send(by_client, TCP_FIN | TCP_ACK)
        self.wait(far)
        self.send(not by_client, TCP_FIN | TCP_ACK)
        self.wait(0.0003 if by_client else self.rtt)
        self.send(by_client, TCP_ACK)


class UdpFlow(Flow):
    def send(self, from_client, payload, fragment=False, mtu=None):
        src, dst = self.ends(from_client)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        dg = udp_datagram(src, dst, sp, dp, payload)
        if fragment:
            self.emit_fragmented(from_client, 17, dg, mtu)
        else:
            self.emit(from_client, self.ip(from_client, 17, dg))

    def ask(self, query, answer, fragment_answer=False):
        self.send(True, query)
        self.wait(self.rtt)
        self.send(False, answer, fragment=fragment_answer)
        self.wait(0.001)


class IcmpFlow(Flow):
    """ICMP (IPv4) or ICMPv6 between two hosts (no ports)."""

    def __init__(self, cap, cli, srv, t, **kw):
        super().__init__(cap, cli, srv, 0, 0, t, **kw)

    def send(self, from_client, typ, code, rest, data=b'', fragment=False, hlim=None):
        src, dst = self.ends(from_client)
        if self.v6:
            m, proto = icmp6_message(src, dst, typ, code, rest, data), 58
        else:
            m, proto = icmp_message(typ, code, rest, data), 1
        if fragment:
            self.emit_fragmented(from_client, proto, m)
        else:
            self.emit(from_client, self.ip(from_client, proto, m, hlim))

    def ping(self, count=4, size=56, interval=1.0):
        """Echo request/reply pairs as Linux ping sends them."""
        ident = R.randrange(1, 65536)
        req, rep = (128, 129) if self.v6 else (8, 0)
        for seq in range(1, count + 1):
            ts = struct.pack('<QQ', T0 + int(self.t), int(self.t * 1e6) % 1000000)
            data = (ts + bytes(range(0x10, 0x100)) * 40)[:size]
            frag = size + 8 > (1232 if self.v6 else 1480)
            self.send(True, req, 0, struct.pack('!HH', ident, seq), data, fragment=frag)
            self.wait(self.rtt)
            self.send(False, rep, 0, struct.pack('!HH', ident, seq), data, fragment=frag)
            self.wait(interval - self.rtt)

    def neighbour(self, target, target_mac=GW_MAC):
        """ICMPv6 neighbour solicitation (unicast, neighbour unreachability
        detection) and the solicited advertisement."""
        tb = addr(target)
        self.send(True, 135, 0, b'\0\0\0\0', tb + b'\x01\x01' + self.l2[0], hlim=255)
        self.wait(0.0004)
        self.send(False, 136, 0, struct.pack('!I', 0xe0000000), tb + b'\x02\x01' + target_mac, hlim=255)
        self.wait(0.001)

# --------------------------------------------------------------------- DNS

DNS_TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'TXT': 16, 'AAAA': 28}


class DnsMessage:
    """A DNS message with RFC 1035 name compression."""

    def __init__(self, txid, flags, qd, an=0, ar=0):
        self.buf = bytearray(struct.pack('!HHHHHH', txid, flags, qd, an, 0, ar))
        self.names = {}
        self.spans = []           # where TXT character-string data lies

    def name(self, n):
        labels = n.rstrip('.').split('.')
        for i in range(len(labels)):
            suffix = '.'.join(labels[i:]).lower()
            if suffix in self.names:
                self.buf += struct.pack('!H', 0xc000 | self.names[suffix])
                return
            if len(self.buf) < 0x3fff:
                self.names[suffix] = len(self.buf)
            lab = labels[i].encode()
            self.buf += bytes([len(lab)]) + lab
        self.buf += b'\0'

    def question(self, name, qtype):
        self.name(name)
        self.buf += struct.pack('!HH', DNS_TYPES[qtype], 1)

    def record(self, owner, rtype, ttl, value):
        self.name(owner)
        self.buf += struct.pack('!HHI', DNS_TYPES[rtype], 1, ttl)
        at = len(self.buf)
        self.buf += b'\0\0'
        if rtype in ('A', 'AAAA'):
            self.buf += addr(value)
        elif rtype in ('CNAME', 'NS'):
            self.name(value)
        elif rtype == 'TXT':
            for s in value:
                s = s if isinstance(s, bytes) else s.encode()
                self.buf += bytes([len(s)])
                self.spans.append((len(self.buf), len(self.buf) + len(s)))
                self.buf += s
        struct.pack_into('!H', self.buf, at, len(self.buf) - at - 2)

    def edns(self, size=1232):
        self.buf += b'\0' + struct.pack('!HHIH', 41, size, 0, 0)


def dns_query(txid, name, qtype='A', edns_size=1232):
    """A stub resolver's query (recursion desired, EDNS0)."""
    m = DnsMessage(txid, 0x0100, 1, ar=1)
    m.question(name, qtype)
    m.edns(edns_size)
    return bytes(m.buf)


def dns_response(txid, name, qtype, records, edns_size=1232, message=False):
    """Answer: records = [(owner, type, ttl, value)], '' = the question name."""
    m = DnsMessage(txid, 0x8180, 1, an=len(records), ar=1)
    m.question(name, qtype)
    for owner, rtype, ttl, value in records:
        m.record(owner or name, rtype, ttl, value)
    m.edns(edns_size)
    return m if message else bytes(m.buf)


def dns_txt_response_for_fragments(txid, name, records, edns_size, sport, dport, step=1480):
    """A TXT answer to be sent in IPv4 fragments of step bytes, arranged so
    that the four bytes at the start of every later fragment lie inside TXT
    data and equal the datagram's ports. ndpiReader 4.2 does not recognise
    IPv4 fragments on raw-IP and BSD-null links and reads those bytes as a
    UDP header: this way it still counts them to the right flow."""
    for pad in range(200):
        recs = [(o, t, ttl, [v[0] + '.' * pad] + v[1:]) if i == 0 else (o, t, ttl, v)
                for i, (o, t, ttl, v) in enumerate(records)]
        m = dns_response(txid, name, 'TXT', recs, edns_size, message=True)
        marks = range(step - 8, len(m.buf), step)        # fragment starts, as DNS offsets
        if all(any(a <= b and b + 4 <= e for a, e in m.spans) for b in marks):
            for b in marks:
                m.buf[b:b + 4] = struct.pack('!HH', sport, dport)
            return bytes(m.buf)
    raise RuntimeError('cannot align the TXT answer')

# -------------------------------------------------------------------- HTTP

UA_CHROME = ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
             '(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36')
UA_FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0'


def http_request(host, path='/', ua=UA_CHROME, method='GET'):
    return (f'{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n'
            'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n'
            'Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\nAccept-Encoding: gzip, deflate\r\n'
            'Connection: keep-alive\r\n\r\n').encode()


def http_response(body, ctype='text/html; charset=utf-8', server='nginx', status='200 OK'):
    date = datetime.datetime.utcfromtimestamp(T0).strftime('%a, %d %b %Y %H:%M:%S GMT')
    return (f'HTTP/1.1 {status}\r\nServer: {server}\r\nDate: {date}\r\nContent-Type: {ctype}\r\n'
            f'Content-Length: {len(body)}\r\nConnection: keep-alive\r\n'
            'Cache-Control: max-age=0\r\n\r\n').encode() + body


def html_body(title, size):
    head = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'.encode()
    filler = b''.join(b'<p>%d %s</p>\n' % (i, R.randbytes(12).hex().encode()) for i in range(size // 40 + 1))
    return (head + filler)[:max(size - 14, len(head))] + b'</body></html>'

# --------------------------------------------------------------------- TLS

GREASE = [0x0a0a + 0x1010 * i for i in range(16)]


def u8(b):
    return bytes([len(b)]) + b


def u16(b):
    return struct.pack('!H', len(b)) + b


def u24(b):
    return struct.pack('!I', len(b))[1:] + b


def tls_ext(etype, data=b''):
    return struct.pack('!HH', etype, len(data)) + data


def tls_record(ctype, body, version=0x0303):
    """TLS records (fragments of at most 16384 bytes) of one content type."""
    return b''.join(struct.pack('!BHH', ctype, version, len(body[i:i + 16384])) + body[i:i + 16384]
                    for i in range(0, max(len(body), 1), 16384))


def handshake(htype, body):
    return bytes([htype]) + u24(body)


def quic_transport_params(scid, draft=False):
    def p(pid, val):
        return varint(pid) + varint(len(val)) + val
    ua = b'Chrome/124.0.6367.119 Windows NT 10.0; Win64; x64'
    tp = (p(0x01, varint(30000)) + p(0x03, varint(1472)) + p(0x04, varint(15728640)) +
          p(0x05, varint(6291456)) + p(0x06, varint(6291456)) + p(0x07, varint(6291456)) +
          p(0x08, varint(100)) + p(0x09, varint(103)) + p(0x0f, scid) +
          p(0x3129, ua) + p(0x4752, R.randbytes(4)))
    return tls_ext(0xffa5 if draft else 0x39, tp)


def tls_client_hello(sni, tls13=True, alpn=('h2', 'http/1.1'), quic=None):
    """A ClientHello handshake message as Chrome (tls13) or an older TLS 1.2
    client sends it. quic = (scid, draft) for the QUIC variant."""
    alpn_ext = tls_ext(16, u16(b''.join(u8(a.encode()) for a in alpn)))
    sni_ext = tls_ext(0, u16(b'\0' + u16(sni.encode())))
    sigalgs = tls_ext(13, u16(bytes.fromhex('040308040401050308050501080606010201')))
    if quic:
        g = []
        suites = [0x1301, 0x1302, 0x1303]
        exts = [sni_ext, tls_ext(10, u16(bytes.fromhex('001d00170018'))), alpn_ext, sigalgs,
                tls_ext(51, u16(struct.pack('!HH', 0x1d, 32) + R.randbytes(32))),
                tls_ext(45, b'\x01\x01'), tls_ext(43, b'\x02\x03\x04'),
                tls_ext(27, b'\x02\x00\x02'), quic_transport_params(*quic)]
        sid = b''
    elif tls13:
        g = R.sample(GREASE, 4)
        suites = [g[0], 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                  0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
        exts = [tls_ext(g[1]), sni_ext, tls_ext(23), tls_ext(0xff01, b'\0'),
                tls_ext(10, u16(struct.pack('!HHHH', g[2], 0x1d, 0x17, 0x18))),
                tls_ext(11, b'\x01\x00'), tls_ext(35), alpn_ext,
                tls_ext(5, b'\x01\x00\x00\x00\x00'), sigalgs, tls_ext(18),
                tls_ext(51, u16(struct.pack('!HH', g[2], 1) + b'\0' +
                                struct.pack('!HH', 0x1d, 32) + R.randbytes(32))),
                tls_ext(45, b'\x01\x01'),
                tls_ext(43, u8(struct.pack('!HHH', g[3], 0x0304, 0x0303))),
                tls_ext(27, b'\x02\x00\x02'), tls_ext(17513, u16(u16(b'h2')[1:])),
                tls_ext(g[3] ^ 0x1010, b'\0')]
        sid = R.randbytes(32)
    else:
        suites = [0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a,
                  0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a]
        exts = [sni_ext, tls_ext(5, b'\x01\x00\x00\x00\x00'),
                tls_ext(10, u16(bytes.fromhex('001d00170018'))), tls_ext(11, b'\x01\x00'),
                sigalgs, tls_ext(35), alpn_ext, tls_ext(23), tls_ext(0xff01, b'\0')]
        sid = b''
    body = (b'\x03\x03' + R.randbytes(32) + u8(sid) +
            u16(b''.join(struct.pack('!H', s) for s in suites)) + b'\x01\x00')
    ext = b''.join(exts)
    if tls13 and not quic:          # Chrome pads the ClientHello to 512 bytes
        pad = 512 - 4 - len(body) - 2 - len(ext) - 4
        if pad >= 0:
            ext += tls_ext(21, bytes(pad))
    return handshake(1, body + u16(ext))


def tls_server_hello(tls13, session_id=b'', alpn='h2', quic=False):
    if tls13:
        exts = tls_ext(51, struct.pack('!HH', 0x1d, 32) + R.randbytes(32)) + tls_ext(43, b'\x03\x04')
        suite = 0x1301
    else:
        exts = (tls_ext(0xff01, b'\0') + tls_ext(11, b'\x01\x00') + tls_ext(23) +
                (tls_ext(16, u16(u8(alpn.encode()))) if alpn else b''))
        suite = 0xc02f
    body = b'\x03\x03' + R.randbytes(32) + u8(b'' if quic else session_id) + struct.pack('!HB', suite, 0) + u16(exts)
    return handshake(2, body)


_CERTS = {}


def cert_chain(sni):
    """DER leaf and issuing-CA certificates for sni (Ed25519, deterministic)."""
    if sni in _CERTS:
        return _CERTS[sni]
    if 'ca' not in _CERTS:
        cakey = ed25519.Ed25519PrivateKey.from_private_bytes(R.randbytes(32))
        caname = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, 'US'),
                            x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Example Trust Services'),
                            x509.NameAttribute(NameOID.COMMON_NAME, 'Example Issuing CA G2')])
        ca = (x509.CertificateBuilder().subject_name(caname).issuer_name(caname)
              .public_key(cakey.public_key()).serial_number(R.getrandbits(64))
              .not_valid_before(datetime.datetime(2023, 1, 1))
              .not_valid_after(datetime.datetime(2028, 1, 1))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .sign(cakey, None))
        _CERTS['ca'] = (cakey, caname, ca.public_bytes(serialization.Encoding.DER))
    cakey, caname, cader = _CERTS['ca']
    key = ed25519.Ed25519PrivateKey.from_private_bytes(R.randbytes(32))
    base = '.'.join(sni.split('.')[-2:])
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sni)]))
            .issuer_name(caname).public_key(key.public_key()).serial_number(R.getrandbits(64))
            .not_valid_before(datetime.datetime(2024, 4, 1))
            .not_valid_after(datetime.datetime(2024, 6, 24))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(sni), x509.DNSName('*.' + base)]),
                           critical=False)
            .sign(cakey, None))
    _CERTS[sni] = (leaf.public_bytes(serialization.Encoding.DER), cader)
    return _CERTS[sni]


def tls_handshake(flow, sni, tls13=True, request=400, response=6000, alpn=('h2', 'http/1.1')):
    """A whole TLS session on an open TcpFlow: hello, server flight, finished,
    encrypted request and response, close_notify."""
    ch = tls_client_hello(sni, tls13, alpn)
    sid = ch[4 + 2 + 32 + 1:4 + 2 + 32 + 1 + ch[4 + 2 + 32]]
    flow.data(True, tls_record(22, ch, 0x0301))
    flow.wait(flow.rtt)
    if tls13:
        flight = (tls_record(22, tls_server_hello(True, sid)) + tls_record(20, b'\x01') +
                  tls_record(23, R.randbytes(R.randrange(2400, 4200))))
        flow.data(False, flight)
        flow.wait(0.002)
        flow.data(True, tls_record(20, b'\x01') + tls_record(23, R.randbytes(53)) +
                  tls_record(23, R.randbytes(request)))
        flow.wait(flow.rtt)
        flow.data(False, tls_record(23, R.randbytes(255)) + tls_record(23, R.randbytes(255)))
    else:
        leaf, ca = cert_chain(sni)
        ske = b'\x03\x00\x1d' + u8(R.randbytes(32)) + b'\x08\x07' + u16(R.randbytes(64))
        flight = (tls_record(22, tls_server_hello(False, R.randbytes(32), alpn[0] if alpn else None)) +
                  tls_record(22, handshake(11, u24(u24(leaf) + u24(ca)))) +
                  tls_record(22, handshake(12, ske)) + tls_record(22, handshake(14, b'')))
        flow.data(False, flight)
        flow.wait(0.003)
        flow.data(True, tls_record(22, handshake(16, u8(R.randbytes(32)))) +
                  tls_record(20, b'\x01') + tls_record(22, R.randbytes(40)))
        flow.wait(flow.rtt)
        flow.data(False, tls_record(22, handshake(4, struct.pack('!I', 7200) + u16(R.randbytes(176)))) +
                  tls_record(20, b'\x01') + tls_record(22, R.randbytes(40)))
        flow.wait(0.001)
        flow.data(True, tls_record(23, R.randbytes(request)))
    flow.wait(flow.rtt + 0.01)
    left = response
    while left > 0:
        n = min(left, 16384 + R.randrange(-4000, 1))
        flow.data(False, tls_record(23, R.randbytes(max(n, 100))))
        left -= n
        flow.wait(0.0005)
    flow.wait(R.uniform(0.05, 0.5))
    flow.data(True, tls_record(21, R.randbytes(26)))


def https_session(cap, cli, srv, cport, sni, t, tls13=True, rtt=0.03, tags=(), response=6000, sport=443):
    f = TcpFlow(cap, cli, srv, cport, sport, t, rtt=rtt, tags=tags).open()
    tls_handshake(f, sni, tls13, response=response)
    f.close()
    return f

# -------------------------------------------------------------------- QUIC

QUIC_V1, QUIC_DRAFT29 = 0x00000001, 0xff00001d
QUIC_SALT = {QUIC_V1: bytes.fromhex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a'),
             QUIC_DRAFT29: bytes.fromhex('afbfec289993d24c9e9786f19c6111e04390a899')}


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack('!H', 0x4000 | v)
    if v < 0x40000000:
        return struct.pack('!I', 0x80000000 | v)
    return struct.pack('!Q', 0xc000000000000000 | v)


def hkdf_expand_label(secret, label, length, context=b''):
    full = b'tls13 ' + label
    info = struct.pack('!H', length) + u8(full) + u8(context)
    out, t, i = b'', b'', 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:length]


def quic_initial_keys(version, dcid, server=False):
    """(key, iv, hp) of Initial packets (RFC 9001 section 5.2)."""
    initial = hmac.new(QUIC_SALT[version], dcid, hashlib.sha256).digest()
    secret = hkdf_expand_label(initial, b'server in' if server else b'client in', 32)
    return (hkdf_expand_label(secret, b'quic key', 16), hkdf_expand_label(secret, b'quic iv', 12),
            hkdf_expand_label(secret, b'quic hp', 16))


def quic_protect(header, pn, pn_len, payload, keys):
    """AES-128-GCM payload protection and AES-ECB header protection."""
    key, iv, hp = keys
    nonce = (int.from_bytes(iv, 'big') ^ pn).to_bytes(12, 'big')
    ct = AESGCM(key).encrypt(nonce, payload, header)
    sample = ct[4 - pn_len:20 - pn_len]
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(sample)
    first = header[0] ^ (mask[0] & (0x0f if header[0] & 0x80 else 0x1f))
    pnb = bytes(a ^ b for a, b in zip(header[-pn_len:], mask[1:1 + pn_len]))
    return bytes([first]) + header[1:-pn_len] + pnb + ct


def quic_initial(version, dcid, scid, pn, frames, keys, size=None, ptype=0):
    """A protected long-header packet (Initial by default), padded with PADDING
    frames so that it is size bytes long."""
    pn_len = 2 if pn > 0xff else 1
    head = (bytes([0xc0 | (ptype << 4) | (pn_len - 1)]) + struct.pack('!I', version) +
            u8(dcid) + u8(scid) + (b'\0' if ptype == 0 else b''))
    if size:
        frames += bytes(max(0, size - (len(head) + 2 + pn_len + len(frames) + 16)))
    header = head + struct.pack('!H', 0x4000 | (pn_len + len(frames) + 16)) + pn.to_bytes(pn_len, 'big')
    return quic_protect(header, pn, pn_len, frames, keys)


def quic_crypto_frame(data, offset=0):
    return b'\x06' + varint(offset) + varint(len(data)) + data


def quic_session(cap, cli, srv, cport, sni, t, version=QUIC_V1, rtt=0.03, tags=(), response=20000):
    """Client Initial (ClientHello), server Initial + Handshake, then 1-RTT
    short-header packets both ways."""
    f = UdpFlow(cap, cli, srv, cport, 443, t, rtt=rtt, tags=tags)
    dcid, scid, server_cid = R.randbytes(8), R.randbytes(8), R.randbytes(8)
    draft = version != QUIC_V1
    ch = tls_client_hello(sni, True, ('h3-29',) if draft else ('h3',), quic=(scid, draft))
    f.send(True, quic_initial(version, dcid, scid, 1, quic_crypto_frame(ch),
                              quic_initial_keys(version, dcid), 1250))
    f.wait(rtt)
    sh = tls_server_hello(True, quic=True)
    srv_initial = quic_initial(version, scid, server_cid, 1, b'\x02\x01\x00\x00\x00' + quic_crypto_frame(sh),
                               quic_initial_keys(version, dcid, server=True))
    hs = (bytes([0xe0 | R.randrange(4)]) + struct.pack('!I', version) + u8(scid) + u8(server_cid))
    body = R.randbytes(1200 - len(srv_initial) - len(hs) - 2)
    f.send(False, srv_initial + hs + struct.pack('!H', 0x4000 | len(body)) + body)
    f.wait(0.0001)
    hs2 = hs + struct.pack('!H', 0x4000 | 1180) + R.randbytes(1180)
    f.send(False, hs2)
    f.wait(0.002)
    f.send(True, bytes([0xe0 | R.randrange(4)]) + struct.pack('!I', version) + u8(server_cid) +
           u8(scid) + struct.pack('!H', 0x4000 | 60) + R.randbytes(60))
    short = lambda cid, n: bytes([0x40 | R.randrange(0x40)]) + cid + R.randbytes(n)
    f.send(True, short(server_cid, R.randrange(80, 400)))
    f.wait(rtt)
    left = response
    while left > 0:
        f.send(False, short(scid, 1200))
        left -= 1200
        f.wait(0.0002)
        if R.random() < 0.3:
            f.send(True, short(server_cid, 35))
    f.wait(0.02)
    f.send(True, short(server_cid, 40))
    return f

# --------------------------------------------------------------------- SSH

def ssh_packet(payload, block=8):
    """An unencrypted SSH binary packet (RFC 4253 section 6)."""
    pad = block - (len(payload) + 5) % block
    if pad < 4:
        pad += block
    return struct.pack('!IB', len(payload) + pad + 1, pad) + payload + R.randbytes(pad)


def ssh_string(b):
    return struct.pack('!I', len(b)) + (b.encode() if isinstance(b, str) else b)


def ssh_kexinit(client):
    kex = ('curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512@openssh.com,'
           'ecdh-sha2-nistp256,ecdh-sha2-nistp384,diffie-hellman-group16-sha512,'
           'diffie-hellman-group14-sha256,' + ('ext-info-c,kex-strict-c-v00@openssh.com' if client
                                               else 'kex-strict-s-v00@openssh.com'))
    hostkey = 'ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256'
    enc = 'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com'
    mac = ('umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,'
           'hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512')
    comp = 'none,zlib@openssh.com'
    lists = [kex, hostkey, enc, enc, mac, mac, comp, comp, '', '']
    return ssh_packet(b'\x14' + R.randbytes(16) + b''.join(ssh_string(x) for x in lists) + b'\0' + bytes(4))


def ssh_session(cap, cli, srv, cport, t, rtt=0.02, tags=(), commands=6):
    f = TcpFlow(cap, cli, srv, cport, 22, t, rtt=rtt, tags=tags).open()
    f.data(True, b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n')
    f.wait(rtt)
    f.data(False, b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n')
    f.wait(0.001)
    f.data(True, ssh_kexinit(True))
    f.wait(rtt)
    f.data(False, ssh_kexinit(False))
    f.wait(0.001)
    f.data(True, ssh_packet(b'\x1e' + ssh_string(R.randbytes(32))))
    f.wait(rtt + 0.002)
    hostkey = ssh_string('ssh-ed25519') + ssh_string(R.randbytes(32))
    sig = ssh_string('ssh-ed25519') + ssh_string(R.randbytes(64))
    f.data(False, ssh_packet(b'\x1f' + ssh_string(hostkey) + ssh_string(R.randbytes(32)) + ssh_string(sig)) +
           ssh_packet(b'\x15'))
    f.wait(0.001)
    f.data(True, ssh_packet(b'\x15'))
    for i in range(commands):         # encrypted traffic: lengths as chacha20-poly1305 gives
        f.wait(R.uniform(0.1, 1.5))
        f.data(True, R.randbytes(R.choice((36, 44, 52, 60, 76))))
        f.wait(rtt)
        f.data(False, R.randbytes(R.randrange(36, 1400)))
    f.close()
    return f

# -------------------------------------------------------------- BitTorrent

def bt_session(cap, cli, srv, cport, sport, t, rtt=0.08, tags=()):
    """Peer wire protocol: handshakes, extended handshake, bitfield,
    interested/unchoke, a request and the piece."""
    info_hash = R.randbytes(20)
    f = TcpFlow(cap, cli, srv, cport, sport, t, rtt=rtt, tags=tags).open()
    hs = lambda peer: b'\x13BitTorrent protocol' + bytes.fromhex('0000000000100005') + info_hash + peer
    msg = lambda mid, body=b'': struct.pack('!IB', len(body) + 1, mid) + body
    f.data(True, hs(b'-qB4610-' + R.randbytes(6).hex().encode()))
    f.wait(rtt)
    f.data(False, hs(b'-TR3000-' + R.randbytes(6).hex().encode()))
    f.wait(0.001)
    f.data(True, msg(20, b'\0' + bencode({'m': {'ut_metadata': 2, 'ut_pex': 1}, 'p': 6881,
                                            'v': 'qBittorrent/4.6.1'})) + msg(2))
    f.wait(rtt)
    f.data(False, msg(20, b'\0' + bencode({'m': {'ut_metadata': 3, 'ut_pex': 1}, 'metadata_size': 31235,
                                             'v': 'Transmission 3.00'})) + msg(5, b'\xff' * 64) + msg(1))
    f.wait(0.001)
    f.data(True, msg(6, struct.pack('!III', 7, 0, 16384)) + msg(6, struct.pack('!III', 7, 16384, 16384)))
    f.wait(rtt)
    f.data(False, msg(7, struct.pack('!II', 7, 0) + R.randbytes(16384)) +
           msg(7, struct.pack('!II', 7, 16384) + R.randbytes(16384)))
    f.close()
    return f


def bencode(x):
    if isinstance(x, int):
        return b'i%de' % x
    if isinstance(x, (bytes, str)):
        x = x.encode() if isinstance(x, str) else x
        return b'%d:' % len(x) + x
    if isinstance(x, dict):
        return b'd' + b''.join(bencode(k) + bencode(v) for k, v in sorted(x.items())) + b'e'
    return b'l' + b''.join(bencode(v) for v in x) + b'e'


def dht_session(cap, cli, srv, cport, sport, t, rtt=0.1, tags=()):
    """Mainline DHT (BEP 5) get_peers query and its answer."""
    f = UdpFlow(cap, cli, srv, cport, sport, t, rtt=rtt, tags=tags)
    tid = R.randbytes(2)
    q = bencode({'a': {'id': R.randbytes(20), 'info_hash': R.randbytes(20)}, 'q': 'get_peers', 't': tid, 'y': 'q'})
    r = bencode({'r': {'id': R.randbytes(20), 'nodes': R.randbytes(208), 'token': R.randbytes(8)},
                 't': tid, 'y': 'r'})
    f.ask(q, r)
    return f

# ------------------------------------------------------- the agreement set

def dns_lookup(cap, cli, resolver, cport, name, qtype, records, t, tags=(), fragment=False, edns=None):
    f = UdpFlow(cap, cli, resolver, cport, 53, t, rtt=R.uniform(0.002, 0.02), tags=tags)
    txid = R.randrange(65536)
    q = dns_query(txid, name, qtype, edns or 1232)
    if fragment and not f.v6:
        r = dns_txt_response_for_fragments(txid, name, records, edns, 53, cport)
    else:
        r = dns_response(txid, name, qtype, records, edns or 1232)
    f.ask(q, r, fragment_answer=fragment)
    return f


def http_session(cap, cli, srv, cport, host, path, body, t, ctype='text/html; charset=utf-8',
                 status='200 OK', server='nginx', ua=UA_CHROME, rtt=0.03, tags=()):
    f = TcpFlow(cap, cli, srv, cport, 80, t, rtt=rtt, tags=tags).open()
    f.exchange(http_request(host, path, ua), http_response(body, ctype, server, status))
    f.close()
    return f


# (SNI, server IPv4, TLS 1.3?) - nDPI names the first twelve; the Chinese
# services after them are named only by Zhulan's application pack.
AGREE_TLS = [
    ('www.google.com', '198.51.100.10', True), ('www.youtube.com', '198.51.100.11', True),
    ('www.facebook.com', '198.51.100.12', True), ('api.twitter.com', '198.51.100.13', True),
    ('www.netflix.com', '198.51.100.14', True), ('web.whatsapp.com', '198.51.100.15', True),
    ('www.instagram.com', '198.51.100.16', True), ('login.microsoftonline.com', '198.51.100.17', False),
    ('www.amazon.com', '198.51.100.18', False), ('github.com', '198.51.100.19', True),
    ('weixin.qq.com', '203.0.113.20', False), ('www.tiktok.com', '198.51.100.21', True),
    ('www.douyin.com', '203.0.113.30', True), ('www.bilibili.com', '203.0.113.31', True),
    ('www.iqiyi.com', '203.0.113.32', False), ('www.taobao.com', '203.0.113.33', True),
    ('www.baidu.com', '203.0.113.34', False), ('www.zhihu.com', '203.0.113.35', True),
    ('im.dingtalk.com', '203.0.113.36', True), ('www.kuaishou.com', '203.0.113.37', True),
    ('www.xiaohongshu.com', '203.0.113.38', True), ('y.qq.com', '203.0.113.39', True),
    ('www.jd.com', '203.0.113.40', False), ('www.pinduoduo.com', '203.0.113.41', True),
    ('www.meituan.com', '203.0.113.42', True), ('www.toutiao.com', '203.0.113.43', True),
]


def build_agree():
    """Every intended flow once; returns the Capture."""
    cap = Capture()
    clients4 = ['192.0.2.%d' % i for i in (10, 11, 12, 13, 14)]
    clients6 = ['2001:db8:1::%x' % i for i in (0x10, 0x11, 0x12)]
    ports = iter(R.sample(range(49152, 65535), 400))
    t = 0.0

    def nxt(lo=0.05, hi=0.3):
        nonlocal t
        t += R.uniform(lo, hi)
        return t
    vlan = lambda v: ((ETH_VLAN, v),)

    # DNS: A and AAAA for several names, over IPv4 and IPv6, some in VLANs
    dns4, dns6 = '198.51.100.53', '2001:db8:f::53'
    lookups = [
        ('www.google.com', 'A', [('', 'A', 300, '198.51.100.10')], ()),
        ('www.youtube.com', 'A', [('', 'CNAME', 3600, 'youtube-ui.l.google.com'),
                                  ('youtube-ui.l.google.com', 'A', 300, '198.51.100.11')], ()),
        ('www.facebook.com', 'AAAA', [('', 'CNAME', 3600, 'star-mini.c10r.facebook.com'),
                                      ('star-mini.c10r.facebook.com', 'AAAA', 60, '2001:db8:f::12')], vlan(10)),
        ('github.com', 'A', [('', 'A', 60, '198.51.100.19')], ()),
        ('www.baidu.com', 'A', [('', 'CNAME', 1200, 'www.a.shifen.com'),
                                ('www.a.shifen.com', 'A', 300, '203.0.113.34')], vlan(20)),
        ('www.bilibili.com', 'AAAA', [('', 'AAAA', 600, '2001:db8:f::31')], ()),
        ('www.douyin.com', 'A', [('', 'CNAME', 600, 'www.douyin.com.w.cdngslb.com'),
                                 ('www.douyin.com.w.cdngslb.com', 'A', 60, '203.0.113.30')], ()),
        ('im.dingtalk.com', 'A', [('', 'A', 600, '203.0.113.36')], vlan(30)),
    ]
    for i, (name, qt, recs, tags) in enumerate(lookups):
        dns_lookup(cap, clients4[i % 3], dns4, next(ports), name, qt, recs, nxt(), tags)
    for i, (name, qt, recs) in enumerate([
            ('www.google.com', 'AAAA', [('', 'AAAA', 300, '2001:db8:f::10')]),
            ('www.zhihu.com', 'A', [('', 'CNAME', 600, 'www.zhihu.com.ipv6.dsa.dnsv1.com'),
                                    ('www.zhihu.com.ipv6.dsa.dnsv1.com', 'A', 60, '203.0.113.35')]),
            ('weixin.qq.com', 'AAAA', [('', 'AAAA', 300, '2001:db8:f::20')]),
            ('www.taobao.com', 'A', [('', 'A', 60, '203.0.113.33')])]):
        dns_lookup(cap, clients6[i % 3], dns6, next(ports), name, qt, recs, nxt())
    # a double-tagged (0x8100 outer 200, inner 20) lookup
    dns_lookup(cap, clients4[3], dns4, next(ports), 'www.iqiyi.com', 'A',
               [('', 'A', 300, '203.0.113.32')], nxt(), ((ETH_VLAN, 200), (ETH_VLAN, 20)))
    # large TXT answers, fragmented: IPv4 (1500 MTU) and IPv6 (1280 MTU)
    txt = [('', 'TXT', 3600, ['v=spf1 include:_spf.example.%d ~all' % i,
                              'site-verification=' + R.randbytes(24).hex()]) for i in range(28)]
    dns_lookup(cap, clients4[0], dns4, next(ports), 'google.com', 'TXT', txt, nxt(), fragment=True, edns=4096)
    dns_lookup(cap, clients6[0], dns6, next(ports), 'google.com', 'TXT', txt[:20], nxt(), fragment=True, edns=4096)

    # HTTP/1.1
    for cli, srv, host, path, body, ctype, status, server, tags in [
            (clients4[0], '198.51.100.30', 'connectivitycheck.gstatic.com', '/generate_204', b'',
             'text/plain', '204 No Content', 'gws', ()),
            (clients4[1], '203.0.113.34', 'www.baidu.com', '/', html_body('百度一下，你就知道', 9000),
             'text/html; charset=utf-8', '200 OK', 'BWS/1.1', vlan(20)),
            (clients4[2], '198.51.100.31', 'www.msftconnecttest.com', '/connecttest.txt',
             b'Microsoft Connect Test', 'text/plain', '200 OK', 'Microsoft-IIS/10.0', ()),
            (clients4[3], '198.51.100.32', 'download.windowsupdate.com',
             '/c/msdownload/update/software/defu/2024/05/am_delta_patch_1.411.135.0.exe',
             R.randbytes(60000), 'application/octet-stream', '200 OK', 'Microsoft-IIS/10.0', vlan(10)),
            (clients4[4], '203.0.113.44', 'www.qq.com', '/', html_body('腾讯首页', 5000),
             'text/html; charset=GB2312', '200 OK', 'squid/3.5.24', ()),
            (clients6[1], '2001:db8:f::30', 'detectportal.firefox.com', '/success.txt?ipv6',
             b'success\n', 'text/plain', '200 OK', 'nginx', ())]:
        http_session(cap, cli, srv, next(ports), host, path, body, nxt(), ctype, status, server,
                     UA_FIREFOX if 'firefox' in host else UA_CHROME, tags=tags)

    # TLS over IPv4 (some in department VLANs), then IPv6, then QinQ
    for i, (sni, srv, tls13) in enumerate(AGREE_TLS):
        tags = vlan((10, 20, 30)[i % 3]) if i % 4 == 1 else ()
        https_session(cap, clients4[i % len(clients4)], srv, next(ports), sni, nxt(), tls13,
                      rtt=R.uniform(0.01, 0.2), tags=tags, response=R.randrange(3000, 40000))
    for cli, srv, sni, tls13 in [(clients6[0], '2001:db8:f::10', 'www.google.com', True),
                                 (clients6[1], '2001:db8:f::12', 'www.facebook.com', True),
                                 (clients6[2], '2001:db8:f::31', 'www.bilibili.com', True),
                                 (clients6[0], '2001:db8:f::20', 'weixin.qq.com', False)]:
        https_session(cap, cli, srv, next(ports), sni, nxt(), tls13, rtt=R.uniform(0.01, 0.1))
    https_session(cap, clients4[4], '203.0.113.45', next(ports), 'www.ctrip.com', nxt(), True,
                  tags=((ETH_QINQ, 100), (ETH_VLAN, 10)))

    # QUIC: v1 and draft-29 over IPv4, v1 over IPv6 and in a VLAN
    quic_session(cap, clients4[1], '198.51.100.11', next(ports), 'www.youtube.com', nxt(), QUIC_V1)
    quic_session(cap, clients4[2], '198.51.100.10', next(ports), 'www.google.com', nxt(), QUIC_DRAFT29)
    quic_session(cap, clients6[2], '2001:db8:f::11', next(ports), 'www.youtube.com', nxt(), QUIC_V1)
    quic_session(cap, clients4[3], '203.0.113.31', next(ports), 'www.bilibili.com', nxt(), QUIC_V1,
                 tags=vlan(30))

    # SSH, BitTorrent
    ssh_session(cap, clients4[0], '203.0.113.22', next(ports), nxt())
    ssh_session(cap, clients6[1], '2001:db8:f::22', next(ports), nxt(), tags=vlan(10))
    bt_session(cap, clients4[4], '203.0.113.77', next(ports), 6881, nxt())
    dht_session(cap, clients4[4], '203.0.113.78', 6881, 6881, nxt())

    # ICMP and ICMPv6: echo, a fragmented big echo, neighbour solicitation
    IcmpFlow(cap, clients4[0], '198.51.100.1', nxt(), rtt=0.012).ping(4)
    IcmpFlow(cap, clients4[1], '203.0.113.1', nxt(), rtt=0.03).ping(2, size=3000)
    IcmpFlow(cap, clients6[0], '2001:db8:f::1', nxt(), rtt=0.012).ping(4)
    IcmpFlow(cap, clients6[1], '2001:db8:f::2', nxt(), rtt=0.02).ping(2, size=2400)
    IcmpFlow(cap, clients6[2], '2001:db8:1::1', nxt()).neighbour('2001:db8:1::1')
    return cap


def cmd_agree(a):
    n = build_agree().write(a.out, a.linktype, a.format)
    print(f'{a.out}: {n} packets ({a.linktype}, {a.format})')

# ---------------------------------------------------------- a county's day

COUNTY_DEPTS = [  # name, IPv4 /26, IPv6 /64, VLAN
    ('finance', '192.0.2.0', '2001:db8:10::', 10),
    ('education', '192.0.2.64', '2001:db8:20::', 20),
    ('health', '192.0.2.128', '2001:db8:30::', 30),
]

# app, kind, host names, weight per department (finance, education, health),
# response size range in KB, has IPv6 servers
COUNTY_SERVICES = [
    ('Baidu', 'tls', ['www.baidu.com', 'sp1.baidu.com', 'ss1.bdstatic.com'], (8, 10, 8), (30, 400), True),
    ('Baidu', 'http', ['www.baidu.com'], (1, 1, 1), (10, 60), False),
    ('WeChat', 'tls12', ['weixin.qq.com', 'short.weixin.qq.com', 'szextshort.weixin.qq.com'], (10, 10, 12), (5, 200), True),
    ('DingTalk', 'tls', ['im.dingtalk.com', 'g.alicdn.com', 'static.dingtalk.com'], (12, 8, 12), (5, 150), False),
    ('Douyin', 'quic', ['www.douyin.com', 'v26-web.douyinvod.com'], (2, 4, 6), (300, 2500), True),
    ('Douyin', 'tls', ['www.douyin.com', 'lf-douyin-pc-web.douyinstatic.com'], (2, 4, 6), (50, 600), True),
    ('Kuaishou', 'tls', ['www.kuaishou.com', 'v2.kwaicdn.com'], (1, 2, 4), (100, 1500), False),
    ('Bilibili', 'tls', ['www.bilibili.com', 'api.bilibili.com', 'i0.hdslb.com'], (2, 8, 3), (50, 800), True),
    ('Bilibili', 'quic', ['upos-sz-mirrorcos.bilivideo.com'], (1, 4, 2), (500, 3000), True),
    ('Taobao', 'tls', ['www.taobao.com', 'g.alicdn.com', 'img.alicdn.com'], (4, 3, 6), (50, 500), True),
    ('JD', 'tls12', ['www.jd.com', 'img14.360buyimg.com'], (2, 2, 3), (50, 400), False),
    ('Zhihu', 'tls', ['www.zhihu.com', 'pic1.zhimg.com'], (3, 7, 3), (30, 400), True),
    ('Weibo', 'tls', ['weibo.com', 'wx1.sinaimg.cn'], (1, 3, 3), (30, 400), False),
    ('QQMusic', 'tls', ['y.qq.com', 'isure.stream.qqmusic.qq.com'], (2, 2, 5), (200, 2000), True),
    ('iQIYI', 'tls12', ['www.iqiyi.com', 'static.iqiyi.com'], (1, 3, 3), (100, 1500), False),
    ('TencentMeeting', 'tls', ['meeting.tencent.com'], (3, 5, 3), (20, 300), False),
    ('WPS', 'tls', ['www.wps.cn', 'drive.wps.cn'], (6, 5, 4), (20, 600), False),
    ('Steam', 'tls', ['store.steampowered.com', 'steamcommunity.com'], (0.2, 1, 0.5), (50, 500), False),
    ('Steam', 'http', ['cache1-sha1.steamcontent.com'], (0.1, 0.5, 0.2), (500, 3000), False),
    ('Microsoft', 'tls12', ['login.microsoftonline.com', 'outlook.office365.com', 'www.bing.com'], (4, 3, 3), (10, 200), True),
    ('WindowsUpdate', 'http', ['download.windowsupdate.com', 'ctldl.windowsupdate.com'], (2, 2, 2), (50, 2000), False),
    ('Apple', 'tls', ['www.apple.com', 'gateway.icloud.com'], (1, 1, 1), (10, 200), True),
    ('GovPortal', 'tls12', ['www.gov.cn', 'zwfw.gd.gov.cn'], (6, 3, 3), (20, 300), True),
    ('Tax', 'tls12', ['etax.chinatax.gov.cn'], (8, 0, 0.5), (20, 300), False),
    ('Bank', 'tls12', ['www.icbc.com.cn', 'ebsnew.boc.cn'], (6, 0.5, 0.5), (20, 200), False),
    ('HealthCommission', 'tls12', ['www.nhc.gov.cn'], (0.3, 0.3, 6), (20, 300), False),
    ('SmartEdu', 'tls', ['www.smartedu.cn', 'basic.smartedu.cn'], (0.2, 7, 0.3), (50, 1200), False),
    ('CHSI', 'tls12', ['www.chsi.com.cn'], (0.1, 3, 0.1), (20, 200), False),
]
RESOLVER4, RESOLVER6 = '198.51.100.53', '2001:db8:f::53'


@functools.lru_cache(maxsize=None)
def service_addr(name, v6):
    """A stable documentation address for a host name (Chinese services in
    203.0.113.0/24, others in 198.51.100.0/24, IPv6 in 2001:db8:f::/48)."""
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], 'big')
    if v6:
        return '2001:db8:f:%x::%x' % (h >> 16 & 0xfff, 0x100 + (h & 0xfff))
    cn = name.endswith('.cn') or any(k in name for k in (
        'baidu', 'bdstatic', 'qq', 'dingtalk', 'alicdn', 'douyin', 'kwai', 'kuaishou', 'bili',
        'hdslb', 'taobao', 'jd.com', '360buy', 'zhihu', 'zhimg', 'weibo', 'sina', 'iqiyi',
        'tencent', 'wps'))
    return ('203.0.113.%d' if cn else '198.51.100.%d') % (20 + h % 230)


def day_time(start_h=8.0, end_h=18.0):
    """Seconds after 08:00 of a working-day moment: busy mornings and
    afternoons, quiet at lunch."""
    weights = {8: 3, 9: 9, 10: 10, 11: 8, 12: 2, 13: 4, 14: 9, 15: 10, 16: 9, 17: 4}
    hours = [h for h in weights if start_h <= h < end_h]
    h = R.choices(hours, [weights[x] for x in hours])[0]
    return (h - 8) * 3600 + R.uniform(0, 3600)


def ntp_session(cap, cli, srv, cport, t, tags=()):
    f = UdpFlow(cap, cli, srv, cport, 123, t, rtt=R.uniform(0.005, 0.03), tags=tags)
    now = (T0 - 3600 + int(t) + 2208988800) << 32 | R.getrandbits(32)    # NTP era 0
    xmit = R.getrandbits(64)           # chrony sends a random transmit timestamp
    f.ask(struct.pack('!BBbbII4sQQQQ', 0x23, 0, 6, -20, 0, 0, bytes(4), 0, 0, 0, xmit),
          struct.pack('!BBbbII4sQQQQ', 0x24, 2, 6, -23, 0x1b, 0x2e, addr('198.51.100.11'),
                      now - (600 << 32), xmit, now, now + 40000))
    return f


def build_county(nflows):
    cap = Capture()
    hosts = []            # (dept index, IPv4, IPv6 or None, VLAN tag)
    for d, (name, net4, net6, vid) in enumerate(COUNTY_DEPTS):
        base = int(ipaddress.ip_address(net4))
        for i in range(10, 50):
            v4 = str(ipaddress.ip_address(base + i))
            v6 = (net6 + '%x' % (0x100 + i)) if R.random() < 0.5 else None
            hosts.append((d, v4, v6, ((ETH_VLAN, vid),)))
    weights = [[s[3][d] for s in COUNTY_SERVICES] for d in range(3)]
    ports = {}
    count = 0

    def port(h):
        p = ports.get(h, R.randrange(49152, 60000)) + R.randrange(1, 4)
        ports[h] = p if p < 65536 else 49152 + p % 16
        return ports[h]

    # every host syncs its clock when it starts in the morning
    for d, v4, v6, tags in R.sample(hosts, min(len(hosts), nflows // 20 + 1)):
        ntp_session(cap, v4, '198.51.100.123', port(v4), R.uniform(0, 1800), tags)
        count += 1
    # the finance system administrator's SSH sessions to the county cloud
    for _ in range(min(6, nflows // 100 + 1)):
        ssh_session(cap, hosts[0][1], '203.0.113.22', port(hosts[0][1]), day_time(), tags=hosts[0][3],
                    commands=R.randrange(5, 30))
        count += 1
    while count < nflows:
        d, v4, v6, tags = R.choice(hosts)
        app, kind, names, _, (lo, hi), has6 = R.choices(COUNTY_SERVICES, weights[d])[0]
        use6 = bool(v6 and has6 and R.random() < 0.8)
        cli = v6 if use6 else v4
        t = day_time()
        for name in names[:R.randrange(1, len(names) + 1)]:
            srv = service_addr(name, use6)
            if R.random() < 0.7:                     # not in the resolver cache
                qt = 'AAAA' if use6 else 'A'
                recs = [('', qt, R.choice((60, 300, 600)), srv)]
                if R.random() < 0.4:
                    cname = name + '.w.cdngslb.com'
                    recs = [('', 'CNAME', 600, cname), (cname, qt, 60, srv)]
                dns_lookup(cap, cli, RESOLVER6 if use6 else RESOLVER4, port(cli), name, qt, recs, t, tags)
                count += 1
                t += 0.03
            size = int(R.uniform(lo, hi) * 200)      # a fifth: keeps the day near 100 MB
            rtt = R.uniform(0.008, 0.06) if srv.startswith(('203.', '2001:db8:f:')) else R.uniform(0.05, 0.25)
            if kind == 'http':
                http_session(cap, cli, srv, port(cli), name, R.choice(('/', '/index.html', '/update/pkg.cab')),
                             R.randbytes(size), t, 'application/octet-stream', rtt=rtt, tags=tags)
            elif kind == 'quic':
                quic_session(cap, cli, srv, port(cli), name, t, QUIC_V1, rtt=rtt, tags=tags, response=size)
            else:
                https_session(cap, cli, srv, port(cli), name, t, kind == 'tls', rtt=rtt, tags=tags,
                              response=size)
            count += 1
            t += R.uniform(0.01, 0.3)
    return cap


def cmd_county(a):
    n = build_county(a.flows).write(a.out, a.linktype, a.format, base=T0 - 3600)
    print(f'{a.out}: {n} packets, a working day 08:00-18:00 CST ({a.linktype}, {a.format})')

# ------------------------------------------------------------------- bench
#
# Payloads are built once as templates (data, length, word sum, sequence
# advance, TCP offset word, DNS id patch); a flow is a script of steps
# (delay in us, delay in RTTs, direction, TCP flags, template). Packets are
# written from the scripts of all flows at once, in time order (a heap), with
# addresses, ports, sequence numbers, IP ids and checksums patched in.

BENCH_DOMAINS = [
    'google.com', 'youtube.com', 'googlevideo.com', 'gstatic.com', 'googleapis.com', 'facebook.com',
    'fbcdn.net', 'instagram.com', 'whatsapp.net', 'twitter.com', 'twimg.com', 'netflix.com',
    'nflxvideo.net', 'amazon.com', 'amazonaws.com', 'cloudfront.net', 'microsoft.com', 'office.com',
    'live.com', 'microsoftonline.com', 'windowsupdate.com', 'bing.com', 'apple.com', 'icloud.com',
    'github.com', 'githubusercontent.com', 'stackoverflow.com', 'wikipedia.org', 'reddit.com',
    'linkedin.com', 'zoom.us', 'slack.com', 'spotify.com', 'dropbox.com', 'adobe.com',
    'cloudflare.com', 'akamaized.net', 'tiktok.com', 'tiktokcdn.com', 'steampowered.com',
    'steamstatic.com', 'baidu.com', 'bdstatic.com', 'qq.com', 'weixin.qq.com', 'gtimg.com',
    'dingtalk.com', 'alicdn.com', 'taobao.com', 'tmall.com', 'alipay.com', 'douyin.com',
    'douyinvod.com', 'bilibili.com', 'hdslb.com', 'bilivideo.com', 'iqiyi.com', 'zhihu.com',
    'zhimg.com', 'weibo.com', 'sinaimg.cn', 'kuaishou.com', 'jd.com', '360buyimg.com',
    'xiaohongshu.com', 'pinduoduo.com', 'meituan.com', 'toutiao.com', '163.com', 'sohu.com',
    'youku.com', 'ctrip.com', 'wps.cn', 'gov.cn', 'chinatax.gov.cn', 'icbc.com.cn', 'csdn.net',
]
BENCH_PREFIXES = ['www', 'api', 'static', 'img', 'cdn', 'm', 'login', 'update', 'video', 'i0']
QUIC_DOMAINS = ['www.google.com', 'www.youtube.com', 'rr3---sn-a5mekn6s.googlevideo.com',
                'fonts.gstatic.com', 'www.facebook.com', 'scontent.xx.fbcdn.net', 'www.instagram.com',
                'www.bilibili.com', 'upos-sz-mirrorcos.bilivideo.com', 'www.douyin.com',
                'v26-web.douyinvod.com', 'www.baidu.com', 'www.taobao.com', 'www.zhihu.com']
HTTP_HOSTS = ['download.windowsupdate.com', 'ctldl.windowsupdate.com', 'www.baidu.com',
              'connectivitycheck.gstatic.com', 'www.msftconnecttest.com', 'ocsp.digicert.com',
              'cache1-sha1.steamcontent.com', 'dl.google.com', 'www.qq.com', 'www.163.com',
              'detectportal.firefox.com', 'update.wps.cn']

ACKF, SYN, FIN, PSH, RST = TCP_ACK, TCP_SYN, TCP_FIN, TCP_PSH, TCP_RST


def tmpl(data, adv=None, opts=0, txid=False):
    """A payload template: (bytes, length, word sum, seq advance, TCP offset word, DNS id patch)."""
    return (data, len(data), wsum(data) if data else 0, len(data) if adv is None else adv,
            (20 + opts) << 10, txid)


def segments(data, mss):
    return [tmpl(data[i:i + mss]) for i in range(0, len(data), mss)]


class BenchTemplates:
    """Every payload the bench capture is made of, built once."""

    def __init__(self):
        self.empty = tmpl(b'')
        self.steps = {}
        syn = lambda mss, tail: struct.pack('!BBH', 2, 4, mss) + tail
        self.syn = {m: tmpl(syn(m, b'\x01\x03\x03\x08\x01\x01\x04\x02'), 1, 12) for m in (1460, 1440)}
        self.synack = {m: tmpl(syn(m, b'\x01\x01\x04\x02\x01\x03\x03\x07'), 1, 12) for m in (1460, 1440)}
        self.fin = tmpl(b'', 1)
        self.snis = [p + '.' + d for d in BENCH_DOMAINS for p in BENCH_PREFIXES]
        R.shuffle(self.snis)
        self.tls12 = set(self.snis[::10])
        self.ch = {s: tmpl(tls_record(22, tls_client_hello(s, s not in self.tls12), 0x0301)) for s in self.snis}
        # server flights, by MSS: TLS 1.3 (hello, change cipher spec, encrypted
        # handshake) and TLS 1.2 for the TLS 1.2 names (with their certificates)
        self.flight13 = {m: [] for m in (1460, 1440)}
        for _ in range(24):
            f = (tls_record(22, tls_server_hello(True, R.randbytes(32))) + tls_record(20, b'\x01') +
                 tls_record(23, R.randbytes(R.randrange(2400, 4200))))
            for m in (1460, 1440):
                self.flight13[m].append(segments(f, m))
        self.flight12 = {}
        for s in self.tls12:
            leaf, ca = cert_chain(s)
            ske = b'\x03\x00\x1d' + u8(R.randbytes(32)) + b'\x08\x07' + u16(R.randbytes(64))
            f = (tls_record(22, tls_server_hello(False, R.randbytes(32), 'h2')) +
                 tls_record(22, handshake(11, u24(u24(leaf) + u24(ca)))) +
                 tls_record(22, handshake(12, ske)) + tls_record(22, handshake(14, b'')))
            self.flight12[s] = {m: segments(f, m) for m in (1460, 1440)}
        self.cfin13 = [tmpl(tls_record(20, b'\x01') + tls_record(23, R.randbytes(53)) +
                            tls_record(23, R.randbytes(n))) for n in (90, 180, 350, 520, 700)]
        self.cfin12 = tmpl(tls_record(22, handshake(16, u8(R.randbytes(32)))) + tls_record(20, b'\x01') +
                           tls_record(22, R.randbytes(40)))
        self.sfin12 = tmpl(tls_record(22, handshake(4, struct.pack('!I', 7200) + u16(R.randbytes(176)))) +
                           tls_record(20, b'\x01') + tls_record(22, R.randbytes(40)))
        self.nst = tmpl(tls_record(23, R.randbytes(255)) + tls_record(23, R.randbytes(255)))
        self.req = [tmpl(tls_record(23, R.randbytes(n))) for n in (60, 120, 300, 800)]
        self.alert = tmpl(tls_record(21, R.randbytes(26)))
        # encrypted bulk data: segments starting a TLS record, and continuations
        self.data = {}
        for m in (1460, 1440):
            self.data[m] = ([tmpl(struct.pack('!BHH', 23, 0x0303, 16401) + R.randbytes(m - 5)) for _ in range(8)] +
                            [tmpl(R.randbytes(m)) for _ in range(24)])
        self.small = [tmpl(tls_record(23, R.randbytes(n))) for n in (40, 100, 250, 600, 900)]
        # QUIC: client Initials (v1, a few draft-29), server first flights, 1-RTT packets
        self.quic_initial = []
        for i in range(48):
            sni = QUIC_DOMAINS[i % len(QUIC_DOMAINS)]
            dcid, scid = R.randbytes(8), R.randbytes(8)
            ver = QUIC_DRAFT29 if i % 8 == 7 else QUIC_V1
            ch = tls_client_hello(sni, True, ('h3-29',) if ver != QUIC_V1 else ('h3',), quic=(scid, ver != QUIC_V1))
            self.quic_initial.append(tmpl(quic_initial(ver, dcid, scid, 1, quic_crypto_frame(ch),
                                                       quic_initial_keys(ver, dcid), 1250)))
        self.quic_server = [tmpl(bytes([0xc0 | R.randrange(4)]) + b'\0\0\0\x01' + u8(R.randbytes(8)) +
                                 u8(R.randbytes(8)) + b'\0\x44\xa0' + R.randbytes(1200 - 27)) for _ in range(8)]
        self.quic_hs = [tmpl(bytes([0xe0 | R.randrange(4)]) + b'\0\0\0\x01' + u8(R.randbytes(8)) +
                             u8(R.randbytes(8)) + b'\x44\x00' + R.randbytes(60)) for _ in range(4)]
        short = lambda n: tmpl(bytes([0x40 | R.randrange(0x40)]) + R.randbytes(n))
        self.quic_big = [short(1251) for _ in range(16)]
        self.quic_small = [short(n) for n in (33, 37, 41, 45, 90, 140, 300)]
        # DNS: query/answer per name (transaction id patched per flow)
        self.dns = []
        for name in self.snis[:300] + HTTP_HOSTS:
            srv4, srv6 = service_addr(name, False), service_addr(name, True)
            for qt, a in (('A', srv4), ('AAAA', srv6)):
                recs = [('', qt, 300, a)]
                if R.random() < 0.3:
                    recs = [('', 'CNAME', 600, name + '.edgekey.net'), (name + '.edgekey.net', qt, 20, a)]
                self.dns.append((tmpl(dns_query(0, name, qt), txid=True),
                                 tmpl(dns_response(0, name, qt, recs), txid=True)))
        # HTTP: requests per host, responses with their bodies in segments
        self.http_req = [tmpl(http_request(h, p)) for h in HTTP_HOSTS
                         for p in ('/', '/generate_204', '/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab')]
        self.http_resp = {}
        for m in (1460, 1440):
            self.http_resp[m] = [segments(http_response(R.randbytes(n), 'application/octet-stream'), m)
                                 for n in (0, 300, 1200, 5000, 12000, 30000)]


class BenchFlow:
    __slots__ = ('start', 'rtt', 'proto', 'v6', 'side', 'seq', 'ipid', 'script', 'i', 'txid')


def bench_tls_script(T, sni, mss, resp_segs):
    """A short HTTPS connection: handshake, TLS hello and flights, a request,
    resp_segs response segments, close."""
    s = [(0, 0, 0, SYN, T.syn[mss]), (80, 1, 1, SYN | ACKF, T.synack[mss]), (150, 0, 0, ACKF, T.empty),
         (40, 0, 0, PSH | ACKF, T.ch[sni])]           # the server acks the hello with its flight
    if sni in T.tls12:
        fl = T.flight12[sni][mss]
        s += [(300, 1, 1, ACKF, fl[0])] + [(30, 0, 1, ACKF | (PSH if i == len(fl) - 2 else 0), seg)
                                            for i, seg in enumerate(fl[1:])]
        s += [(200, 0, 0, ACKF, T.empty), (2000, 0, 0, PSH | ACKF, T.cfin12), (0, 1, 1, PSH | ACKF, T.sfin12),
              (900, 0, 0, PSH | ACKF, R.choice(T.req))]
    else:
        fl = R.choice(T.flight13[mss])
        s += [(300, 1, 1, ACKF, fl[0])] + [(30, 0, 1, ACKF | (PSH if i == len(fl) - 2 else 0), seg)
                                            for i, seg in enumerate(fl[1:])]
        s += [(200, 0, 0, ACKF, T.empty), (1500, 0, 0, PSH | ACKF, R.choice(T.cfin13)),
              (0, 1, 1, PSH | ACKF, T.nst)]
    s += bench_data(T, mss, resp_segs, first_delay=(5000, 1))
    s += [(R.choice((20000, 150000, 800000, 3000000)), 0, 0, PSH | ACKF, T.alert),
          (100, 0, 0, FIN | ACKF, T.fin), (0, 1, 1, FIN | ACKF, T.fin), (200, 0, 0, ACKF, T.empty)]
    return s


def bench_data(T, mss, n, first_delay=(0, 1), gap=60):
    """n server data segments, a client ACK after every second one."""
    pool = T.data[mss]
    k, off = len(pool), R.randrange(len(pool))
    steps = T.steps.get((mss, gap))
    if not steps:                            # shared by all flows
        steps = T.steps[mss, gap] = [(gap, 0, 1, ACKF, seg) for seg in pool]
    ack = (150, 0, 0, ACKF, T.empty)
    s = []
    for i in range(n):
        if i == 0 or i == n - 1:
            d = first_delay if i == 0 else (gap, 0)
            s.append((d[0], d[1], 1, ACKF | (PSH if i == n - 1 else 0), pool[(off + i * 7) % k]))
        else:
            s.append(steps[(off + i * 7) % k])
        if i & 1 or i == n - 1:
            s.append(ack)
    return s


def bench_quic_script(T, n):
    s = [(0, 0, 0, 0, R.choice(T.quic_initial)), (0, 1, 1, 0, R.choice(T.quic_server)),
         (40, 0, 1, 0, R.choice(T.quic_big)), (2000, 0, 0, 0, R.choice(T.quic_hs)),
         (100, 0, 0, 0, R.choice(T.quic_small))]
    for i in range(n):
        s.append((15000 if i == 0 else 80, 1 if i == 0 else 0, 1, 0, R.choice(T.quic_big)))
        if i % 3 == 2:
            s.append((300, 0, 0, 0, T.quic_small[R.randrange(4)]))
    s.append((30000, 0, 0, 0, T.quic_small[0]))
    return s


def bench_dns_script(T, both):
    q, a = R.choice(T.dns)
    s = [(0, 0, 0, 0, q), (0, 1, 1, 0, a)]
    if both:                     # glibc asks A and AAAA from the same socket
        q2, a2 = R.choice(T.dns)
        s += [(50, 0, 0, 0, q2), (0, 1, 1, 0, a2)]
    return s


def bench_http_script(T, mss):
    resp = R.choice(T.http_resp[mss])
    s = [(0, 0, 0, SYN, T.syn[mss]), (80, 1, 1, SYN | ACKF, T.synack[mss]), (150, 0, 0, ACKF, T.empty),
         (40, 0, 0, PSH | ACKF, R.choice(T.http_req))]
    for i, seg in enumerate(resp):
        s.append((3000 if i == 0 else 60, 1 if i == 0 else 0, 1, ACKF | (PSH if i == len(resp) - 1 else 0), seg))
        if i % 2 == 1 or i == len(resp) - 1:
            s.append((150, 0, 0, ACKF, T.empty))
    s += [(R.choice((1000, 100000, 2000000)), 0, 0, FIN | ACKF, T.fin), (0, 1, 1, FIN | ACKF, T.fin),
          (200, 0, 0, ACKF, T.empty)]
    return s


def bench_bulk_script(T, mss, sni, n):
    """A long download: a TLS handshake, then n full segments, then close."""
    s = bench_tls_script(T, sni, mss, 0)[:-4]
    gap = R.choice((60, 120, 250, 500, 1000))
    s += bench_data(T, mss, n, first_delay=(5000, 1), gap=gap)
    s += [(100, 0, 0, FIN | ACKF, T.fin), (0, 1, 1, FIN | ACKF, T.fin), (200, 0, 0, ACKF, T.empty)]
    return s


def bench_plan(T, npackets, nflows):
    """The flows of the bench capture, each a BenchFlow with its script."""
    clients4 = ['192.0.2.%d' % i for i in range(1, 255)]
    clients6 = ['2001:db8:1:%x::%x' % (R.randrange(1, 0x100), R.randrange(1, 0x10000)) for _ in range(3000)]
    scanners = ['203.0.113.%d' % i for i in range(200, 251)]
    kinds = R.choices(['scan', 'dns', 'tls', 'quic', 'http', 'bulk'], [8, 30, 40, 12, 6, 4], k=nflows)
    duration = max(10, npackets // 25000) * 1000000       # us
    nextport = {}
    flows = []
    for kind in kinds:
        v6 = kind != 'scan' and R.random() < (0.25 if kind in ('quic', 'dns') else 0.18)
        mss = 1440 if v6 else 1460
        start = int(R.random() * duration * 0.97)
        if kind == 'scan':               # a SYN to a common port; closed ones answer RST
            cli, srv = R.choice(scanners), R.choice(clients4)
            cport = R.randrange(1024, 65536)
            sport = R.choice((22, 23, 80, 135, 139, 443, 445, 1433, 3306, 3389, 5432, 5900, 6379,
                              8080, 8443, 9200, R.randrange(1, 65536)))
            script = [(0, 0, 0, SYN, T.syn[1460])]
            if R.random() < 0.3:
                script.append((0, 1, 1, RST | ACKF, T.empty))
            proto = 6
        else:
            cli = R.choice(clients6 if v6 else clients4)
            port = nextport.get(cli, R.randrange(32768, 50000)) + 1
            nextport[cli] = cport = port if port < 61000 else 32768
            if kind == 'dns':
                srv, sport, proto = ('2001:db8:f::53' if v6 else '198.51.100.53'), 53, 17
                script = bench_dns_script(T, R.random() < 0.2)
            elif kind == 'quic':
                srv, sport, proto = service_addr(R.choice(QUIC_DOMAINS), v6), 443, 17
                script = bench_quic_script(T, R.choice((2, 3, 4, 6, 10)))
            elif kind == 'http':
                srv, sport, proto = service_addr(R.choice(HTTP_HOSTS), v6), 80, 6
                script = bench_http_script(T, mss)
            else:
                sni = R.choice(T.snis)
                srv, sport, proto = service_addr(sni, v6), 443, 6
                script = bench_tls_script(T, sni, mss, R.choice((1, 1, 2, 2, 3, 4))) if kind == 'tls' else mss
        flows.append([kind, v6, cli, srv, cport, sport, proto, start, script])
    # keep the short flows within 80% of the packets (turning some
    # connections into DNS lookups), the bulk transfers take what is left
    total = sum(len(f[8]) for f in flows if f[0] != 'bulk')
    heavy = [f for f in flows if f[0] in ('tls', 'quic', 'http')]
    R.shuffle(heavy)
    while total > npackets * 0.8 and heavy:
        f = heavy.pop()
        total -= len(f[8])
        f[0], f[3], f[5], f[6] = 'dns', ('2001:db8:f::53' if f[1] else '198.51.100.53'), 53, 17
        f[8] = bench_dns_script(T, R.random() < 0.2)
        total += len(f[8])
    bulk = [f for f in flows if f[0] == 'bulk']
    left = npackets - total
    while bulk and left < 40 * len(bulk):          # too few packets left for them all
        f = bulk.pop()
        f[0], f[3], f[5], f[6] = 'dns', ('2001:db8:f::53' if f[1] else '198.51.100.53'), 53, 17
        f[8] = bench_dns_script(T, False)
        left -= len(f[8])
    if bulk:
        w = [R.paretovariate(1.1) for _ in bulk]
        tot = sum(w)
        snis = [R.choice(T.snis) for _ in bulk]
        spare = left - sum(len(bench_bulk_script(T, f[8], sni, 0)) for f, sni in zip(bulk, snis))
        for f, x, sni in zip(bulk, w, snis):
            f[7] = R.randrange(0, duration // 2)
            f[8] = bench_bulk_script(T, f[8], sni, int(spare * x / tot * 2 / 3))
        # the largest takes the rounding, so that there are (just) enough packets
        big = max(range(len(bulk)), key=lambda i: w[i])
        short = left - sum(len(f[8]) for f in bulk)
        if short > 0:
            n = sum(1 for st in bulk[big][8] if st[4][1] >= 1440) + (short * 2 + 2) // 3
            bulk[big][8] = bench_bulk_script(T, 1440 if bulk[big][1] else 1460, snis[big], n)
    out = []
    addrs = {}
    for kind, v6, cli, srv, cport, sport, proto, start, script in flows:
        b = BenchFlow()
        b.start, b.proto, b.v6, b.script, b.i = start, proto, v6, script, 0
        b.rtt = int(R.lognormvariate(10.3, 0.8))             # median about 30 ms
        b.seq = [R.getrandbits(32), R.getrandbits(32)]
        b.ipid = [R.getrandbits(16), R.getrandbits(16)]
        b.txid = R.getrandbits(16)
        c, s = addrs.get(cli) or addrs.setdefault(cli, addr(cli)), addrs.get(srv) or addrs.setdefault(srv, addr(srv))
        cmac = host_mac(c)
        et = b'\x86\xdd' if v6 else b'\x08\x00'
        pair = wsum(c) + wsum(s)
        ttl = (64, R.choice((50, 52, 54, 118)))
        win = (64240, 65160)
        sides = []
        for d in (0, 1):
            src, dst, sp, dp = (c, s, cport, sport) if d == 0 else (s, c, sport, cport)
            eth = (GW_MAC + cmac if d == 0 else cmac + GW_MAC) + et
            ipk = 0x4500 + 0x4000 + (ttl[d] << 8 | proto) + pair
            l4k = pair + proto + sp + dp + (win[d] if proto == 6 else 0)
            sides.append((eth, src, dst, sp, dp, ttl[d], ipk, l4k, win[d]))
        b.side = sides
        out.append(b)
    return out, duration


def bench_write(path, flows, npackets):
    """Write npackets packets of all flows in time order; returns the count."""
    pack4t = struct.Struct('!14sBBHHHBBH4s4sHHIIHHHH').pack
    pack4u = struct.Struct('!14sBBHHHBBH4s4sHHHH').pack
    pack6t = struct.Struct('!14sIHBB16s16sHHIIHHHH').pack
    pack6u = struct.Struct('!14sIHBB16s16sHHHH').pack
    packrec = struct.Struct('<IIII').pack
    packid = struct.Struct('!H').pack
    heapreplace, heappop = heapq.heapreplace, heapq.heappop
    base = (T0 + 7200) * 1000000
    heap = [(f.start, i, f) for i, f in enumerate(flows)]
    heapq.heapify(heap)
    out = open(path, 'wb')
    out.write(pcap_header(1))
    buf = []
    append = buf.append
    n = 0
    while heap and n < npackets:
        t, fi, f = heap[0]
        script = f.script
        i = f.i
        step = script[i]
        d = step[2]
        data, plen, psum, adv, offw, txid = step[4]
        eth, src, dst, sp, dp, ttl, ipk, l4k, win = f.side[d]
        if txid:
            data = packid(f.txid) + data[2:]
            psum += f.txid
        tcp = f.proto == 6
        if tcp:
            seqs = f.seq
            seq = seqs[d]
            seqs[d] = (seq + adv) & 0xffffffff
            flags = step[3]
            ack = seqs[1 - d] if flags & ACKF else 0
            l4len = 20 + plen
            offflags = offw | flags
            s = l4k + l4len + (seq >> 16) + (seq & 0xffff) + (ack >> 16) + (ack & 0xffff) + offflags + psum
        else:
            l4len = 8 + plen
            s = l4k + l4len + l4len + psum
        s = (s & 0xffff) + (s >> 16)
        ck = 0xffff - ((s & 0xffff) + (s >> 16))
        if f.v6:
            if tcp:
                hdr = pack6t(eth, 0x60000000, l4len, 6, ttl, src, dst, sp, dp, seq, ack, offflags, win, ck, 0)
            else:
                hdr = pack6u(eth, 0x60000000, l4len, 17, ttl, src, dst, sp, dp, l4len, ck or 0xffff)
        else:
            ipids = f.ipid
            ipid = ipids[d] = (ipids[d] + 1) & 0xffff
            tot = 20 + l4len
            x = ipk + tot + ipid
            x = (x & 0xffff) + (x >> 16)
            x = 0xffff - ((x & 0xffff) + (x >> 16))
            if tcp:
                hdr = pack4t(eth, 0x45, 0, tot, ipid, 0x4000, ttl, 6, x, src, dst,
                             sp, dp, seq, ack, offflags, win, ck, 0)
            else:
                hdr = pack4u(eth, 0x45, 0, tot, ipid, 0x4000, ttl, 17, x, src, dst,
                             sp, dp, l4len, ck or 0xffff)
        size = len(hdr) + plen
        sec, usec = divmod(base + t, 1000000)
        append(packrec(sec, usec, size, size))
        append(hdr)
        append(data)
        n += 1
        if n & 0xffff == 0:
            out.write(b''.join(buf))
            buf.clear()
        i += 1
        f.i = i
        if i < len(script):
            nxt = script[i]
            heapreplace(heap, (t + nxt[0] + nxt[1] * f.rtt, fi, f))
        else:
            heappop(heap)
    out.write(b''.join(buf))
    out.close()
    return n


def cmd_bench(a):
    import gc
    import time
    t0 = time.monotonic()
    gc.disable()                  # millions of tuples, no cycles: the collector only costs time
    T = BenchTemplates()
    flows, duration = bench_plan(T, a.packets, a.flows)
    n = bench_write(a.out, flows, a.packets)
    print(f'{a.out}: {n} packets, {len(flows)} flows over {duration / 1e6:.0f} s '
          f'(generated in {time.monotonic() - t0:.1f} s)')

# ----------------------------------------------------------------- damaged

def cap_frames(cap, linktype='ether'):
    """The (timestamp in us, frame) list of a Capture."""
    return [((T0 * 1000000 + int(round(t * 1e6))), frame(linktype, ipb, fc, l2))
            for t, _, ipb, fc, l2 in sorted(cap.pkts, key=lambda p: (p[0], p[1]))]


def pcap_file(frames, linktype=1, snaplen=262144):
    """A classic pcap file; a frame is bytes or (bytes, caplen, wirelen)."""
    out = [pcap_header(linktype, snaplen)]
    ts = T0 * 1000000
    for f in frames:
        ts += 1000
        if isinstance(f, tuple):
            data, caplen, wirelen = f
            out.append(pcap_record(ts, data, wirelen, caplen))
        else:
            out.append(pcap_record(ts, f))
    return b''.join(out)


def eth(payload, etype=0x0800, tags=()):
    return GW_MAC + host_mac(b'\x0a') + b''.join(struct.pack('!HH', t, v) for t, v in tags) + \
        struct.pack('!H', etype) + payload


C4, S4 = addr('192.0.2.66'), addr('198.51.100.66')
C6, S6 = addr('2001:db8:1::66'), addr('2001:db8:f::66')


def udp4(payload=b'hello', sport=40000, dport=53, **kw):
    return ipv4(C4, S4, 17, udp_datagram(C4, S4, sport, dport, payload), 7, **kw)


def udp6_l4(payload=b'hello', sport=40000, dport=53):
    return udp_datagram(C6, S6, sport, dport, payload)


def v6_ext(nh, body):
    """An IPv6 extension header (hop-by-hop, routing, destination options)
    with body padded to a multiple of 8 with the 2-byte header."""
    body += b'\0' * (-(len(body) + 2) % 8)
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def damaged_files(valid_cap):
    """name -> bytes of every damaged capture."""
    good = [f for _, f in cap_frames(valid_cap)]
    head, tail = good[:4], good[4:8]
    wrap = lambda bad: pcap_file(head + bad + tail)
    d = {}
    ok = pcap_file(good)
    # the file and its headers
    d['empty.pcap'] = b''
    d['bad-magic.pcap'] = b'\xde\xad\xbe\xef' + ok[4:]
    d['only-global-header.pcap'] = ok[:24]
    d['truncated-global-header.pcap'] = ok[:13]
    first = 24 + 16 + len(good[0])
    d['record-header-cut.pcap'] = ok[:first + 7]
    d['record-data-cut.pcap'] = ok[:first + 16 + len(good[1]) // 2]
    d['truncated-file-mid-capture.pcap'] = ok[:len(ok) * 2 // 3]
    d['caplen-gt-snaplen.pcap'] = pcap_file(good, snaplen=96)
    d['caplen-gt-wirelen.pcap'] = pcap_file(head + [(f, len(f), len(f) // 2) for f in good[4:]])
    d['caplen-huge-0x10000000.pcap'] = (pcap_file(head) + struct.pack('<IIII', T0, 5, 0x10000000, 0x10000000) +
                                        good[5])
    d['caplen-zero.pcap'] = pcap_file(head + [(b'', 0, 60)] * 3 + tail)
    d['snaplen-zero.pcap'] = pcap_file(good, snaplen=0)
    d['unknown-version-9-0.pcap'] = ok[:4] + struct.pack('<HH', 9, 0) + ok[8:]
    d['unsupported-linktype-147.pcap'] = pcap_file(good, linktype=147)
    d['timestamps-backwards-and-usec-over-1e6.pcap'] = (pcap_header(1) + pcap_record(T0 * 1000000 + 5000000, good[0]) +
                                                       struct.pack('<IIII', T0, 2500000, len(good[1]), len(good[1])) + good[1] +
                                                       pcap_record(T0 * 1000000, good[2]) + pcap_record(0, good[3]))
    d['random-bytes-after-header.pcap'] = pcap_header(1) + R.randbytes(65536)
    # link layer
    d['ethernet-truncated.pcap'] = wrap([good[0][:n] for n in range(1, 14)])
    d['vlan-tag-truncated.pcap'] = wrap([GW_MAC * 2 + b'\x81\x00\x00', GW_MAC * 2 + b'\x81\x00\x00\x0a\x08'])
    d['qinq-truncated.pcap'] = wrap([GW_MAC * 2 + b'\x88\xa8\x00\x64\x81\x00\x00',
                                     GW_MAC * 2 + b'\x88\xa8\x00\x64\x81\x00\x00\x0a'])
    d['vlan-300-stacked-tags.pcap'] = wrap([eth(udp4(), tags=[(ETH_VLAN, 5)] * 300)])
    d['llc-length-field-short.pcap'] = wrap([GW_MAC * 2 + b'\x00\x20\xaa\xaa\x03', GW_MAC * 2 + b'\x05\xdc\x42'])
    d['sll-truncated.pcap'] = pcap_file([b'\x00\x00\x00\x01\x00\x06' + GW_MAC, b'\x00\x00'], linktype=113)
    d['null-bad-address-family.pcap'] = pcap_file([struct.pack('<I', 77) + udp4(), b'\x02\x00'], linktype=0)
    # IPv4
    ip = udp4()
    d['ipv4-ihl-below-5.pcap'] = wrap([eth(bytes([0x40 | n]) + ip[1:]) for n in range(5)])
    d['ipv4-ihl-beyond-packet.pcap'] = wrap([eth(b'\x4f' + ip[1:24])])
    d['ipv4-header-cut.pcap'] = wrap([eth(ip[:12])])
    d['ipv4-total-length-beyond-capture.pcap'] = wrap([eth(ip[:2] + b'\x05\xdc' + ip[4:])])
    d['ipv4-total-length-below-header.pcap'] = wrap([eth(ip[:2] + b'\x00\x0a' + ip[4:])])
    d['ipv4-version-not-4.pcap'] = wrap([eth(bytes([v << 4 | 5]) + ip[1:]) for v in (0, 6, 7, 15)])
    d['ipv4-options-overrun.pcap'] = wrap([ipv4(C4, S4, 17, udp_datagram(C4, S4, 1, 2, b'x'), 9,
                                                opts=b'\x07\x28\x04' + bytes(9))])
    # IPv6 and its extension headers
    l4 = udp6_l4()
    full = {
        'hop-by-hop': ipv6(C6, S6, 0, v6_ext(17, b'\x01\x04' + bytes(4)) + l4),
        'routing': ipv6(C6, S6, 43, v6_ext(17, b'\x00\x00' + bytes(4)) + l4),
        'fragment': ipv6(C6, S6, 44, struct.pack('!BBHI', 17, 0, 0, 99) + l4),
        'destination-options': ipv6(C6, S6, 60, v6_ext(17, b'\x01\x04' + bytes(4)) + l4),
    }
    for name, pkt in full.items():       # cut 4 bytes into the extension header
        d[f'ipv6-{name}-header-cut.pcap'] = wrap([eth(pkt[:44], 0x86dd), eth(pkt[:41], 0x86dd)])
    d['ipv6-header-cut.pcap'] = wrap([eth(ipv6(C6, S6, 17, l4)[:20], 0x86dd)])
    d['ipv6-payload-length-beyond-capture.pcap'] = wrap([eth(ipv6(C6, S6, 17, l4)[:4] + b'\x05\x00' +
                                                             ipv6(C6, S6, 17, l4)[6:], 0x86dd)])
    chain = v6_ext(60, b'\x01\x04' + bytes(4)) + v6_ext(43, b'\x01\x02' + bytes(2)) + bytes([17, 200]) + bytes(14)
    d['ipv6-extension-chain-past-end.pcap'] = wrap([eth(ipv6(C6, S6, 0, chain), 0x86dd)])
    many = b''.join(v6_ext(60, b'\x01\x04' + bytes(4)) for _ in range(180)) + v6_ext(17, b'\x01\x04' + bytes(4)) + l4
    d['ipv6-181-destination-options-headers.pcap'] = wrap([eth(ipv6(C6, S6, 60, many), 0x86dd)])
    d['ipv6-version-not-6.pcap'] = wrap([eth(b'\x40' + ipv6(C6, S6, 17, l4)[1:], 0x86dd)])
    # TCP, UDP, ICMP headers
    seg = tcp_segment(C4, S4, 40000, 443, 1, 0, TCP_SYN)
    d['tcp-data-offset-below-5.pcap'] = wrap([eth(ipv4(C4, S4, 6, seg[:12] + bytes([n << 4]) + seg[13:], 9))
                                              for n in range(5)])
    d['tcp-data-offset-beyond-packet.pcap'] = wrap([eth(ipv4(C4, S4, 6, seg[:12] + b'\xf0' + seg[13:], 9))])
    d['tcp-header-cut.pcap'] = wrap([eth(ipv4(C4, S4, 6, seg[:10], 9)),
                                     eth(ipv6(C6, S6, 6, tcp_segment(C6, S6, 4, 443, 1, 0, TCP_SYN)[:13]), 0x86dd)])
    d['tcp-option-length-0-and-255.pcap'] = wrap([eth(ipv4(C4, S4, 6, tcp_segment(C4, S4, 40001, 443, 1, 0, TCP_SYN,
                                                                                   opts=b'\x02\x00\x05\xb4\x08\xff\x00\x00'), 9))])
    u = udp_datagram(C4, S4, 40000, 53, b'\x12\x34' + bytes(10))
    d['udp-length-beyond-packet.pcap'] = wrap([eth(ipv4(C4, S4, 17, u[:4] + b'\x05\xdc' + u[6:], 9))])
    d['udp-length-below-8.pcap'] = wrap([eth(ipv4(C4, S4, 17, u[:4] + struct.pack('!H', n) + u[6:], 9)) for n in (0, 1, 7)])
    d['udp-header-cut.pcap'] = wrap([eth(ipv4(C4, S4, 17, u[:5], 9)), eth(ipv6(C6, S6, 17, l4[:3]), 0x86dd)])
    d['icmp-and-icmpv6-cut.pcap'] = wrap([eth(ipv4(C4, S4, 1, b'\x08', 9)),
                                          eth(ipv6(C6, S6, 58, b'\x80\x00'), 0x86dd)])
    # fragments
    big = udp_datagram(C4, S4, 40002, 53, R.randbytes(3000))
    fr = fragments_v4(C4, S4, 17, big, 4242)
    over = ipv4(C4, S4, 17, R.randbytes(800), 4242, frag=0x2000 | (1000 >> 3))
    d['ipv4-fragments-overlapping.pcap'] = wrap([eth(x) for x in (fr[0], over, fr[1], fr[2])])
    d['ipv4-fragments-out-of-order.pcap'] = wrap([eth(x) for x in (fr[2], fr[1], fr[0])])
    d['ipv4-fragments-without-first.pcap'] = wrap([eth(x) for x in fr[1:]])
    d['ipv4-fragments-duplicated.pcap'] = wrap([eth(x) for x in (fr[0], fr[0], fr[1], fr[1], fr[2], fr[2])])
    syn = tcp_segment(C4, S4, 40003, 80, 1, 0, TCP_SYN)
    d['ipv4-tiny-fragment-overwrites-tcp-header.pcap'] = wrap([
        eth(ipv4(C4, S4, 6, syn[:8], 77, frag=0x2000)), eth(ipv4(C4, S4, 6, syn[8:], 77, frag=1))])
    d['ipv4-fragment-beyond-64k.pcap'] = wrap([eth(ipv4(C4, S4, 17, R.randbytes(400), 78, frag=0x1fff)),
                                               eth(ipv4(C4, S4, 17, big[:1480], 78, frag=0x2000))])
    d['ipv4-5000-incomplete-datagrams.pcap'] = pcap_file(head + [eth(ipv4(C4, S4, 17, big[:1480], i, frag=0x2000))
                                                                 for i in range(5000)] + tail)
    fr6 = fragments_v6(C6, S6, 17, udp_datagram(C6, S6, 40004, 53, R.randbytes(3000)), 4243)
    over6 = ipv6(C6, S6, 44, struct.pack('!BBHI', 17, 0, 1000 | 1, 4243) + R.randbytes(800))
    d['ipv6-fragments-overlapping.pcap'] = wrap([eth(x, 0x86dd) for x in (fr6[0], over6) + tuple(fr6[1:])])
    d['ipv6-fragments-without-first.pcap'] = wrap([eth(x, 0x86dd) for x in fr6[1:]])
    d['ipv6-atomic-fragment.pcap'] = wrap([eth(ipv6(C6, S6, 44, struct.pack('!BBHI', 17, 0, 0, 5) + l4), 0x86dd)])
    # tunnels
    inner = udp4()
    for _ in range(40):
        inner = ipv4(C4, S4, 4, inner, 11)
    d['ip-in-ip-40-deep.pcap'] = wrap([eth(inner)])
    d['ip-in-ip-inner-cut.pcap'] = wrap([eth(ipv4(C4, S4, 4, udp4()[:9], 12)),
                                         eth(ipv6(C6, S6, 41, ipv6(C6, S6, 17, l4)[:30]), 0x86dd)])
    # pcapng
    shb, idb = pcapng_shb(), pcapng_idb(1)
    epbs = [pcapng_epb(T0 * 1000000 + i * 1000, f) for i, f in enumerate(good)]
    ng = lambda *blocks: b''.join(blocks)
    epb = epbs[5]
    d['pcapng-block-length-not-multiple-of-4.pcapng'] = ng(shb, idb, *epbs[:3], epb[:4] + struct.pack('<I', len(epb) - 3) + epb[8:], *epbs[6:])
    d['pcapng-block-length-below-12.pcapng'] = ng(shb, idb, *epbs[:3], epb[:4] + struct.pack('<I', 8) + epb[8:])
    d['pcapng-block-length-past-end-of-file.pcapng'] = ng(shb, idb, *epbs[:3], epb[:4] + struct.pack('<I', 1 << 20) + epb[8:])
    d['pcapng-trailing-block-length-mismatch.pcapng'] = ng(shb, idb, *epbs[:3], epb[:-4] + struct.pack('<I', len(epb) + 8), *epbs[6:])
    bad_if = pcapng_epb(T0 * 1000000, good[6], ifid=7)
    d['pcapng-packet-on-nonexistent-interface.pcapng'] = ng(shb, idb, *epbs[:3], bad_if, *epbs[6:])
    d['pcapng-packet-before-any-interface.pcapng'] = ng(shb, *epbs[:3], idb, *epbs[3:])
    d['pcapng-caplen-beyond-block.pcapng'] = ng(shb, idb, *epbs[:3], epb[:20] + struct.pack('<I', 4000) + epb[24:], *epbs[6:])
    d['pcapng-bad-byte-order-magic.pcapng'] = shb[:8] + b'\x11\x22\x33\x44' + shb[12:] + idb + b''.join(epbs)
    d['pcapng-section-header-cut.pcapng'] = shb[:20]
    d['pcapng-unsupported-linktype-147.pcapng'] = ng(shb, pcapng_idb(147), *epbs)
    d['pcapng-random-bytes-after-interface.pcapng'] = ng(shb, idb, R.randbytes(65536))
    d['pcapng-truncated-mid-block.pcapng'] = ng(shb, idb, *epbs[:6])[:-37]
    return d


def cmd_damaged(a):
    os.makedirs(a.dir, exist_ok=True)
    valid = Capture()
    dns_lookup(valid, '192.0.2.66', '198.51.100.53', 40100, 'www.bilibili.com', 'A',
               [('', 'A', 600, '203.0.113.31')], 0.0)
    https_session(valid, '192.0.2.66', '203.0.113.31', 40101, 'www.bilibili.com', 0.05, response=8000)
    dns_lookup(valid, '2001:db8:1::66', '2001:db8:f::53', 40102, 'www.baidu.com', 'AAAA',
               [('', 'AAAA', 600, '2001:db8:f::34')], 1.0)
    files = damaged_files(valid)
    # bit flips and cuts of a whole agreement capture
    agree = pcap_file([f for _, f in cap_frames(build_agree())])
    for i in range(1, 7):
        b = bytearray(agree)
        for _ in range(10 * i):
            pos = R.randrange(24, len(b))
            b[pos] ^= 1 << R.randrange(8)
        files[f'agree-bitflips-{10 * i}.pcap'] = bytes(b)
    files['agree-cut-at-random-offset.pcap'] = agree[:R.randrange(24, len(agree))]
    for name, data in sorted(files.items()):
        with open(os.path.join(a.dir, name), 'wb') as f:
            f.write(data)
    print(f'{a.dir}: {len(files)} damaged captures')


# --------------------------------------------------------------- incidents

INC_ROUTER6, INC_ROGUE6 = 'fe80::1', 'fe80::bad'
INC_ROGUE_MAC = bytes.fromhex('00005e0053ee')


def self_signed(sni):
    """A DER certificate issued by its own subject (nDPI: Self-signed Certificate)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(R.randbytes(32))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sni)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(R.getrandbits(64))
            .not_valid_before(datetime.datetime(2024, 4, 1))
            .not_valid_after(datetime.datetime(2025, 4, 1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(sni)]), critical=False)
            .sign(key, None))
    der = cert.public_bytes(serialization.Encoding.DER)
    return der, der


def syn_probe(cap, cli, srv, cport, port, t, answer):
    """One SYN; the server answers RST ('rst'), SYN/ACK ('open', the scanner
    then resets) or nothing (None)."""
    f = TcpFlow(cap, cli, srv, cport, port, t, rtt=0.002)
    f.send(True, TCP_SYN, opts=struct.pack('!BBH', 2, 4, 1460))
    f.wait(f.rtt)
    if answer == 'rst':
        f.send(False, TCP_RST | TCP_ACK)
    elif answer == 'open':
        f.send(False, TCP_SYN | TCP_ACK, opts=struct.pack('!BBH', 2, 4, 1460))
        f.wait(0.0001)
        f.send(True, TCP_RST)


def router_advertisement(cap, src, mac, t, tags, prefix='2001:db8:10::'):
    """ICMPv6 type 134 to all-nodes with a source link-layer address and a prefix option."""
    f = IcmpFlow(cap, src, 'ff02::1', t, tags=tags, cmac=mac)
    pio = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 86400, 14400, 0) + addr(prefix)
    f.send(True, 134, 0, struct.pack('!BBH', 64, 0, 1800), struct.pack('!II', 0, 0) +
           b'\x01\x01' + mac + pio, hlim=255)


def dhcp_offer(cap, server, t, tags, yiaddr='192.0.2.99', mac=None):
    """A BOOTREPLY with option 53 = 2 (offer), server (from mac) to the offered address."""
    chaddr = bytes.fromhex('00005e005377')
    msg = (struct.pack('!BBBBIHH', 2, 1, 6, 0, R.getrandbits(32), 0, 0) + bytes(4) + addr(yiaddr) +
           addr(server) + bytes(4) + chaddr + bytes(10) + bytes(64) + bytes(128) +
           bytes([99, 130, 83, 99]) + bytes([53, 1, 2, 54, 4]) + addr(server) +
           bytes([51, 4]) + struct.pack('!I', 86400) + bytes([1, 4, 255, 255, 255, 0, 255]))
    UdpFlow(cap, server, yiaddr, 67, 68, t, tags=tags, cmac=mac).send(True, msg)


def build_incidents():
    """Each incident once, from its own host; see tests/integration/incidents.sh."""
    cap = Capture()
    # SYN scan of ports 1-1000 of one server in about 12 s: 3 open, the rest reset
    for i, port in enumerate(range(1, 1001)):
        syn_probe(cap, '192.0.2.70', '198.51.100.10', 40000 + i, port, 10 + i * 0.012,
                  'open' if port in (22, 80, 443) else 'rst')
    # UDP scan of 200 ports (the ICMP port unreachables are flows of their own)
    for i, port in enumerate(range(1, 201)):
        f = UdpFlow(cap, '192.0.2.71', '198.51.100.11', 41000, port, 40 + i * 0.05)
        f.send(True, b'')
        f.wait(0.002)
        u = IcmpFlow(cap, '198.51.100.11', '192.0.2.71', f.t)
        u.send(True, 3, 3, b'\0\0\0\0', f.ip(True, 17, udp_datagram(f.c, f.s, 41000, port, b''))[:28])
    # a host sweep of 203.0.113.1-254 on port 445, nobody answers
    for i in range(1, 255):
        syn_probe(cap, '192.0.2.72', '203.0.113.%d' % i, 42000 + i, 445, 60 + i * 0.03, None)
    # 30 short SSH sessions to one server in about a minute (password guessing)
    for i in range(30):
        f = TcpFlow(cap, '192.0.2.73', '198.51.100.22', 43000 + i, 22, 100 + i * 2.0, rtt=0.01).open()
        f.data(False, b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n')
        f.wait(0.01)
        f.data(True, b'SSH-2.0-libssh2_1.10.0\r\n')
        f.wait(0.01)
        f.data(True, ssh_kexinit(True))
        f.data(False, ssh_kexinit(False))
        f.wait(0.5)
        f.close()
    # router advertisements on VLAN 10: the configured router, then a rogue one
    router_advertisement(cap, INC_ROUTER6, GW_MAC, 200, ((ETH_VLAN, 10),))
    for i in range(3):
        router_advertisement(cap, INC_ROGUE6, INC_ROGUE_MAC, 201 + i * 4, ((ETH_VLAN, 10),))
    # DHCP offers: the configured server (the gateway), then a rogue one
    dhcp_offer(cap, '192.0.2.1', 220, ((ETH_VLAN, 10),), mac=GW_MAC)
    dhcp_offer(cap, '192.0.2.250', 221, ((ETH_VLAN, 10),))
    dhcp_offer(cap, '192.0.2.250', 222, ((ETH_VLAN, 10),), '192.0.2.98')
    # two flows to a blocklisted address (a botnet C&C in the test's threat set)
    for i in range(2):
        http_session(cap, '192.0.2.74', '198.51.100.66', 44000 + i, 'cc.example.net', '/gate.php',
                     b'ok', 230 + i)
    # web attacks in URLs and a self-signed certificate
    http_session(cap, '192.0.2.75', '198.51.100.80', 45000, 'portal.example.com',
                 "/news.php?id=1%27%20OR%20%271%27=%271", html_body('news', 800), 240)
    http_session(cap, '192.0.2.76', '198.51.100.80', 45001, 'portal.example.com',
                 '/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E', html_body('search', 800), 242)
    _CERTS['selfsigned.example.com'] = self_signed('selfsigned.example.com')
    https_session(cap, '192.0.2.77', '198.51.100.81', 45002, 'selfsigned.example.com', 244, tls13=False)
    return cap


def cmd_sweep(a):
    """One host sends a SYN to every address of 198.18.0.0/16 (RFC 2544's
    benchmarking range), 20,000 a second; nobody answers."""
    w = Writer(a.out)
    cli, cmac = addr('192.0.2.70'), host_mac(addr('192.0.2.70'))
    for i in range(65536):
        dst = bytes([198, 18, i >> 8, i & 0xff])
        seg = tcp_segment(cli, dst, 40000 + i % 20000, 445, i * 7919, 0, TCP_SYN)
        w.packet(T0 * 1000000 + i * 50, frame('ether', ipv4(cli, dst, 6, seg, i & 0xffff), True,
                                               (cmac, GW_MAC, ())))
    w.close()
    print(f'{a.out}: {w.count} packets')


def cmd_incidents(a):
    n = build_incidents().write(a.out)
    print(f'{a.out}: {n} packets')

# -------------------------------------------------------------------- main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                epilog='See the top of this file for what each capture holds.')
    sub = p.add_subparsers(dest='cmd', required=True)

    def common(sp, framing=True):
        sp.add_argument('--seed', type=int, default=1, help='random seed (default 1)')
        if framing:
            sp.add_argument('--linktype', choices=sorted(LINKTYPES), default='ether',
                            help='ether (1), sll (113), sll2 (276), raw (101) or null (0)')
            sp.add_argument('--format', choices=('pcap', 'pcapng'), default='pcap')
    sp = sub.add_parser('agree', help='the agreement set')
    sp.add_argument('out')
    common(sp)
    sp = sub.add_parser('county', help='a working day of a county government network')
    sp.add_argument('out')
    sp.add_argument('--flows', type=int, default=2500, help='about this many flows (default 2500)')
    common(sp)
    sp = sub.add_parser('bench', help='a large interleaved mix (Ethernet, classic pcap)')
    sp.add_argument('out')
    sp.add_argument('--packets', type=int, default=2000000, help='exactly this many packets')
    sp.add_argument('--flows', type=int, default=200000,
                    help='this many flows (fewer if there are under ~3 packets a flow)')
    common(sp, framing=False)
    sp = sub.add_parser('incidents', help='one of each incident the detectors find')
    sp.add_argument('out')
    common(sp, framing=False)
    sp = sub.add_parser('sweep', help='a SYN sweep of a /16 (the detectors\' memory bench)')
    sp.add_argument('out')
    common(sp, framing=False)
    sp = sub.add_parser('damaged', help='a directory of damaged captures')
    sp.add_argument('dir')
    common(sp, framing=False)
    a = p.parse_args(argv)
    R.seed(a.seed)
    globals()['cmd_' + a.cmd](a)


if __name__ == '__main__':
    main()
