#!/usr/bin/python3
"""delay-relay.py - "the Internet answers late", for packaging/lab.

Used when the kernel has no netem qdisc.  Runs inside the lab's internet
namespace in front of the real servers (nginx, sshd, dnsmasq, which listen
on 127.0.0.1 only) and holds every server->client chunk DELAY seconds before
passing it on, so that each request/response exchange costs one extra
round trip of DELAY, as it would against a server far away.

  delay-relay.py [--delay 0.02] [--pidfile F] \
      --tcp LISTEN_ADDR:PORT=TARGET_PORT[,proxy] ... --udp LISTEN_ADDR:PORT=TARGET_PORT ...

LISTEN_ADDR may be an IPv6 address in brackets.  Targets are on 127.0.0.1;
",proxy" sends a PROXY protocol v1 line first (nginx then logs and answers
with the real client address).
Chunks keep their order; the delay pipelines (throughput is not capped by
it), with a bounded backlog per connection so a fast server sees
backpressure.  DNS over UDP: each query is forwarded from one upstream
socket under a fresh transaction id; the answer goes back DELAY later under
the client's own id.
"""
import argparse
import asyncio
import os
import signal
import socket
import sys
import time

CHUNK = 65536
BACKLOG_CHUNKS = 64          # at most ~4 MB held per connection


def parse_spec(spec):
    left, target = spec.rsplit('=', 1)
    target, _, opt = target.partition(',')
    host, port = left.rsplit(':', 1)
    host = host.strip('[]')
    return host, int(port), int(target), opt == 'proxy'


def proxy_header(cwriter):
    """PROXY protocol v1 line, so the server logs the real client."""
    peer = cwriter.get_extra_info('peername')
    sock = cwriter.get_extra_info('sockname')
    if not peer or not sock:
        return b'PROXY UNKNOWN\r\n'
    fam = 'TCP6' if ':' in peer[0] else 'TCP4'
    src = peer[0].split('%')[0]
    if src.startswith('::ffff:') and '.' in src:
        fam, src = 'TCP4', src[7:]
    return ('PROXY %s %s %s %d %d\r\n'
            % (fam, src, sock[0].split('%')[0], peer[1], sock[1])).encode()


async def pump_plain(reader, writer):
    """client -> server: no delay."""
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def pump_delayed(reader, writer, delay, upstream):
    """server -> client: every chunk leaves `delay` s after it arrived."""
    q = asyncio.Queue(BACKLOG_CHUNKS)

    async def out():
        try:
            while True:
                due, data = await q.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            # client gone: stop the server side, drop what is still queued
            upstream.close()
            while True:
                _, data = await q.get()
                if data is None:
                    return

    sender = asyncio.ensure_future(out())
    try:
        while True:
            data = await reader.read(CHUNK)
            await q.put((time.monotonic() + delay, data or None))
            if not data:
                break
    except (ConnectionError, OSError):
        await q.put((time.monotonic(), None))
    await sender


def tcp_handler(target_port, delay, proxy):
    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection('127.0.0.1', target_port)
        except OSError:
            cwriter.close()
            return
        if proxy:
            swriter.write(proxy_header(cwriter))
        for w in (cwriter, swriter):
            sock = w.get_extra_info('socket')
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await asyncio.gather(pump_plain(creader, swriter),
                                 pump_delayed(sreader, cwriter, delay, swriter))
        finally:
            for w in (cwriter, swriter):
                try:
                    w.close()
                except Exception:
                    pass
    return handle


class UdpFront(asyncio.DatagramProtocol):
    """Client-facing socket; forwards to the upstream socket."""

    def __init__(self, relay):
        self.relay = relay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.relay.query(self, data, addr)


class UdpBack(asyncio.DatagramProtocol):
    def __init__(self, relay):
        self.relay = relay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.relay.answer(data)


class UdpRelay:
    """DNS-aware: rewrites the 16-bit id so many clients can share one socket."""

    def __init__(self, loop, target_port, delay):
        self.loop, self.target, self.delay = loop, ('127.0.0.1', target_port), delay
        self.pending = {}      # new id -> (front, client addr, old id, time)
        self.next_id = 1
        self.back = None

    def query(self, front, data, addr):
        if len(data) < 12 or self.back is None:
            return
        now = time.monotonic()
        if len(self.pending) > 4096:
            self.pending = {k: v for k, v in self.pending.items() if now - v[3] < 10}
        for _ in range(65536):
            self.next_id = (self.next_id % 65535) + 1
            if self.next_id not in self.pending:
                break
        nid = self.next_id
        self.pending[nid] = (front, addr, data[:2], now)
        self.back.transport.sendto(nid.to_bytes(2, 'big') + data[2:], self.target)

    def answer(self, data):
        if len(data) < 12:
            return
        ent = self.pending.pop(int.from_bytes(data[:2], 'big'), None)
        if ent is None:
            return
        front, addr, oid, _ = ent
        self.loop.call_later(self.delay, front.transport.sendto, oid + data[2:], addr)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--delay', type=float, default=0.020)
    ap.add_argument('--tcp', action='append', default=[])
    ap.add_argument('--udp', action='append', default=[])
    ap.add_argument('--pidfile')
    a = ap.parse_args()
    loop = asyncio.get_running_loop()
    servers = []
    for spec in a.tcp:
        host, port, target, proxy = parse_spec(spec)
        servers.append(await asyncio.start_server(
            tcp_handler(target, a.delay, proxy), host, port, reuse_address=True,
            backlog=256))
    relays = {}
    for spec in a.udp:
        host, port, target, _ = parse_spec(spec)
        relay = relays.get(target)
        if relay is None:
            relay = relays[target] = UdpRelay(loop, target, a.delay)
            _, relay.back = await loop.create_datagram_endpoint(
                lambda r=relay: UdpBack(r), local_addr=('127.0.0.1', 0))
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        await loop.create_datagram_endpoint(lambda r=relay: UdpFront(r),
                                            local_addr=(host, port), family=fam)
    if a.pidfile:
        with open(a.pidfile + '.tmp', 'w') as f:
            f.write('%d\n' % os.getpid())
        os.replace(a.pidfile + '.tmp', a.pidfile)
    print('delay-relay: %d TCP, %d UDP listeners, delay %.0f ms'
          % (len(a.tcp), len(a.udp), a.delay * 1000), flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    sys.exit(0)
