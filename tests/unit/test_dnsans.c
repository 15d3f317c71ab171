/*
 * test_dnsans.c - the DNS answer reader (probes/dnsans.c): record types of
 * real-shaped responses, compression pointers (good, looping, forward,
 * out of bounds), and every truncation of a response read without a read
 * outside the buffer (ASan checks that: each cut is copied into a buffer
 * of exactly its length).
 */
#include <stdlib.h>
#include <string.h>

#include "dnsans.h"
#include "tap.h"

struct msg {
	uint8_t b[512];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(m, b, 2);
}

/* header: id, flags, qd=1, an, ns=0, ar=0 */
static void header(struct msg *m, unsigned flags, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void question(struct msg *m, unsigned qtype)
{
	/* www.Example.COM */
	put(m, "\3www\7Example\3COM\0", 17);
	put16(m, qtype);
	put16(m, 1);
}

/* an answer whose owner is a pointer to the question's name (0xc00c) */
static void answer(struct msg *m, unsigned type, unsigned rdlen)
{
	uint8_t rd[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, rdlen);
	put(m, rd, rdlen);
}

/* Parse a copy of exactly n bytes, so ASan sees any read past the end. */
static int parse_n(const struct msg *m, size_t n, struct zl_dnsans *a)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	memcpy(c, m->b, n);
	rc = zl_dnsans_parse(c, n, a);
	free(c);
	return rc;
}

int main(void)
{
	struct zl_dnsans a;
	struct msg m;
	size_t i, full;
	int fails;

	/* an AAAA answer behind a CNAME: the name has one */
	header(&m, 0x8180, 2);
	question(&m, 28);
	put16(&m, 0xc00c); put16(&m, 5); put16(&m, 1); put16(&m, 0); put16(&m, 60);
	put16(&m, 6); put(&m, "\3cdn\xc0\x10", 6);   /* cdn.example.com */
	put16(&m, 0xc02d); put16(&m, 28); put16(&m, 1); put16(&m, 0); put16(&m, 60);
	put16(&m, 16); put(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
	is_int(parse_n(&m, m.n, &a), 0, "AAAA response behind a CNAME is read");
	is_str(a.qname, "www.example.com", "question name in lower case");
	is_int(a.qtype, 28, "question type AAAA");
	is_int(a.rr, ZL_DNS_AAAA, "AAAA bit only");
	full = m.n;

	/* every cut of it: never a crash, never a bit from a record cut off */
	fails = 0;
	for (i = 0; i < full; i++) {
		int rc = parse_n(&m, i, &a);
		if (i < 12 + 17 + 4 && rc != -1)
			fails++;
		if (rc == 0 && (a.rr & ZL_DNS_AAAA) && i < full)
			fails++;
		if (rc == 0 && (a.rr & ZL_DNS_NO_AAAA))
			fails++;   /* a cut answer section says nothing */
	}
	is_int(fails, 0, "each of %zu truncations: refused before the question ends, "
	       "no AAAA bit from a cut record, no 'no AAAA' from a cut section", full);

	/* NODATA to an AAAA question: no AAAA */
	header(&m, 0x8180, 0);
	question(&m, 28);
	is_int(parse_n(&m, m.n, &a), 0, "NODATA read");
	is_int(a.rr, ZL_DNS_NO_AAAA, "NODATA to AAAA: the name has none");
	/* ... but not when truncated (TC) */
	header(&m, 0x8380, 0);
	question(&m, 28);
	is_int(parse_n(&m, m.n, &a), 0, "TC response read");
	is_int(a.rr, 0, "TC: nothing concluded");
	/* NXDOMAIN to AAAA */
	header(&m, 0x8183, 0);
	question(&m, 28);
	parse_n(&m, m.n, &a);
	is_int(a.rr, ZL_DNS_NO_AAAA, "NXDOMAIN to AAAA: none");
	/* SERVFAIL: unknown */
	header(&m, 0x8182, 0);
	question(&m, 28);
	parse_n(&m, m.n, &a);
	is_int(a.rr, 0, "SERVFAIL: nothing concluded");

	/* A answer */
	header(&m, 0x8180, 1);
	question(&m, 1);
	answer(&m, 1, 4);
	is_int(parse_n(&m, m.n, &a), 0, "A response read");
	is_int(a.rr, ZL_DNS_A, "A bit");
	/* a record whose length does not fit its type counts for nothing */
	header(&m, 0x8180, 1);
	question(&m, 28);
	answer(&m, 28, 4);
	parse_n(&m, m.n, &a);
	is_int(a.rr & ZL_DNS_AAAA, 0, "an AAAA record of 4 bytes is not an AAAA");

	/* a query is not an answer */
	header(&m, 0x0100, 0);
	question(&m, 28);
	is_int(parse_n(&m, m.n, &a), -1, "query refused");
	/* two questions: refused */
	header(&m, 0x8180, 0);
	m.b[5] = 2;
	question(&m, 28);
	is_int(parse_n(&m, m.n, &a), -1, "two questions refused");

	/* compression pointer in the question to itself: a loop */
	header(&m, 0x8180, 0);
	put(&m, "\xc0\x0c", 2);
	put16(&m, 28); put16(&m, 1);
	is_int(parse_n(&m, m.n, &a), -1, "pointer to itself refused");
	/* pointer forward (past the name) */
	header(&m, 0x8180, 0);
	put(&m, "\xc0\x20", 2);
	put16(&m, 28); put16(&m, 1);
	put(&m, "\3www\0", 5);
	is_int(parse_n(&m, m.n, &a), -1, "forward pointer refused");
	/* pointer past the end */
	header(&m, 0x8180, 0);
	put(&m, "\xff\xff", 2);
	put16(&m, 28); put16(&m, 1);
	is_int(parse_n(&m, m.n, &a), -1, "pointer past the message refused");
	/* two pointers pointing back at each other can't: each must go back */
	header(&m, 0x8180, 0);
	put(&m, "\1a\xc0\x0c", 4);   /* label then pointer to its own start */
	put16(&m, 28); put16(&m, 1);
	is_int(parse_n(&m, m.n, &a), -1, "pointer back to the name's own start refused");
	/* a good backwards pointer in the question: the name from the header
	 * area is garbage, so build one: answer-first layouts are rare, but a
	 * pointer into the question is what answers use */
	header(&m, 0x8180, 1);
	question(&m, 28);
	answer(&m, 28, 16);
	is_int(parse_n(&m, m.n, &a), 0, "owner name as pointer read");
	is_int(a.rr, ZL_DNS_AAAA, "AAAA through a compressed owner");
	/* answer's owner pointer is garbage but points back: skipped all the same */
	/* a label with the reserved 0x40 type */
	header(&m, 0x8180, 0);
	put(&m, "\x41x\0", 3);
	put16(&m, 28); put16(&m, 1);
	is_int(parse_n(&m, m.n, &a), -1, "extended label type refused");
	/* a name longer than 253 characters */
	header(&m, 0x8180, 0);
	for (i = 0; i < 5; i++)
		put(&m, "\x3f" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64);
	put(&m, "\0", 1);
	put16(&m, 28); put16(&m, 1);
	is_int(parse_n(&m, m.n, &a), -1, "a name over 253 characters refused");
	/* an answer count larger than the answers present */
	header(&m, 0x8180, 5);
	question(&m, 28);
	answer(&m, 28, 16);
	is_int(parse_n(&m, m.n, &a), 0, "answer count past the end: what is there is read");
	is_int(a.rr, ZL_DNS_AAAA, "the AAAA present counts");
	return done_testing();
}
