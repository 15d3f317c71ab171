/*
 * tcpreset.c - a TCP reset built by hand and sent on a raw socket (for the
 * behaviour engine, behaviour.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpreset.h"

static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A TCP reset from 'from' to 'to' with the sequence number the receiver
 * expects next, so it takes it (RFC 5961). The kernel's reject answers only
 * the packet in hand; the side that is merely waiting would otherwise hang
 * until its own timeout.
 */
int zl_tcp_reset(int fd, int family, const uint8_t *from, uint16_t fport,
		      const uint8_t *to, uint16_t tport, uint32_t seq)
{
	uint8_t pkt[60];
	struct tcphdr *t;
	size_t alen = family == AF_INET ? 4 : 16, hl = family == AF_INET ? 20 : 40;
	struct sockaddr_storage sa;
	socklen_t salen;
	uint32_t sum;

	memset(pkt, 0, sizeof(pkt));
	memset(&sa, 0, sizeof(sa));
	if (family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)pkt;
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons(40);
		memcpy(&ip->saddr, from, 4);
		memcpy(&ip->daddr, to, 4);
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, to, 4);
		salen = sizeof(*s4);
	} else {
		struct ip6_hdr *ip = (struct ip6_hdr *)pkt;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
		ip->ip6_flow = htonl(6u << 28);
		ip->ip6_plen = htons(20);
		ip->ip6_nxt = IPPROTO_TCP;
		ip->ip6_hlim = 64;
		memcpy(&ip->ip6_src, from, 16);
		memcpy(&ip->ip6_dst, to, 16);
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, to, 16);
		salen = sizeof(*s6);
	}
	t = (struct tcphdr *)(pkt + hl);
	t->source = htons(fport);
	t->dest = htons(tport);
	t->seq = htonl(seq);
	t->doff = 5;
	t->rst = 1;
	sum = sum16(from, alen, 0);
	sum = sum16(to, alen, sum) + IPPROTO_TCP + 20;
	t->check = htons(fold(sum16(t, 20, sum)));
	return sendto(fd, pkt, hl + 20, 0,
		      (struct sockaddr *)&sa, salen) < 0 ? -1 : 0;
}
