#!/usr/bin/python3
"""flood.py - many short UDP flows from one lab host, for the store's queue
tests: N one-packet flows to distinct ports of a server, and every K-th one
a DNS query for a name under DOMAIN (which a behaviour rule audits), each
from a source port of its own so that each is a flow of its own.

    flood.py SERVER DNS_SERVER N K DOMAIN [RATE]

RATE: flows per second (0 or absent: as fast as it can). Prints
"flows F dns D seconds S". Sent on a raw socket so that the source port is
ours to choose (the kernel adds the IP header); needs CAP_NET_RAW.
"""
import socket
import struct
import sys
import time


def udp(sport, dport, payload):
    # checksum 0: none (allowed over IPv4)
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def dns_query(i, domain):
    name = b"".join(bytes([len(p)]) + p for p in ("q%d.%s" % (i, domain)).encode().split(b"."))
    return struct.pack("!HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + name + b"\0" + struct.pack("!HH", 1, 1)


def main():
    server, dns, n, k, domain = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 0
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    t0 = time.monotonic()
    flows = queries = 0
    for i in range(n):
        sport = 10000 + i % 50000
        dport = 1024 + (i * 7919) % 60000
        if k and i % k == 0:
            pkt, dst = udp(sport, 53, dns_query(i, domain)), dns
            queries += 1
        else:
            pkt, dst = udp(sport, dport, b"zhulan flood"), server
        while True:
            try:
                s.sendto(pkt, (dst, 0))
                break
            except BlockingIOError:
                time.sleep(0.001)
            except OSError as e:
                if e.errno != 105:   # ENOBUFS: the device queue is full, wait
                    raise
                time.sleep(0.001)
        flows += 1
        if rate and flows % 100 == 0:
            ahead = flows / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    print("flows %d dns %d seconds %.2f" % (flows, queries, time.monotonic() - t0))


main()
