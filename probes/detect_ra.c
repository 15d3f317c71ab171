/*
 * detect_ra.c - rogue IPv6 routers and DHCPv4 servers: a router
 * advertisement (ICMPv6 type 134) or a DHCP offer (UDP 67 -> 68, BOOTREPLY
 * with option 53 = 2) from a sender the configured `routers` list does not
 * hold. The list names a router by address, by MAC, or by both; a sender
 * is listed when its address is among the listed addresses of its family
 * (if the list has any) and each MAC it shows is among the listed MACs (if
 * the list has any): the frame's source and an RA's source link-layer
 * option, which need not agree. So one list serves both checks: an RA is
 * checked when the list holds IPv6 addresses or MACs, a DHCP offer when it
 * holds IPv4 addresses or MACs. Per packet, so the first test is two
 * comparisons.
 */
#include <string.h>
#include <netinet/in.h>

#include "detect-int.h"

static int mac_known(const struct zl_detect *d, const uint8_t *mac)
{
	size_t i;

	for (i = 0; i < d->n_macs; i++)
		if (!memcmp(d->macs[i], mac, 6))
			return 1;
	return 0;
}

/*
 * Whether the sender of p is a listed router or server; if not, *shown is
 * the MAC to name (an unlisted one first), NULL when it showed none.
 */
static int listed(const struct zl_detect *d, const struct zl_pkt *p,
		  const uint8_t *opt_mac, const uint8_t **shown)
{
	size_t n_addr = p->ip_version == 4 ? d->n_routers4 : d->n_routers6;
	int addr_ok = !n_addr || zl_pfxset_contains(d->routers, p->ip_version, p->src);

	*shown = opt_mac ? opt_mac : p->l2src;
	if (p->l2src && d->n_macs && !mac_known(d, p->l2src))
		*shown = p->l2src;
	if (!addr_ok)
		return 0;
	if (!d->n_macs)
		return 1;
	return (opt_mac || p->l2src) && (!opt_mac || mac_known(d, opt_mac)) &&
	       (!p->l2src || mac_known(d, p->l2src));
}

static void report(struct zl_detect *d, const struct zl_pkt *p, int type,
		   const uint8_t *opt_mac)
{
	struct zl_inc_event ev;
	struct zl_flow_key k;
	const uint8_t *mac;

	if (listed(d, p, opt_mac, &mac))
		return;
	zl_flow_key_of(p, &k);
	memset(&ev, 0, sizeof(ev));
	ev.ts_us = p->ts_us;
	ev.type = (uint8_t)type;
	ev.severity = ZL_SEV_HIGH;
	ev.ipver = p->ip_version;
	ev.risk = -1;
	ev.l4proto = p->l4proto;
	ev.vlan = p->vlan;
	memcpy(ev.src, p->src, 16);
	if (mac) {
		ev.has_mac = 1;
		memcpy(ev.mac, mac, 6);
	}
	ev.count = 1;
	ev.flow = &k;               /* evidence: the flow the packet belongs to */
	zl_detect_emit(d, &ev);
}

/* The source link-layer address option of an RA, or NULL. */
static const uint8_t *ra_source_mac(const uint8_t *m, uint32_t len)
{
	uint32_t off = 16;

	while (off + 2 <= len && m[off + 1]) {
		uint32_t olen = (uint32_t)m[off + 1] * 8;
		if (off + olen > len)
			break;
		if (m[off] == 1 && olen >= 8)
			return m + off + 2;
		off += olen;
	}
	return NULL;
}

/* Whether a DHCP message is an offer (option 53 = 2). */
static int dhcp_offer(const uint8_t *m, uint32_t len)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	uint32_t off = 240;

	if (len < 240 || m[0] != 2 || memcmp(m + 236, cookie, 4))
		return 0;
	while (off < len && m[off] != 255) {
		if (m[off] == 0) {
			off++;
			continue;
		}
		if (off + 2 > len || off + 2 + m[off + 1] > len)
			return 0;
		if (m[off] == 53 && m[off + 1] == 1)
			return m[off + 2] == 2;
		off += 2u + m[off + 1];
	}
	return 0;
}

void zl_detect_packet(struct zl_detect *d, const struct zl_pkt *p)
{
	const uint8_t *l4;
	uint32_t len;

	if (!d || !(d->n_routers4 || d->n_routers6 || d->n_macs))
		return;
	if (p->l4proto == IPPROTO_ICMPV6) {
		if (p->ip_version != 6 || p->l4_off + 16 > p->ip_caplen ||
		    p->ip[p->l4_off] != 134 || !(d->n_routers6 || d->n_macs))
			return;
		l4 = p->ip + p->l4_off;
		len = p->ip_caplen - p->l4_off;
		report(d, p, ZL_INC_ROGUE_RA, ra_source_mac(l4, len));
	} else if (p->l4proto == IPPROTO_UDP && p->sport == 67 && p->dport == 68 &&
		   p->ip_version == 4 && p->l4_off + 8 <= p->ip_caplen &&
		   (d->n_routers4 || d->n_macs)) {
		l4 = p->ip + p->l4_off + 8;
		len = p->ip_caplen - p->l4_off - 8;
		if (dhcp_offer(l4, len))
			report(d, p, ZL_INC_ROGUE_DHCP, NULL);
	}
}
