/*
 * test_flow.c - the flow table and the engine around it: direction, VLAN
 * separation, idle timeouts per protocol, TCP close, eviction when full,
 * fragment attribution, and nDPI state only for flows with payload.
 */
#include <stdlib.h>
#include <netinet/in.h>

#include "decode.h"
#include "engine.h"
#include "flow.h"
#include "frames.h"
#include "tap.h"

#define SEC 1000000ull

static struct zl_pkt mkpkt(const char *s, const char *d, uint16_t sp, uint16_t dp,
			   uint8_t proto, uint8_t flags, uint16_t vlan, uint64_t ts)
{
	struct zl_pkt p;

	memset(&p, 0, sizeof(p));
	inet_pton(AF_INET, s, p.src);
	inet_pton(AF_INET, d, p.dst);
	p.ip_version = 4;
	p.l4proto = proto;
	p.sport = sp;
	p.dport = dp;
	p.tcp_flags = flags;
	p.vlan = vlan;
	p.ts_us = ts;
	p.wirelen = 100;
	return p;
}

static int ended[ZL_END_MAX], nended;
static struct zl_flow last_end;

static void on_end(struct zl_flow *f, void *ud)
{
	(void)ud;
	ended[f->end_reason]++;
	nended++;
	last_end = *f;
}

static void reset(void)
{
	memset(ended, 0, sizeof(ended));
	nended = 0;
}

static void test_direction_vlan(void)
{
	struct zl_flowtab_opts o;
	struct zl_flowtab *t;
	struct zl_pkt p;
	struct zl_flow *f, *g;
	int dir;

	zl_flowtab_opts_default(&o);
	t = zl_flowtab_new(&o, on_end, NULL);
	/* the server (higher address) speaks first: it is "src" */
	p = mkpkt("198.51.100.9", "192.0.2.1", 53, 5000, IPPROTO_UDP, 0, 0, SEC);
	f = zl_flowtab_packet(t, &p, 1, &dir);
	is_int(dir, 0, "first packet is src->dst");
	p = mkpkt("192.0.2.1", "198.51.100.9", 5000, 53, IPPROTO_UDP, 0, 0, 2 * SEC);
	g = zl_flowtab_packet(t, &p, 1, &dir);
	ok(f == g, "reply finds the same flow");
	is_int(dir, 1, "reply is dst->src");
	is_int(f->packets[0], 1, "one packet src->dst");
	is_int(f->packets[1], 1, "one packet dst->src");
	is_int(f->bytes[1], 100, "bytes counted per direction");
	ok(f->first_us == SEC && f->last_us == 2 * SEC, "first and last seen");
	p = mkpkt("192.0.2.1", "198.51.100.9", 5000, 53, IPPROTO_UDP, 0, 7, 2 * SEC);
	g = zl_flowtab_packet(t, &p, 1, &dir);
	ok(g && g != f, "same 5-tuple on another VLAN is another flow");
	p = mkpkt("192.0.2.1", "198.51.100.9", 5000, 53, IPPROTO_TCP, 0, 0, 2 * SEC);
	g = zl_flowtab_packet(t, &p, 0, &dir);
	ok(!g, "lookup without create finds no TCP flow");
	zl_flowtab_free(t);
}

static void test_timeouts(void)
{
	struct zl_flowtab_opts o;
	struct zl_flowtab *t;
	struct zl_pkt p;
	int dir;

	reset();
	zl_flowtab_opts_default(&o);
	t = zl_flowtab_new(&o, on_end, NULL);
	p = mkpkt("192.0.2.1", "198.51.100.9", 5000, 53, IPPROTO_UDP, 0, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);
	/* established TCP: SYN, SYN/ACK, ACK */
	p = mkpkt("192.0.2.2", "198.51.100.9", 40000, 443, IPPROTO_TCP, 0x02, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);
	p = mkpkt("198.51.100.9", "192.0.2.2", 443, 40000, IPPROTO_TCP, 0x12, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);
	/* TCP closed by RST */
	p = mkpkt("192.0.2.3", "198.51.100.9", 40001, 443, IPPROTO_TCP, 0x02, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);
	p = mkpkt("198.51.100.9", "192.0.2.3", 443, 40001, IPPROTO_TCP, 0x14, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);
	/* TCP closed by FIN both ways */
	p = mkpkt("192.0.2.4", "198.51.100.9", 40002, 80, IPPROTO_TCP, 0x11, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);
	p = mkpkt("198.51.100.9", "192.0.2.4", 80, 40002, IPPROTO_TCP, 0x11, 0, 0);
	zl_flowtab_packet(t, &p, 1, &dir);

	is_int(zl_flowtab_expire(t, 9 * SEC), 0, "nothing idle after 9 s");
	is_int(zl_flowtab_expire(t, 10 * SEC), 2, "closed TCP flows end after 10 s");
	is_int(ended[ZL_END_RST], 1, "one ended by RST");
	is_int(ended[ZL_END_FIN], 1, "one ended by FIN");
	is_int(zl_flowtab_expire(t, 59 * SEC), 0, "UDP still live at 59 s");
	is_int(zl_flowtab_expire(t, 60 * SEC), 1, "UDP ends idle at 60 s");
	is_int(zl_flowtab_expire(t, 299 * SEC), 0, "established TCP live at 299 s");
	is_int(zl_flowtab_expire(t, 300 * SEC), 1, "established TCP ends at 300 s");
	is_int(ended[ZL_END_IDLE], 2, "two ended idle");

	/* a SYN that is never answered goes after 30 s */
	p = mkpkt("192.0.2.5", "198.51.100.9", 40003, 22, IPPROTO_TCP, 0x02, 0, 400 * SEC);
	zl_flowtab_packet(t, &p, 1, &dir);
	is_int(zl_flowtab_expire(t, 430 * SEC), 1, "half-open TCP ends after 30 s");
	zl_flowtab_free(t);
}

