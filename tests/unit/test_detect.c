/*
 * test_detect.c - the detectors' building blocks without a capture: prefix
 * sets, incident deduplication (window, keys, the table's cap), the scan
 * detector's thresholds and window, and its state staying capped under a
 * sweep of a /16 and a flood of sources; rogue routers and DHCP servers on
 * decoded frames, with the routers listed by address, by MAC or both.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "decode.h"
#include "detect.h"
#include "frames.h"
#include "incident.h"
#include "pfxset.h"
#include "tap.h"

#define SEC 1000000ull

static void test_pfxset(void)
{
	struct zl_pfxset *s = zl_pfxset_new();
	uint8_t a[16] = { 0 };

	inet_pton(AF_INET, "192.0.2.0", a);
	zl_pfxset_add(s, 4, a, 24);
	inet_pton(AF_INET, "192.0.2.128", a);
	zl_pfxset_add(s, 4, a, 25);            /* inside the /24: merged */
	inet_pton(AF_INET, "198.51.100.7", a);
	zl_pfxset_add(s, 4, a, 32);
	inet_pton(AF_INET6, "2001:db8:1::", a);
	zl_pfxset_add(s, 6, a, 48);
	is_int(zl_pfxset_size(s), 3, "three ranges after merging");
	inet_pton(AF_INET, "192.0.2.255", a);
	ok(zl_pfxset_contains(s, 4, a), "the last address of a /24");
	inet_pton(AF_INET, "192.0.3.0", a);
	ok(!zl_pfxset_contains(s, 4, a), "not the next one");
	inet_pton(AF_INET, "198.51.100.7", a);
	ok(zl_pfxset_contains(s, 4, a), "a single address");
	inet_pton(AF_INET6, "2001:db8:1:ffff::1", a);
	ok(zl_pfxset_contains(s, 6, a), "an IPv6 /48");
	inet_pton(AF_INET6, "2001:db8:2::1", a);
	ok(!zl_pfxset_contains(s, 6, a), "outside it");
	ok(zl_pfxset_add(s, 4, a, 33) < 0, "an IPv4 /33 is refused");
	zl_pfxset_free(s);
}

static struct zl_inc_event event(int type, const char *src, const char *dst, uint64_t ts)
{
	struct zl_inc_event e;

	memset(&e, 0, sizeof(e));
	e.type = (uint8_t)type;
	e.ipver = 4;
	e.risk = -1;
	e.ts_us = ts;
	e.count = 1;
	inet_pton(AF_INET, src, e.src);
	if (dst) {
		inet_pton(AF_INET, dst, e.dst);
		e.has_dst = 1;
	}
	return e;
}

static void test_dedup(void)
{
	struct zl_incidents *t = zl_incidents_new(3, 3600);
	struct zl_inc_event e;
	const struct zl_incident *i;
	char s[256];
	int n;

	for (n = 0; n < 10000; n++) {
		e = event(ZL_INC_BLOCKLIST, "192.0.2.70", "198.51.100.10", 100 * SEC + n * 1000);
		zl_incidents_add(t, &e);
	}
	is_int(zl_incidents_count(t), 1, "10,000 events of one kind are one incident");
	i = zl_incidents_get(t, 0);
	is_int(i->count, 10000, "... with a count");
	ok(i->first_us == 100 * SEC && i->last_us == 100 * SEC + 9999 * 1000, "... first and last");
	zl_incident_sentence(i, "en", s, sizeof(s));
	is_str(s, "host 192.0.2.70 exchanged 10,000 flows with 198.51.100.10, an address in a threat set",
	       "... and a sentence with the count grouped");
	e = event(ZL_INC_BLOCKLIST, "192.0.2.70", "198.51.100.10", 100 * SEC + 3700 * SEC);
	zl_incidents_add(t, &e);
	is_int(zl_incidents_count(t), 2, "past the hour's window: a new incident");
	e = event(ZL_INC_BLOCKLIST, "192.0.2.71", "198.51.100.10", 200 * SEC);
	zl_incidents_add(t, &e);
	e = event(ZL_INC_SCAN, "192.0.2.71", "198.51.100.10", 200 * SEC);
	ok(zl_incidents_add(t, &e) == NULL, "a fourth incident does not fit a table of 3");
	is_int(zl_incidents_dropped(t), 1, "... and is counted as dropped");
	e = event(ZL_INC_BLOCKLIST, "192.0.2.71", "198.51.100.10", 201 * SEC);
	ok(zl_incidents_add(t, &e) != NULL, "an open incident still counts when the table is full");
	zl_incidents_free(t);
}

