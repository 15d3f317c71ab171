/*
 * dnsans.c - the record types of a DNS response's answers (RFC 1035 4.1).
 */
#include <string.h>

#include "dnsans.h"

#define HDR 12
#define T_A 1
#define T_AAAA 28
#define C_IN 1
#define MAX_HOPS 16

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The name at msg[*off] in dotted lower case into out (NULL: skip only),
 * following compression pointers (each must point before the name that
 * holds it, at most MAX_HOPS). *off moves past the name as it sits in the
 * message. 0, or -1 when the name is malformed or runs past len.
 */
static int read_name(const uint8_t *msg, size_t len, size_t *off, char *out)
{
	size_t p = *off, o = 0, end = 0, start = *off;
	int hops = 0, jumped = 0;
	unsigned l, i;

	for (;;) {
		if (p >= len)
			return -1;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= len || ++hops > MAX_HOPS)
				return -1;
			to = (size_t)(l & 0x3f) << 8 | msg[p + 1];
			if (to >= start)   /* forward or self: a loop or garbage */
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			start = to;
			p = to;
			if (!out)
				break;     /* skipping: the pointer ends the name here */
			continue;
		}
		if (l & 0xc0)
			return -1;     /* 0x40, 0x80: extended label types, not used */
		if (l == 0) {
			if (!jumped)
				end = p + 1;
			break;
		}
		if (p + 1 + l > len)
			return -1;
		if (out) {
			if (o + l + 1 >= ZL_DNS_NAME_MAX)
				return -1;
			if (o)
				out[o++] = '.';
			for (i = 0; i < l; i++) {
				uint8_t c = msg[p + 1 + i];
				out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
		}
		p += 1 + l;
	}
	if (out)
		out[o] = 0;
	*off = end;
	return 0;
}

int zl_dnsans_parse(const uint8_t *msg, size_t len, struct zl_dnsans *a)
{
	unsigned an, i;
	size_t off = HDR;
	uint16_t type, class, rdlen;

	if (len < HDR || !(msg[2] & 0x80) || (msg[2] & 0x78) || get16(msg + 4) != 1)
		return -1;      /* not a standard-query response with one question */
	memset(a, 0, offsetof(struct zl_dnsans, qname));
	a->qname[0] = 0;
	a->rcode = msg[3] & 0x0f;
	if (read_name(msg, len, &off, a->qname) < 0 || off + 4 > len)
		return -1;
	a->qtype = get16(msg + off);
	if (get16(msg + off + 2) != C_IN)
		return -1;
	off += 4;
	an = get16(msg + 6);
	for (i = 0; i < an; i++) {
		if (read_name(msg, len, &off, NULL) < 0 || off + 10 > len)
			break;
		type = get16(msg + off);
		class = get16(msg + off + 2);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			break;
		if (class == C_IN && type == T_A && rdlen == 4)
			a->rr |= ZL_DNS_A;
		else if (class == C_IN && type == T_AAAA && rdlen == 16)
			a->rr |= ZL_DNS_AAAA;
		off += rdlen;
	}
	/* NODATA or NXDOMAIN to an AAAA question: the name has none. A cut
	 * answer section (TC, or a short capture) says nothing either way. */
	if (a->qtype == T_AAAA && !(a->rr & ZL_DNS_AAAA) && i == an && !(msg[2] & 0x02) &&
	    (a->rcode == 0 || a->rcode == 3))
		a->rr |= ZL_DNS_NO_AAAA;
	return 0;
}
