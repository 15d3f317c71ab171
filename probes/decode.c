/*
 * decode.c - link, VLAN, IPv4/IPv6 (extension headers, fragments, IP-in-IP)
 * and L4 header decoding. Every read is checked against the captured length
 * first; a frame that fails a check is counted by reason, never guessed at.
 */
#include <string.h>
#include <netinet/in.h>

#include "decode.h"

#define ETH_IP     0x0800
#define ETH_IPV6   0x86dd
#define ETH_VLAN   0x8100
#define ETH_QINQ   0x88a8
#define ETH_QINQ9  0x9100
#define ETH_PPPOE  0x8864
#define ETH_MPLS   0x8847
#define ETH_MPLSM  0x8848
#define PPP_IP     0x0021
#define PPP_IPV6   0x0057

#define MAX_TUNNEL_DEPTH 4
#define MAX_LINK_TAGS    8

static const char *const derr_names[ZL_DERR_MAX] = {
	[ZL_DERR_OK] = "ok",
	[ZL_DERR_LINK_TRUNC] = "link_truncated",
	[ZL_DERR_VLAN_TRUNC] = "vlan_truncated",
	[ZL_DERR_NOT_IP] = "not_ip",
	[ZL_DERR_IP_TRUNC] = "ip_truncated",
	[ZL_DERR_IP_VERSION] = "ip_bad_version",
	[ZL_DERR_IP_HLEN] = "ip_bad_header_length",
	[ZL_DERR_IP_LEN] = "ip_bad_length",
	[ZL_DERR_IP6_EXT_TRUNC] = "ipv6_ext_truncated",
	[ZL_DERR_L4_TRUNC] = "l4_truncated",
	[ZL_DERR_TCP_HLEN] = "tcp_bad_header_length",
	[ZL_DERR_TUNNEL_DEPTH] = "tunnel_too_deep",
};

const char *zl_derr_name(int reason)
{
	if (reason < 0 || reason >= ZL_DERR_MAX)
		return "unknown";
	return derr_names[reason];
}

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

int zl_decode_link_supported(int link)
{
	switch (link) {
	case ZL_LINK_NULL: case ZL_LINK_ETHERNET: case ZL_LINK_PPP:
	case ZL_LINK_RAW: case ZL_LINK_RAW_BSD: case ZL_LINK_PPP_SERIAL:
	case ZL_LINK_C_HDLC: case ZL_LINK_LOOP: case ZL_LINK_LINUX_SLL:
	case ZL_LINK_IPV4: case ZL_LINK_IPV6: case ZL_LINK_LINUX_SLL2:
		return 1;
	}
	return 0;
}

/* Map a PPP protocol number to an ethertype we handle (0 if none). */
static uint16_t ppp_to_ethertype(uint16_t proto)
{
	if (proto == PPP_IP)
		return ETH_IP;
	if (proto == PPP_IPV6)
		return ETH_IPV6;
	return 0;
}

/* Map a BSD address family value to an ethertype: AF_INET is 2 everywhere,
 * AF_INET6 is 10, 24, 28 or 30 depending on the system that captured. */
static uint16_t af_to_ethertype(uint32_t af)
{
	if (af == 2)
		return ETH_IP;
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return ETH_IPV6;
	return 0;
}

/*
 * Find the network-layer start and its ethertype. For link types that carry
 * only IP, the version nibble decides (ethertype 0 = "look at the version").
 */
static int decode_link(int link, const uint8_t *f, uint32_t caplen,
		       uint32_t *off, uint16_t *etype)
{
	uint32_t af;

	switch (link) {
	case ZL_LINK_ETHERNET:
		if (caplen < 14)
			return ZL_DERR_LINK_TRUNC;
		*off = 14;
		*etype = rd16(f + 12);
		if (*etype <= 1500) {
			/* 802.3 length field: only LLC/SNAP can carry IP. */
			if (caplen < 22)
				return ZL_DERR_NOT_IP;
			if (f[14] != 0xaa || f[15] != 0xaa)
				return ZL_DERR_NOT_IP;
			*etype = rd16(f + 20);
			*off = 22;
		}
		return 0;
	case ZL_LINK_LINUX_SLL:
		if (caplen < 16)
			return ZL_DERR_LINK_TRUNC;
		*off = 16;
		*etype = rd16(f + 14);
		return 0;
	case ZL_LINK_LINUX_SLL2:
		if (caplen < 20)
			return ZL_DERR_LINK_TRUNC;
		*off = 20;
		*etype = rd16(f);
		return 0;
	case ZL_LINK_NULL:
	case ZL_LINK_LOOP:
		if (caplen < 4)
			return ZL_DERR_LINK_TRUNC;
		*off = 4;
		if (link == ZL_LINK_LOOP)
			af = rd32(f);
		else
			memcpy(&af, f, 4); /* host order of the capturing machine */
		*etype = af_to_ethertype(af);
		if (!*etype && link == ZL_LINK_NULL)
			*etype = af_to_ethertype(__builtin_bswap32(af));
		return *etype ? 0 : ZL_DERR_NOT_IP;
	case ZL_LINK_PPP:
	case ZL_LINK_C_HDLC:
	case ZL_LINK_PPP_SERIAL:
		if (caplen < 4)
			return ZL_DERR_LINK_TRUNC;
		if (f[0] == 0x0f || f[0] == 0x8f) {         /* Cisco HDLC */
			*off = 4;
			*etype = rd16(f + 2);
		} else if (f[0] == 0xff && f[1] == 0x03) {  /* PPP in HDLC framing */
			*off = 4;
			*etype = ppp_to_ethertype(rd16(f + 2));
		} else {
			*off = 2;
			*etype = ppp_to_ethertype(rd16(f));
		}
		return *etype ? 0 : ZL_DERR_NOT_IP;
	case ZL_LINK_RAW:
	case ZL_LINK_RAW_BSD:
		*off = 0;
		*etype = 0;
		return 0;
	case ZL_LINK_IPV4:
		*off = 0;
		*etype = ETH_IP;
		return 0;
	case ZL_LINK_IPV6:
		*off = 0;
		*etype = ETH_IPV6;
		return 0;
	}
	return ZL_DERR_NOT_IP;
}