/* The sentences' edge cases: a scan faster than a second, the issue's
 * example with its grouped count, hours, one advertisement, no app. */
static void test_sentences(void)
{
	struct zl_incidents *t = zl_incidents_new(0, 3600);
	const struct zl_incident *i = NULL;
	struct zl_inc_event e;
	char s[256];
	int n;

	for (n = 0; n < 1000; n++) {
		e = event(ZL_INC_SCAN, "192.0.2.70", "198.51.100.10", 100 * SEC + (uint64_t)n * 200);
		e.detail = ZL_SCAN_PORTS;
		e.l4proto = IPPROTO_TCP;
		i = zl_incidents_add(t, &e);
	}
	zl_incident_sentence(i, "en", s, sizeof(s));
	is_str(s, "host 192.0.2.70 scanned 1,000 ports of 198.51.100.10 in under 1 s",
	       "a scan of 0.2 s is 'in under 1 s', not 'in 0 s'");
	zl_incident_sentence(i, "zh", s, sizeof(s));
	is_str(s, "主机 192.0.2.70 在不到 1 秒内扫描了 198.51.100.10 的 1,000 个端口",
	       "... and '不到 1 秒' in Chinese");
	e = event(ZL_INC_SCAN, "192.0.2.70", "198.51.100.10", 112 * SEC);
	e.detail = ZL_SCAN_PORTS;
	e.l4proto = IPPROTO_TCP;
	e.count = 0;
	i = zl_incidents_add(t, &e);
	zl_incident_sentence(i, "en", s, sizeof(s));
	is_str(s, "host 192.0.2.70 scanned 1,000 ports of 198.51.100.10 in 12 s",
	       "the issue's example: 1,000 ports in 12 s");
	zl_incident_sentence(i, "zh", s, sizeof(s));
	is_str(s, "主机 192.0.2.70 在 12 秒内扫描了 198.51.100.10 的 1,000 个端口", "... in Chinese");
	e = event(ZL_INC_BRUTEFORCE, "192.0.2.71", "198.51.100.22", 100 * SEC);
	e.dport = 22;
	e.count = 1234567;
	zl_incidents_add(t, &e);
	zl_incidents_set_window(t, 86400);
	e.ts_us = 100 * SEC + 3 * 3600 * SEC + 5 * 60 * SEC;
	e.count = 0;
	i = zl_incidents_add(t, &e);
	zl_incident_sentence(i, "en", s, sizeof(s));
	is_str(s, "host 192.0.2.71 opened 1,234,567 short sessions to the SSH login of 198.51.100.22 "
	       "(port 22) in 3 h 5 min", "three hours are '3 h 5 min', not '11100 s'");
	zl_incident_sentence(i, "zh", s, sizeof(s));
	is_str(s, "主机 192.0.2.71 在 3 小时 5 分钟内向 198.51.100.22 的 SSH 登录服务（端口 22）"
	       "发起了 1,234,567 次短会话", "... '3 小时 5 分钟' in Chinese");
	e = event(ZL_INC_ROGUE_RA, "192.0.2.72", NULL, 100 * SEC);
	e.vlan = 10;
	i = zl_incidents_add(t, &e);
	zl_incident_sentence(i, "en", s, sizeof(s));
	is_str(s, "unlisted IPv6 router 192.0.2.72 sent 1 router advertisement on VLAN 10",
	       "one advertisement is singular");
	e = event(ZL_INC_RISK, "192.0.2.73", "198.51.100.23", 100 * SEC);
	e.risk = 1;
	e.risk_name = "Known Proto on Non Std Port";
	i = zl_incidents_add(t, &e);
	zl_incident_sentence(i, "en", s, sizeof(s));
	is_str(s, "risk \"Known Proto on Non Std Port\" on 1 flow from 192.0.2.73 to 198.51.100.23",
	       "a risk without an application: no double space");
	zl_incident_sentence(i, "zh", s, sizeof(s));
	is_str(s, "192.0.2.73 到 198.51.100.23 的 1 条 流量带有风险“Known Proto on Non Std Port”",
	       "... in Chinese too");
	zl_incidents_free(t);
}

/* An incident put back (as the daemon does from its store at a restart)
 * takes the events of its key within the window; the window is settable. */
