/*
 * test_flow.c - the flow table and the engine around it: direction, VLAN
 * separation, idle timeouts per protocol, TCP close, eviction when full,
 * fragment attribution, nDPI state only for flows with payload, and a
 * hash that flows crafted to collide cannot pile into one bucket.
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

/* The table's hash before it had a secret (multiply-xorshift over the
 * key's five 64-bit words): what a LAN host could compute. */
static uint32_t unkeyed_hash(const struct zl_flow_key *k)
{
	uint64_t w[5], h = 0x9e3779b97f4a7c15ull;
	int i;

	memcpy(w, k, sizeof(w));
	for (i = 0; i < 5; i++) {
		h ^= w[i];
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(h ^ (h >> 32));
}

#define NCRAFT 200

/*
 * A LAN host (192.0.2.0/24) picks its address and source port to HTTPS
 * at 198.51.100.1 so that every flow lands in the bucket of the first
 * under the unkeyed hash, in a table of 1024 buckets (max_flows 1024).
 */
static void test_crafted_collisions(void)
{
	struct zl_flowtab_opts o;
	struct zl_flowtab *t, *t2;
	struct zl_flow_key keys[NCRAFT];
	struct zl_pkt pk[NCRAFT], p;
	struct zl_flow *f;
	uint32_t target = 0, n = 0, differ = 0, cand;
	int dir, i;

	for (cand = 0; n < NCRAFT && cand < (1u << 24); cand++) {
		char src[32];
		snprintf(src, sizeof(src), "192.0.2.%u", 1 + cand % 254);
		p = mkpkt(src, "198.51.100.1", (uint16_t)(1024 + cand / 254), 443, IPPROTO_TCP,
			  0x02, 0, SEC);
		zl_flow_key_of(&p, &keys[n]);
		if (!n)
			target = unkeyed_hash(&keys[0]) & 1023;
		if ((unkeyed_hash(&keys[n]) & 1023) == target)
			pk[n++] = p;
	}
	is_int(n, NCRAFT, "%d flows crafted to share one bucket of the unkeyed hash", NCRAFT);

	zl_flowtab_opts_default(&o);
	o.max_flows = 1024;
	t = zl_flowtab_new(&o, on_end, NULL);
	t2 = zl_flowtab_new(&o, on_end, NULL);
	for (i = 0; i < NCRAFT; i++)
		zl_flowtab_packet(t, &pk[i], 1, &dir);
	ok(zl_flowtab_longest_chain(t) <= 8,
	   "keyed: the crafted flows spread out, longest chain %zu (was %d)",
	   zl_flowtab_longest_chain(t), NCRAFT);
	for (i = 0; i < NCRAFT; i++)
		differ += zl_flowtab_bucket(t, &keys[i]) != zl_flowtab_bucket(t2, &keys[i]);
	ok(differ > NCRAFT * 9 / 10, "two tables have secrets of their own: %u of %d keys "
	   "fall in another bucket", differ, NCRAFT);

	/* the answer of the first crafted flow finds the same flow */
	p = mkpkt("198.51.100.1", "0.0.0.0", 443, pk[0].sport, IPPROTO_TCP, 0x12, 0, SEC);
	memcpy(p.dst, pk[0].src, 16);
	f = zl_flowtab_packet(t, &p, 0, &dir);
	ok(f && dir == 1 && f->packets[0] == 1, "a crafted flow's answer finds its flow (dir %d)",
	   dir);
	reset();
	zl_flowtab_free(t);
	zl_flowtab_free(t2);
}

int main(void)
{
	test_direction_vlan();
	test_timeouts();
	test_eviction();
	test_engine();
	test_crafted_collisions();
	return done_testing();
}