/* Skip VLAN tags, PPPoE session headers and MPLS labels. */
static int decode_tags(const uint8_t *f, uint32_t caplen, uint32_t *off,
		       uint16_t *etype, uint16_t *vlan)
{
	int n;

	for (n = 0; n < MAX_LINK_TAGS; n++) {
		switch (*etype) {
		case ETH_VLAN: case ETH_QINQ: case ETH_QINQ9:
			if (*off + 4 > caplen)
				return ZL_DERR_VLAN_TRUNC;
			*vlan = rd16(f + *off) & 0x0fff;
			*etype = rd16(f + *off + 2);
			*off += 4;
			break;
		case ETH_PPPOE:
			if (*off + 8 > caplen)
				return ZL_DERR_LINK_TRUNC;
			*etype = ppp_to_ethertype(rd16(f + *off + 6));
			*off += 8;
			if (!*etype)
				return ZL_DERR_NOT_IP;
			break;
		case ETH_MPLS: case ETH_MPLSM:
			for (;;) {
				if (*off + 4 > caplen)
					return ZL_DERR_LINK_TRUNC;
				int bottom = f[*off + 2] & 1;
				*off += 4;
				if (bottom)
					break;
			}
			*etype = 0; /* IP version decides */
			return 0;
		default:
			return 0;
		}
	}
	return ZL_DERR_VLAN_TRUNC;
}

/* IPv6 extension headers: advance *off past them, set the final protocol. */
static int decode_ip6_ext(const uint8_t *ip, uint32_t end, uint32_t *off,
			  uint8_t *nh, struct zl_pkt *p)
{
	for (;;) {
		uint32_t len;

		switch (*nh) {
		case 0: case 43: case 60: case 135: case 139: case 140:
			if (*off + 8 > end)
				return ZL_DERR_IP6_EXT_TRUNC;
			len = ((uint32_t)ip[*off + 1] + 1) * 8;
			break;
		case 51: /* AH: length in 4-octet units, minus 2 */
			if (*off + 8 > end)
				return ZL_DERR_IP6_EXT_TRUNC;
			len = ((uint32_t)ip[*off + 1] + 2) * 4;
			break;
		case 44: /* fragment */
			if (*off + 8 > end)
				return ZL_DERR_IP6_EXT_TRUNC;
			len = 8;
			{
				uint16_t fo = rd16(ip + *off + 2);
				p->frag_id = rd32(ip + *off + 4);
				if (fo & 0xfff8)
					p->frag = ZL_FRAG_LATER;
				else if (fo & 1)
					p->frag = ZL_FRAG_FIRST;
			}
			break;
		default:
			return 0;
		}
		if (*off + len > end)
			return ZL_DERR_IP6_EXT_TRUNC;
		*nh = ip[*off];
		*off += len;
		if (p->frag == ZL_FRAG_LATER)
			return 0;
	}
}

static int decode_l4(struct zl_pkt *p, const uint8_t *ip, uint32_t end)
{
	const uint8_t *l4 = ip + p->l4_off;
	uint32_t avail = end > p->l4_off ? end - p->l4_off : 0;
	uint32_t l4len = p->ip_len > p->l4_off ? p->ip_len - p->l4_off : 0;
	uint32_t hl;

	if (p->frag == ZL_FRAG_LATER) {
		p->payload_len = l4len;
		return 0;
	}
	switch (p->l4proto) {
	case IPPROTO_TCP:
		if (avail < 20 || l4len < 20)
			return ZL_DERR_L4_TRUNC;
		hl = (uint32_t)(l4[12] >> 4) * 4;
		if (hl < 20 || hl > l4len)
			return ZL_DERR_TCP_HLEN;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->tcp_seq = rd32(l4 + 4);
		p->tcp_ack = rd32(l4 + 8);
		p->tcp_flags = l4[13];
		p->payload_len = l4len - hl;
		return 0;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case 132: /* SCTP: ports in the same place */
		if (avail < 8 || l4len < 8)
			return ZL_DERR_L4_TRUNC;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		hl = p->l4proto == 132 ? 12 : 8;
		p->payload_len = l4len > hl ? l4len - hl : 0;
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (avail < 4 || l4len < 4)
			return ZL_DERR_L4_TRUNC;
		p->payload_len = l4len > 8 ? l4len - 8 : 0;
		return 0;
	default:
		p->payload_len = l4len;
		return 0;
	}
}

