/*
 * dnsans.h - what a DNS response says about its question, for the IPv6
 * measurement: whether an A and an AAAA record came back. nDPI gives the
 * query name; the record types need the answer section, read here.
 *
 * Stateless and cheap: the header, the one question and the answer
 * section's fixed fields, every read checked against the length given;
 * compression pointers are followed only in the question's name (at most
 * 16 hops, backwards only), never needed to skip an answer's owner name.
 */
#ifndef ZL_DNSANS_H
#define ZL_DNSANS_H

#include <stddef.h>
#include <stdint.h>

/* Bits of a flow's DNS answers (struct zl_flow's dns_rr). */
enum {
	ZL_DNS_A = 1,          /* an A record in an answer */
	ZL_DNS_AAAA = 2,       /* an AAAA record in an answer */
	ZL_DNS_NO_AAAA = 4,    /* an AAAA question answered (NOERROR or NXDOMAIN) without one */
};

#define ZL_DNS_NAME_MAX 254    /* a name in dotted form, with its NUL */

struct zl_dnsans {
	uint16_t qtype;
	uint8_t rcode;
	uint8_t rr;            /* ZL_DNS_* bits */
	char qname[ZL_DNS_NAME_MAX]; /* lower case, no trailing dot; "" for the root */
};

/*
 * Read the DNS message msg[0..len) (a UDP payload). Returns 0 and fills *a
 * for a response with one question whose answer section could be read
 * (records past a truncation are not counted: their bits stay clear);
 * -1 for a query, a malformed message or one that is cut before its
 * question ends. Never reads outside msg[0..len).
 */
int zl_dnsans_parse(const uint8_t *msg, size_t len, struct zl_dnsans *a);

#endif