static void test_restore(void)
{
	struct zl_incidents *t = zl_incidents_new(0, 3600), *u;
	const struct zl_incident *i, *r;
	struct zl_inc_event e;

	e = event(ZL_INC_SCAN, "192.0.2.70", "198.51.100.10", 100 * SEC);
	e.l4proto = IPPROTO_TCP;
	e.count = 40;
	i = zl_incidents_add(t, &e);
	u = zl_incidents_new(0, 3600);
	r = zl_incidents_restore(u, i);
	ok(r && r->id == 1 && r->count == 40, "an incident restored into a fresh table");
	e.ts_us = 200 * SEC;
	e.count = 5;
	r = zl_incidents_add(u, &e);
	ok(r && zl_incidents_count(u) == 1 && r->count == 45 && r->first_us == 100 * SEC &&
	   r->last_us == 200 * SEC, "... a later event of its key adds to it (count 45, first kept)");
	e.l4proto = IPPROTO_UDP;
	zl_incidents_add(u, &e);
	is_int(zl_incidents_count(u), 2, "... a UDP scan is another incident");
	zl_incidents_set_window(u, 60);
	e.l4proto = IPPROTO_TCP;
	e.ts_us = 300 * SEC;
	zl_incidents_add(u, &e);
	is_int(zl_incidents_count(u), 3, "with a window of 60 s, 100 s later opens a new one");
	zl_incidents_free(t);
	zl_incidents_free(u);
}

struct sink {
	struct zl_incidents *t;
	int events;
};

static void on_event(const struct zl_inc_event *ev, void *ud)
{
	struct sink *k = ud;

	k->events++;
	zl_incidents_add(k->t, ev);
}

/* A SYN that got nothing back, src -> dst:port, at ts. */
static void probe(struct zl_detect *d, uint32_t src, uint32_t dst, uint16_t port, uint64_t ts)
{
	struct zl_flow f;

	memset(&f, 0, sizeof(f));
	f.key.ipver = 4;
	f.key.proto = IPPROTO_TCP;
	src = htonl(src);
	dst = htonl(dst);
	memcpy(f.key.a, &src, 4);
	memcpy(f.key.b, &dst, 4);
	f.key.pa = 40000;
	f.key.pb = port;
	f.src_is_a = 1;
	f.tcp_flags[0] = 0x02;
	f.first_us = f.last_us = ts;
	f.packets[0] = 1;
	zl_detect_flow_end(d, NULL, &f);
}

