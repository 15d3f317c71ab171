/*
 * test_decode.c - the decoder on crafted frames: each link type, VLAN and
 * QinQ, IPv4 options and fragments, each IPv6 extension header, IP-in-IP,
 * and every truncation point. Each frame is copied into a buffer of exactly
 * its captured length so that AddressSanitizer catches any read past it.
 */
#include <stdlib.h>
#include <netinet/in.h>

#include "decode.h"
#include "frames.h"
#include "tap.h"

static int dec(int link, const uint8_t *f, size_t n, struct zl_pkt *p)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, f, n);
	rc = zl_decode(link, copy, (uint32_t)n, (uint32_t)n, 1, p);
	p->ip = NULL;   /* points into copy, which goes now */
	if (p->l2src)   /* the same place in f */
		p->l2src = f + (p->l2src - copy);
	free(copy);
	return rc;
}

static uint8_t l4[256], ip[512], fr[600];

static size_t tcp4_frame(uint8_t *out, const uint16_t *tags)
{
	size_t n = mk_tcp(l4, 40000, 443, 1000, 0, 0x18, "hello", 5);
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.7", IPPROTO_TCP, 7, 0, l4, n);
	return mk_eth(out, tags, 0x0800, ip, n);
}

static void test_links(void)
{
	struct zl_pkt p;
	size_t n, m;
	uint32_t af;

	n = tcp4_frame(fr, NULL);
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), 0, "ethernet ipv4 tcp decodes");
	is_int(p.ip_version, 4, "ip version 4");
	is_int(p.l4proto, IPPROTO_TCP, "tcp");
	is_int(p.sport, 40000, "source port");
	is_int(p.dport, 443, "destination port");
	is_int(p.tcp_flags, 0x18, "tcp flags PSH|ACK");
	is_int(p.payload_len, 5, "payload length");
	is_int(p.src[0], 192, "source address");
	is_int(p.vlan, 0, "untagged");
	ok(p.l2src == fr + 6 && p.l2src[0] == 0x02 && p.l2src[5] == 1, "the frame's source MAC");

	m = mk_tcp(l4, 1234, 80, 1, 0, 0x02, NULL, 0);
	m = mk_ip4(ip, "192.0.2.1", "198.51.100.7", IPPROTO_TCP, 1, 0, l4, m);
	n = mk_sll(fr, 0x0800, ip, m);
	is_int(dec(ZL_LINK_LINUX_SLL, fr, n, &p), 0, "linux sll decodes");
	is_int(p.dport, 80, "sll: port");
	ok(p.l2src == fr + 6, "sll: the sender's MAC (ARPHRD_ETHER, 6 bytes)");
	fb_put16(fr + 2, 772);   /* ARPHRD_LOOPBACK */
	is_int(dec(ZL_LINK_LINUX_SLL, fr, n, &p), 0, "sll from loopback decodes");
	ok(p.l2src == NULL, "... without a MAC");
	n = mk_sll2(fr, 0x0800, ip, m);
	is_int(dec(ZL_LINK_LINUX_SLL2, fr, n, &p), 0, "linux sll2 decodes");
	is_int(p.dport, 80, "sll2: port");
	ok(p.l2src == fr + 12, "sll2: the sender's MAC");
	is_int(dec(ZL_LINK_RAW, ip, m, &p), 0, "raw ip decodes");
	is_int(p.sport, 1234, "raw: port");
	ok(p.l2src == NULL, "raw: no MAC");
	is_int(dec(ZL_LINK_IPV4, ip, m, &p), 0, "linktype ipv4 decodes");
	af = 2;
	n = mk_null(fr, af, ip, m);
	is_int(dec(ZL_LINK_NULL, fr, n, &p), 0, "bsd null AF_INET decodes");
	is_int(p.ip_version, 4, "null: ipv4");
	af = htonl(2);
	n = mk_null(fr, af, ip, m);
	is_int(dec(ZL_LINK_LOOP, fr, n, &p), 0, "loop (network order AF) decodes");

	m = mk_udp(l4, 5353, 53, "q", 1);
	m = mk_ip6(ip, "2001:db8:1::1", "2001:db8:f::53", IPPROTO_UDP, NULL, 0, l4, m);
	af = 30; /* AF_INET6 on macOS */
	n = mk_null(fr, af, ip, m);
	is_int(dec(ZL_LINK_NULL, fr, n, &p), 0, "bsd null AF_INET6 (30) decodes");
	is_int(p.ip_version, 6, "null: ipv6");
	af = 10;
	n = mk_null(fr, af, ip, m);
	is_int(dec(ZL_LINK_NULL, fr, n, &p), 0, "bsd null AF_INET6 (10) decodes");
	is_int(p.dport, 53, "null v6: port");

	n = mk_eth(fr, NULL, 0x0806, ip, 28);
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), ZL_DERR_NOT_IP, "ARP is counted as not IP");
	ok(!zl_decode_link_supported(147), "link type 147 is not supported");
	ok(zl_decode_link_supported(ZL_LINK_LINUX_SLL2), "sll2 is supported");
}

