/*
 * frames.h - build test frames byte by byte: link headers, VLAN tags, IPv4,
 * IPv6 with extension headers, TCP, UDP, ICMP. Checksums are left zero:
 * nothing in the flow engine verifies them.
 */
#ifndef ZL_FRAMES_H
#define ZL_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

static inline void fb_put16(uint8_t *b, uint16_t v) { b[0] = v >> 8; b[1] = (uint8_t)v; }
static inline void fb_put32(uint8_t *b, uint32_t v) { fb_put16(b, v >> 16); fb_put16(b + 2, (uint16_t)v); }

static inline size_t mk_tcp(uint8_t *b, uint16_t sp, uint16_t dp, uint32_t seq,
			    uint32_t ack, uint8_t flags, const void *pl, size_t n)
{
	memset(b, 0, 20);
	fb_put16(b, sp); fb_put16(b + 2, dp);
	fb_put32(b + 4, seq); fb_put32(b + 8, ack);
	b[12] = 5 << 4; b[13] = flags; fb_put16(b + 14, 65535);
	if (n) memcpy(b + 20, pl, n);
	return 20 + n;
}

static inline size_t mk_udp(uint8_t *b, uint16_t sp, uint16_t dp, const void *pl, size_t n)
{
	fb_put16(b, sp); fb_put16(b + 2, dp);
	fb_put16(b + 4, (uint16_t)(8 + n)); fb_put16(b + 6, 0);
	if (n) memcpy(b + 8, pl, n);
	return 8 + n;
}

static inline size_t mk_icmp(uint8_t *b, uint8_t type, uint16_t id, uint16_t seq)
{
	memset(b, 0, 16);
	b[0] = type; fb_put16(b + 4, id); fb_put16(b + 6, seq);
	return 16;
}

/* IPv4 header + l4. frag: the flags/offset field (0x2000 = MF). */
static inline size_t mk_ip4(uint8_t *b, const char *src, const char *dst,
			    uint8_t proto, uint16_t id, uint16_t frag,
			    const uint8_t *l4, size_t n)
{
	memset(b, 0, 20);
	b[0] = 0x45; fb_put16(b + 2, (uint16_t)(20 + n)); fb_put16(b + 4, id);
	fb_put16(b + 6, frag); b[8] = 64; b[9] = proto;
	inet_pton(AF_INET, src, b + 12); inet_pton(AF_INET, dst, b + 16);
	memcpy(b + 20, l4, n);
	return 20 + n;
}

/* IPv6 header + extension headers (already chained) + l4. */
static inline size_t mk_ip6(uint8_t *b, const char *src, const char *dst,
			    uint8_t nh, const uint8_t *ext, size_t extn,
			    const uint8_t *l4, size_t n)
{
	memset(b, 0, 40);
	b[0] = 0x60; fb_put16(b + 4, (uint16_t)(extn + n)); b[6] = nh; b[7] = 64;
	inet_pton(AF_INET6, src, b + 8); inet_pton(AF_INET6, dst, b + 24);
	if (extn) memcpy(b + 40, ext, extn);
	memcpy(b + 40 + extn, l4, n);
	return 40 + extn + n;
}

/* Ethernet (with optional tags: tpid/vid pairs, 0-terminated) + payload. */
static inline size_t mk_eth(uint8_t *b, const uint16_t *tags, uint16_t type,
			    const uint8_t *in, size_t n)
{
	size_t o = 12;
	memset(b, 0, 12);
	b[0] = 0x02; b[6] = 0x02; b[11] = 1;
	for (; tags && tags[0]; tags += 2) {
		fb_put16(b + o, tags[0]); fb_put16(b + o + 2, tags[1]); o += 4;
	}
	fb_put16(b + o, type); o += 2;
	memcpy(b + o, in, n);
	return o + n;
}

static inline size_t mk_sll(uint8_t *b, uint16_t type, const uint8_t *in, size_t n)
{
	memset(b, 0, 16);
	fb_put16(b + 2, 1); fb_put16(b + 4, 6); fb_put16(b + 14, type);
	memcpy(b + 16, in, n);
	return 16 + n;
}

static inline size_t mk_sll2(uint8_t *b, uint16_t type, const uint8_t *in, size_t n)
{
	memset(b, 0, 20);
	fb_put16(b, type); fb_put32(b + 4, 2); fb_put16(b + 8, 1); b[11] = 6;
	memcpy(b + 20, in, n);
	return 20 + n;
}

static inline size_t mk_null(uint8_t *b, uint32_t af, const uint8_t *in, size_t n)
{
	memcpy(b, &af, 4);
	memcpy(b + 4, in, n);
	return 4 + n;
}

#endif