static void test_scan(void)
{
	struct zl_detect_config c;
	struct zl_detect_stats st;
	struct sink k = { zl_incidents_new(0, 0), 0 };
	struct zl_detect *d;
	char err[128];
	uint32_t scanner = 0xc0000246, target = 0xc6336400;   /* 192.0.2.70, 198.51.100.0 */
	int i;

	zl_detect_config_default(&c);
	c.max_sources = 64;
	c.max_pairs = 64;
	d = zl_detect_new(&c, on_event, &k, err, sizeof(err));
	ok(d != NULL, "detectors with 64 sources of scan state");
	for (i = 1; i <= 32; i++)
		probe(d, scanner, target, (uint16_t)i, SEC * 10 + i);
	is_int(k.events, 0, "32 unanswered SYNs: not yet a scan");
	probe(d, scanner, target, 32, SEC * 11);
	is_int(k.events, 0, "the same port again is not a new target");
	probe(d, scanner, target, 33, SEC * 11);
	is_int(k.events, 1, "the 33rd port within 60 s: a scan");
	for (i = 0; i < 3; i++)
		probe(d, scanner + 1, target, (uint16_t)(i + 1), SEC * 100 + i * 30 * SEC);
	for (i = 0; i < 40; i++)
		probe(d, scanner + 1, target, (uint16_t)(i + 100), SEC * 100 + i * 2 * SEC);
	is_int(k.events, 1, "... 43 ports over 80 s is slower than 32 in 60 s");

	/* a sweep of a /16 from one host: one entry, one incident */
	for (i = 0; i < 65536; i++)
		probe(d, scanner + 2, 0xcb000000u + (uint32_t)i, 445, SEC * 1000 + (uint64_t)i * 100);
	zl_detect_stats(d, &st);
	is_int(st.scan_sources, 3, "a /16 sweep costs one source's state");
	is_int(zl_incidents_count(k.t), 2, "... and is one incident");
	is_int(zl_incidents_get(k.t, 1)->count, 65536, "... counting every address");
	is_int(zl_incidents_get(k.t, 1)->detail, ZL_SCAN_HOSTS, "... as a host sweep");

	/* 100,000 spoofed sources: the table stays at its cap */
	for (i = 0; i < 100000; i++)
		probe(d, 0x0a000000u + (uint32_t)i, target, 80, SEC * 2000 + (uint64_t)i);
	zl_detect_stats(d, &st);
	ok(st.scan_sources <= 64, "100,000 sources: at most 64 entries (got %llu)",
	   (unsigned long long)st.scan_sources);
	ok(st.scan_evicted >= 100000 - 64, "... the rest replaced and counted (%llu)",
	   (unsigned long long)st.scan_evicted);
	ok(st.bytes_reserved < 64 * 1024, "... in a fixed %llu bytes",
	   (unsigned long long)st.bytes_reserved);
	zl_detect_free(d);
	zl_incidents_free(k.t);

	/* the daemon's hook: a policy violation, through suppression */
	{
		struct zl_detect_prefix from = { .ipver = 4, .len = 32 };
		struct zl_detect_suppress sup = { .type = ZL_INC_POLICY, .from = &from, .n_from = 1 };
		struct zl_inc_event ev = event(ZL_INC_POLICY, "192.0.2.9", NULL, SEC);

		memcpy(from.addr, ev.src, 4);
		zl_detect_config_default(&c);
		c.suppress = &sup;
		c.n_suppress = 1;
		k.t = zl_incidents_new(0, 0);
		k.events = 0;
		d = zl_detect_new(&c, on_event, &k, err, sizeof(err));
		zl_detect_report(d, &ev);
		ev = event(ZL_INC_POLICY, "192.0.2.8", NULL, SEC);
		zl_detect_report(d, &ev);
		is_int(k.events, 1, "a reported policy violation goes through suppression");
		is_int(zl_detect_suppress_hits(d, 0), 1, "... the suppressed one is counted");
		zl_detect_free(d);
		zl_incidents_free(k.t);
	}
	c.scan.count = 200;
	ok(zl_detect_new(&c, on_event, &k, err, sizeof(err)) == NULL, "a scan threshold of 200 is refused");
	zl_detect_config_default(&c);
	c.risks_add = (const char *const[]){ "No Such Risk" };
	c.n_risks_add = 1;
	ok(zl_detect_new(&c, on_event, &k, err, sizeof(err)) == NULL && strstr(err, "No Such Risk"),
	   "an unknown risk name is refused: %s", err);
}

static const uint8_t GW[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t ROGUE[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x66 };

/* An Ethernet frame from 'mac' into buf: a router advertisement from src
 * (with a source link-layer option naming opt, if any) or a DHCP offer. */
static size_t ra_frame(uint8_t *buf, const uint8_t *mac, const char *src, const uint8_t *opt)
{
	uint8_t ra[24] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 }, ip[128];
	size_t n = 16;

	if (opt) {
		ra[16] = 1, ra[17] = 1;
		memcpy(ra + 18, opt, 6);
		n = 24;
	}
	n = mk_eth(buf, NULL, 0x86dd, ip, mk_ip6(ip, src, "ff02::1", IPPROTO_ICMPV6, NULL, 0, ra, n));
	memcpy(buf + 6, mac, 6);
	return n;
}

static size_t offer_frame(uint8_t *buf, const uint8_t *mac, const char *src)
{
	uint8_t msg[248] = { 2, 1, 6 }, udp[300], ip[400];
	size_t n;

	msg[236] = 99, msg[237] = 130, msg[238] = 83, msg[239] = 99;
	msg[240] = 53, msg[241] = 1, msg[242] = 2, msg[243] = 255;
	n = mk_udp(udp, 67, 68, msg, sizeof(msg));
	n = mk_eth(buf, NULL, 0x0800, ip, mk_ip4(ip, src, "255.255.255.255", IPPROTO_UDP, 1, 0, udp, n));
	memcpy(buf + 6, mac, 6);
	return n;
}

/* The routers list 'routers' (addresses) and 'macs'; each frame decoded and
 * given to the detector. Returns the events; the last one's MAC in *mac. */