/* Decode the IP header at ip[0..caplen), following IP-in-IP tunnels. */
static int decode_ip(struct zl_pkt *p, const uint8_t *ip, uint32_t caplen,
		     int depth)
{
	uint32_t hl, tot, off;
	uint8_t nh;
	int rc;

	if (depth > MAX_TUNNEL_DEPTH)
		return ZL_DERR_TUNNEL_DEPTH;
	if (caplen < 1)
		return ZL_DERR_IP_TRUNC;
	p->ip = ip;
	p->ip_caplen = caplen;
	p->frag = ZL_FRAG_NONE;
	p->frag_id = 0;
	switch (ip[0] >> 4) {
	case 4:
		if (caplen < 20)
			return ZL_DERR_IP_TRUNC;
		hl = (uint32_t)(ip[0] & 0x0f) * 4;
		tot = rd16(ip + 2);
		if (hl < 20 || hl > caplen)
			return ZL_DERR_IP_HLEN;
		if (tot < hl)
			return ZL_DERR_IP_LEN;
		p->ip_version = 4;
		memset(p->src, 0, 16);
		memset(p->dst, 0, 16);
		memcpy(p->src, ip + 12, 4);
		memcpy(p->dst, ip + 16, 4);
		p->ip_len = tot;
		p->l4proto = ip[9];
		p->l4_off = hl;
		{
			uint16_t fo = rd16(ip + 6);
			p->frag_id = rd16(ip + 4);
			if (fo & 0x1fff)
				p->frag = ZL_FRAG_LATER;
			else if (fo & 0x2000)
				p->frag = ZL_FRAG_FIRST;
		}
		break;
	case 6:
		if (caplen < 40)
			return ZL_DERR_IP_TRUNC;
		tot = 40 + (uint32_t)rd16(ip + 4);
		p->ip_version = 6;
		memcpy(p->src, ip + 8, 16);
		memcpy(p->dst, ip + 24, 16);
		p->ip_len = tot;
		off = 40;
		nh = ip[6];
		rc = decode_ip6_ext(ip, caplen < tot ? caplen : tot, &off, &nh, p);
		if (rc)
			return rc;
		p->l4proto = nh;
		p->l4_off = off;
		break;
	default:
		return ZL_DERR_IP_VERSION;
	}
	/* IPv4-in-IP (4) and IPv6-in-IP (41): classify the inner packet, as
	 * ndpiReader does; a fragmented tunnel packet stays the outer flow. */
	if ((p->l4proto == 4 || p->l4proto == 41) && p->frag == ZL_FRAG_NONE) {
		uint32_t end = caplen < p->ip_len ? caplen : p->ip_len;
		if (p->l4_off < end)
			return decode_ip(p, ip + p->l4_off, caplen - p->l4_off,
					 depth + 1);
	}
	return decode_l4(p, ip, caplen < p->ip_len ? caplen : p->ip_len);
}

/* The sender's MAC where the link header has one (checked long enough). */
static const uint8_t *link_source(int link, const uint8_t *f)
{
	switch (link) {
	case ZL_LINK_ETHERNET:
		return f + 6;
	case ZL_LINK_LINUX_SLL:        /* ARPHRD_ETHER, address length 6 */
		return rd16(f + 2) == 1 && rd16(f + 4) == 6 ? f + 6 : NULL;
	case ZL_LINK_LINUX_SLL2:
		return rd16(f + 8) == 1 && f[11] == 6 ? f + 12 : NULL;
	default:
		return NULL;
	}
}

int zl_decode(int link, const uint8_t *frame, uint32_t caplen,
	      uint32_t wirelen, uint64_t ts_us, struct zl_pkt *p)
{
	uint32_t off = 0;
	uint16_t etype = 0;
	int rc;

	memset(p, 0, offsetof(struct zl_pkt, ip));
	p->ts_us = ts_us;
	p->caplen = caplen;
	p->wirelen = wirelen;
	rc = decode_link(link, frame, caplen, &off, &etype);
	if (rc)
		return rc;
	p->l2src = link_source(link, frame);
	rc = decode_tags(frame, caplen, &off, &etype, &p->vlan);
	if (rc)
		return rc;
	if (off >= caplen)
		return ZL_DERR_IP_TRUNC;
	if (etype == 0)
		etype = (frame[off] >> 4) == 6 ? ETH_IPV6 : ETH_IP;
	if (etype != ETH_IP && etype != ETH_IPV6)
		return ZL_DERR_NOT_IP;
	if ((frame[off] >> 4) != (etype == ETH_IP ? 4 : 6))
		return ZL_DERR_IP_VERSION;
	return decode_ip(p, frame + off, caplen - off, 0);
}