static void test_vlan(void)
{
	static const uint16_t one[] = { 0x8100, 42, 0 };
	static const uint16_t qinq[] = { 0x88a8, 100, 0x8100, 200, 0 };
	struct zl_pkt p;
	size_t n;

	n = tcp4_frame(fr, one);
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), 0, "802.1Q decodes");
	is_int(p.vlan, 42, "vlan id 42");
	n = tcp4_frame(fr, qinq);
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), 0, "QinQ decodes");
	is_int(p.vlan, 200, "QinQ: inner vlan id");
	is_int(p.dport, 443, "QinQ: port");
}

static void test_ipv4_options_frags(void)
{
	struct zl_pkt p;
	size_t n, m;

	m = mk_udp(l4, 5000, 53, "abcdefgh", 8);
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.7", IPPROTO_UDP, 9, 0x2000, l4, m);
	is_int(dec(ZL_LINK_RAW, ip, n, &p), 0, "first fragment decodes");
	is_int(p.frag, ZL_FRAG_FIRST, "first fragment flagged");
	is_int(p.dport, 53, "first fragment has ports");
	is_int(p.frag_id, 9, "fragment id");
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.7", IPPROTO_UDP, 9, 0x0002, l4, m);
	is_int(dec(ZL_LINK_RAW, ip, n, &p), 0, "later fragment decodes");
	is_int(p.frag, ZL_FRAG_LATER, "later fragment flagged");
	is_int(p.sport, 0, "later fragment: no L4 header parsed");

	/* IHL 6: four bytes of options (NOP x3, EOL) before UDP */
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.7", IPPROTO_UDP, 1, 0, l4, m);
	memmove(ip + 24, ip + 20, m);
	memcpy(ip + 20, "\x01\x01\x01\x00", 4);
	ip[0] = 0x46;
	fb_put16(ip + 2, (uint16_t)(n + 4));
	is_int(dec(ZL_LINK_RAW, ip, n + 4, &p), 0, "ipv4 with options decodes");
	is_int(p.dport, 53, "options skipped");
	ip[0] = 0x44;
	is_int(dec(ZL_LINK_RAW, ip, n + 4, &p), ZL_DERR_IP_HLEN, "IHL 4 is refused");
	ip[0] = 0x4f;
	is_int(dec(ZL_LINK_RAW, ip, 40, &p), ZL_DERR_IP_HLEN, "IHL past the packet is refused");
	ip[0] = 0x75;
	is_int(dec(ZL_LINK_RAW, ip, n, &p), ZL_DERR_IP_VERSION, "version 7 is refused");
}