static void test_eviction(void)
{
	struct zl_flowtab_opts o;
	struct zl_flowtab_stats s;
	struct zl_flowtab *t;
	struct zl_pkt p;
	int dir, i;

	reset();
	zl_flowtab_opts_default(&o);
	o.max_flows = 4;
	t = zl_flowtab_new(&o, on_end, NULL);
	for (i = 0; i < 6; i++) {
		p = mkpkt("192.0.2.1", "198.51.100.9", (uint16_t)(1000 + i), 53,
			  IPPROTO_UDP, 0, 0, (uint64_t)i * SEC);
		zl_flowtab_packet(t, &p, 1, &dir);
	}
	zl_flowtab_stats(t, &s);
	is_int(s.live, 4, "table holds max_flows");
	is_int(s.evicted, 2, "two evictions counted");
	is_int(ended[ZL_END_EVICTED], 2, "evicted flows reported");
	is_int(last_end.key.pa, 1001, "the least recently seen flows went first");
	is_int(zl_flowtab_flush(t, ZL_END_EOF), 4, "flush ends the rest");
	is_int(ended[ZL_END_EOF], 4, "with the given reason");
	ok(zl_flowtab_record_size() <= 512, "a flow record costs %zu bytes (<= 512)",
	   zl_flowtab_record_size());
	zl_flowtab_free(t);
}

/* Engine: fragments and nDPI state. */
static uint64_t eng_ended;
static struct zl_flow eng_last;
static char eng_app[64];
static const struct zl_engine *eng;

static void eng_end(const struct zl_flow *f, void *ud)
{
	(void)ud;
	eng_ended++;
	eng_last = *f;
	zl_app_name(zl_engine_classifier(eng), f, eng_app, sizeof(eng_app));
}

static void test_engine(void)
{
	struct zl_engine_events ev = { .flow_end = eng_end };
	struct zl_engine_opts o;
	struct zl_engine_stats s;
	struct zl_engine *e;
	uint8_t l4[1600], ip[1700], big[1200];
	char err[256];
	size_t n, m;
	int i;

	zl_engine_opts_default(&o);
	e = zl_engine_new(&o, &ev, err, sizeof(err));
	eng = e;
	ok(e != NULL, "engine starts without pack files");
	/* A UDP datagram in two IPv4 fragments, and an orphan fragment. */
	memset(big, 'a', sizeof(big));
	m = mk_udp(l4, 7000, 9999, big, sizeof(big));
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.9", IPPROTO_UDP, 55, 0x2000, l4, 808);
	zl_engine_frame(e, ZL_LINK_RAW, ip, (uint32_t)n, (uint32_t)n, SEC, 0);
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.9", IPPROTO_UDP, 55, 101, l4 + 808, m - 808);
	zl_engine_frame(e, ZL_LINK_RAW, ip, (uint32_t)n, (uint32_t)n, SEC, 0);
	n = mk_ip4(ip, "192.0.2.1", "198.51.100.9", IPPROTO_UDP, 56, 101, l4 + 808, m - 808);
	zl_engine_frame(e, ZL_LINK_RAW, ip, (uint32_t)n, (uint32_t)n, SEC, 0);
	zl_engine_stats(e, &s);
	is_int(s.frags_attributed, 1, "later fragment attributed to its flow");
	is_int(s.frags_unattributed, 1, "orphan fragment counted unattributed");
	is_int(s.flows.created, 1, "fragments made no flow of their own");

	/* 50 SYNs to different ports: a scan. No nDPI state for any. */
	for (i = 0; i < 50; i++) {
		m = mk_tcp(l4, 6000, (uint16_t)(1 + i), 1, 0, 0x02, NULL, 0);
		n = mk_ip4(ip, "192.0.2.66", "198.51.100.9", IPPROTO_TCP, 1, 0, l4, m);
		zl_engine_frame(e, ZL_LINK_RAW, ip, (uint32_t)n, (uint32_t)n, 2 * SEC, 0);
	}
	zl_engine_stats(e, &s);
	is_int(s.dpi_peak, 1, "a SYN scan allocates no nDPI state (only the UDP flow did)");
	is_int(s.flows.live, 51, "51 flows live");
	zl_engine_flush(e, ZL_END_EOF);
	is_int(eng_ended, 51, "flush reports every flow");
	is_int(eng_last.class_state, ZL_CLASS_DONE, "flows end classified");
	ok(eng_last.dpi == NULL, "nDPI state freed at the end");
	zl_engine_free(e);
}

int main(void)
{
	test_direction_vlan();
	test_timeouts();
	test_eviction();
	test_engine();
	return done_testing();
}