static int rogue_events(const char *const *routers, size_t n_routers, const uint8_t (*macs)[6],
			size_t n_macs, const uint8_t *const *frames, const size_t *lens, size_t n,
			uint8_t *mac)
{
	struct zl_detect_config c;
	struct zl_detect_prefix r[4];
	struct sink k = { .t = zl_incidents_new(16, 3600) };
	struct zl_detect *d;
	struct zl_pkt p;
	char err[128];
	size_t i;
	int events;

	zl_detect_config_default(&c);
	for (i = 0; i < n_routers; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].ipver = strchr(routers[i], ':') ? 6 : 4;
		r[i].len = r[i].ipver == 6 ? 128 : 32;
		inet_pton(r[i].ipver == 6 ? AF_INET6 : AF_INET, routers[i], r[i].addr);
	}
	c.routers = r;
	c.n_routers = n_routers;
	c.router_macs = macs;
	c.n_router_macs = n_macs;
	d = zl_detect_new(&c, on_event, &k, err, sizeof(err));
	for (i = 0; d && i < n; i++)
		if (zl_decode(ZL_LINK_ETHERNET, frames[i], (uint32_t)lens[i], (uint32_t)lens[i],
			      (i + 1) * SEC, &p) == ZL_DERR_OK)
			zl_detect_packet(d, &p);
	events = (int)k.events;
	memset(mac, 0, 6);
	if (zl_incidents_count(k.t))
		memcpy(mac, zl_incidents_get(k.t, zl_incidents_count(k.t) - 1)->mac, 6);
	zl_detect_free(d);
	zl_incidents_free(k.t);
	return events;
}

static void test_rogue(void)
{
	static uint8_t gw_ra[128], gw_ra_bare[128], rogue_ra[128], spoof_ra[128],
		gw_offer[400], rogue_offer[400], spoof_offer[400];
	const uint8_t *gw[] = { gw_ra, gw_ra_bare, gw_offer }, *rogue[] = { rogue_ra, rogue_offer },
		*spoof[] = { spoof_ra, spoof_offer };
	size_t gw_n[] = { ra_frame(gw_ra, GW, "fe80::1", GW), ra_frame(gw_ra_bare, GW, "fe80::1", NULL),
			  offer_frame(gw_offer, GW, "192.0.2.1") };
	size_t rogue_n[] = { ra_frame(rogue_ra, ROGUE, "fe80::bad", ROGUE),
			     offer_frame(rogue_offer, ROGUE, "192.0.2.139") };
	/* the listed router's addresses and option, sent from another MAC */
	size_t spoof_n[] = { ra_frame(spoof_ra, ROGUE, "fe80::1", GW),
			     offer_frame(spoof_offer, ROGUE, "192.0.2.1") };
	const char *ll[] = { "fe80::1" }, *v4[] = { "192.0.2.1" }, *both[] = { "fe80::1", "192.0.2.1" };
	const uint8_t macs[][6] = { { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 } };
	uint8_t mac[6];

	/* as zhulan-policy(5) has it: routers { fe80::1, 00:00:5e:00:53:01 } */
	is_int(rogue_events(ll, 1, macs, 1, gw, gw_n, 3, mac), 0,
	       "listed by link-local and MAC: the gateway's RAs (with and without the option) and its DHCP offer are no event");
	is_int(rogue_events(ll, 1, macs, 1, rogue, rogue_n, 2, mac), 2,
	       "... another host's RA and offer are two");
	ok(!memcmp(mac, ROGUE, 6), "... naming the offer's sender by its MAC");
	is_int(rogue_events(ll, 1, macs, 1, spoof, spoof_n, 2, mac), 2,
	       "... the listed addresses (and option) sent from another MAC are rogue too");
	ok(!memcmp(mac, ROGUE, 6), "... naming the MAC that sent them");
	is_int(rogue_events(NULL, 0, macs, 1, gw, gw_n, 3, mac), 0, "listed by MAC only: the gateway is no event");
	is_int(rogue_events(NULL, 0, macs, 1, rogue, rogue_n, 2, mac), 2, "... the rogue's RA and offer are two");
	is_int(rogue_events(both, 2, NULL, 0, gw, gw_n, 3, mac), 0, "listed by addresses only: the gateway is no event");
	is_int(rogue_events(both, 2, NULL, 0, rogue, rogue_n, 2, mac), 2, "... the rogue's RA and offer are two");
	is_int(rogue_events(v4, 1, NULL, 0, rogue, rogue_n, 2, mac), 1,
	       "only a DHCP server listed (IPv4): offers are checked, RAs are not");
	is_int(rogue_events(ll, 1, NULL, 0, rogue, rogue_n, 2, mac), 1,
	       "only a router listed (link-local): RAs are checked, offers are not");
	is_int(rogue_events(NULL, 0, NULL, 0, rogue, rogue_n, 2, mac), 0, "nothing listed: no check");
}

int main(void)
{
	test_pfxset();
	test_dedup();
	test_sentences();
	test_restore();
	test_scan();
	test_rogue();
	return done_testing();
}