static void test_ipv6_ext(void)
{
	/* hop-by-hop (-> routing) (-> dest opts) (-> fragment) -> UDP */
	uint8_t ext[32] = {
		43, 0, 1, 4, 0, 0, 0, 0,             /* hop-by-hop: PadN */
		60, 0, 0, 0, 0, 0, 0, 0,             /* routing, type 0, 0 left */
		44, 0, 1, 4, 0, 0, 0, 0,             /* destination options */
		17, 0, 0, 1, 0, 0, 0, 77,            /* fragment: off 0, M=1, id 77 */
	};
	static const uint8_t starts[] = { 0, 43, 60, 44 };
	struct zl_pkt p;
	size_t n, m, i;

	m = mk_udp(l4, 4000, 53, "x", 1);
	for (i = 0; i < 4; i++) {
		n = mk_ip6(ip, "2001:db8:1::1", "2001:db8:f::1", starts[i],
			   ext + 8 * i, 32 - 8 * i, l4, m);
		is_int(dec(ZL_LINK_RAW, ip, n, &p), 0, "ipv6 chain from header %u decodes", starts[i]);
		is_int(p.l4proto, IPPROTO_UDP, "chain from %u ends at UDP", starts[i]);
		is_int(p.dport, 53, "chain from %u: port", starts[i]);
		is_int(p.frag, ZL_FRAG_FIRST, "chain from %u: first fragment", starts[i]);
		is_int(p.l4_off, 40 + 32 - 8 * i, "chain from %u: l4 offset", starts[i]);
		/* cut inside each extension header */
		is_int(dec(ZL_LINK_RAW, ip, 40 + 4, &p), ZL_DERR_IP6_EXT_TRUNC,
		       "chain from %u cut in its first header", starts[i]);
	}
	ext[27] = 0; ext[26] = 0x10; /* offset 2 (16 bytes), no M */
	n = mk_ip6(ip, "2001:db8:1::1", "2001:db8:f::1", 44, ext + 24, 8, l4, m);
	is_int(dec(ZL_LINK_RAW, ip, n, &p), 0, "ipv6 later fragment decodes");
	is_int(p.frag, ZL_FRAG_LATER, "ipv6 later fragment flagged");
	is_int(p.frag_id, 77, "ipv6 fragment id");
	is_int(p.sport, 0, "ipv6 later fragment: no L4 header parsed");
	/* an extension header whose length runs past the packet */
	ext[1] = 200;
	n = mk_ip6(ip, "2001:db8:1::1", "2001:db8:f::1", 0, ext, 32, l4, m);
	is_int(dec(ZL_LINK_RAW, ip, n, &p), ZL_DERR_IP6_EXT_TRUNC, "oversized extension header refused");
}

static void test_tunnel(void)
{
	struct zl_pkt p;
	size_t m, n;
	uint8_t inner[256];

	m = mk_tcp(l4, 50000, 22, 1, 0, 0x02, NULL, 0);
	m = mk_ip6(inner, "2001:db8:1::5", "2001:db8:f::22", IPPROTO_TCP, NULL, 0, l4, m);
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.7", 41, 1, 0, inner, m);
	is_int(dec(ZL_LINK_RAW, ip, n, &p), 0, "6in4 decodes");
	is_int(p.ip_version, 6, "6in4: inner ipv6 classified");
	is_int(p.dport, 22, "6in4: inner port");
}

static void test_truncation(void)
{
	static const uint16_t one[] = { 0x8100, 42, 0 };
	struct zl_pkt p;
	size_t n, cut;
	int bad = 0;

	n = tcp4_frame(fr, one);   /* 14+4 eth/vlan, 20 ip, 20 tcp, 5 data */
	for (cut = 0; cut < n; cut++) {
		int rc = dec(ZL_LINK_ETHERNET, fr, cut, &p), want;
		if (cut < 14) want = ZL_DERR_LINK_TRUNC;
		else if (cut < 18) want = ZL_DERR_VLAN_TRUNC;
		else if (cut < 38) want = ZL_DERR_IP_TRUNC;
		else if (cut < 58) want = ZL_DERR_L4_TRUNC;
		else want = ZL_DERR_OK; /* payload cut by the snap length */
		if (rc != want) {
			printf("# cut at %zu: got %s, want %s\n", cut,
			       zl_derr_name(rc), zl_derr_name(want));
			bad++;
		}
	}
	is_int(bad, 0, "every truncation point of eth/vlan/ipv4/tcp gives its reason");

	/* TCP data offset below 5 and past the segment */
	n = tcp4_frame(fr, NULL);
	fr[14 + 20 + 12] = 4 << 4;
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), ZL_DERR_TCP_HLEN, "tcp data offset 4 refused");
	fr[14 + 20 + 12] = 15 << 4;
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), ZL_DERR_TCP_HLEN, "tcp data offset past segment refused");
	/* IPv4 total length shorter than its header */
	n = tcp4_frame(fr, NULL);
	fb_put16(fr + 14 + 2, 10);
	is_int(dec(ZL_LINK_ETHERNET, fr, n, &p), ZL_DERR_IP_LEN, "total length < header refused");
}

int main(void)
{
	test_links();
	test_vlan();
	test_ipv4_options_frags();
	test_ipv6_ext();
	test_tunnel();
	test_truncation();
	return done_testing();
}
