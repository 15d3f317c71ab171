/*
 * flow.h - the bidirectional flow table: a bounded hash table of flow
 * records taken from a pool, with per-protocol idle timeouts.
 *
 * A flow's key is canonical (lower address/port first), so both directions
 * find the same record; "src" is the side that sent the first packet seen.
 * The table is owned by one capture thread and is not locked. Keys are
 * hashed with SipHash-2-4 under a random secret per table.
 */
#ifndef ZL_FLOW_H
#define ZL_FLOW_H

#include <stdint.h>
#include <stddef.h>

#include "decode.h"

enum zl_end {
	ZL_END_NONE = 0,
	ZL_END_IDLE,        /* idle timeout */
	ZL_END_FIN,         /* TCP FIN both ways, then the closed timeout */
	ZL_END_RST,         /* TCP RST, then the closed timeout */
	ZL_END_EVICTED,     /* table full: the least recently seen flow went */
	ZL_END_EOF,         /* end of a capture file */
	ZL_END_SHUTDOWN,    /* capture stopped */
	ZL_END_MAX
};

const char *zl_end_name(int reason);

struct zl_flow_key {
	uint8_t a[16], b[16];    /* a <= b (address, then port) */
	uint16_t pa, pb;
	uint16_t vlan;
	uint8_t proto;
	uint8_t ipver;
};

enum zl_class_state {
	ZL_CLASS_NONE = 0,       /* no packet given to the classifier yet */
	ZL_CLASS_RUNNING,        /* classifier state allocated */
	ZL_CLASS_DONE,           /* result final, classifier state freed */
};

/*
 * A flow record. Callers read it; the table owns it and the classifier
 * (classify.c) fills the classification fields. Direction 0 is src->dst.
 */
struct zl_flow {
	struct zl_flow_key key;
	uint8_t src_is_a;        /* the first packet went a -> b */
	uint8_t iface;           /* capture interface index */
	uint8_t end_reason;      /* enum zl_end, set when the flow ends */
	uint8_t class_state;     /* enum zl_class_state */
	uint8_t tcp_flags[2];    /* flags seen in each direction */
	uint8_t tcp_fin;         /* bit 0: src sent FIN, bit 1: dst sent FIN */
	uint8_t confidence;      /* enum zl_confidence (classify.h) */
	uint8_t named;           /* the application or name was known before final */
	uint8_t verdict;         /* the behaviour engine's, for the flow's end (0: none) */
	uint8_t dns_rr;          /* ZL_DNS_* bits of the DNS answers seen (dnsans.h) */
	uint16_t verdict_rule;   /* the behaviour engine's number for the deciding rule line */
	uint16_t dpi_packets;    /* packets given to the classifier */
	uint16_t master_id, app_id, category;
	uint32_t tcp_isn[2];     /* initial sequence numbers seen in SYNs */
	uint32_t tcp_next[2];    /* next sequence number of each side (0: none yet) */
	uint64_t first_us, last_us;
	uint64_t packets[2], bytes[2];
	uint64_t risk;           /* nDPI risk bitmap */
	char *host;              /* SNI / Host / DNS query; owned, may be NULL */
	void *dpi;               /* classifier per-flow state while running */
};

struct zl_flowtab;

typedef void (*zl_flow_end_fn)(struct zl_flow *f, void *ud);

struct zl_flowtab_opts {
	uint32_t max_flows;
	uint32_t timeout_tcp;        /* seconds, established TCP */
	uint32_t timeout_tcp_half;   /* TCP seen one way only (SYN scans) */
	uint32_t timeout_tcp_closed; /* after FIN both ways or RST */
	uint32_t timeout_udp;
	uint32_t timeout_other;
};

void zl_flowtab_opts_default(struct zl_flowtab_opts *o);

/*
 * New table. on_end is called for every flow that leaves the table (idle,
 * evicted, flushed) before its record is reused; it must release what it
 * attached (host, dpi) - the table frees only the record.
 */
struct zl_flowtab *zl_flowtab_new(const struct zl_flowtab_opts *o,
				  zl_flow_end_fn on_end, void *ud);
void zl_flowtab_free(struct zl_flowtab *t);

/* Build the canonical key of a packet; returns 1 when p goes a -> b. */
int zl_flow_key_of(const struct zl_pkt *p, struct zl_flow_key *k);

/*
 * Find the packet's flow, creating it (and evicting the least recently seen
 * flow when full) if 'create'. *dir is 0 for src->dst, 1 for dst->src.
 * Updates counters, TCP state and the idle lists. NULL when not found and
 * not created.
 */
struct zl_flow *zl_flowtab_packet(struct zl_flowtab *t, const struct zl_pkt *p,
				  int create, int *dir);

/* End flows idle at 'now_us'; returns how many ended. */
size_t zl_flowtab_expire(struct zl_flowtab *t, uint64_t now_us);

/* End every flow with 'reason'; returns how many ended. */
size_t zl_flowtab_flush(struct zl_flowtab *t, int reason);

/* Call fn for every live flow (no particular order). */
void zl_flowtab_foreach(struct zl_flowtab *t,
			void (*fn)(const struct zl_flow *f, void *ud), void *ud);

struct zl_flowtab_stats {
	uint64_t live;
	uint64_t created;
	uint64_t ended;
	uint64_t evicted;
	uint64_t bytes_reserved;  /* pool + bucket array */
};

void zl_flowtab_stats(const struct zl_flowtab *t, struct zl_flowtab_stats *s);

/*
 * For tests: the bucket a key falls in (the table hashes keys with SipHash
 * under a random secret of its own), and the most flows one bucket holds.
 */
uint32_t zl_flowtab_bucket(const struct zl_flowtab *t, const struct zl_flow_key *k);
size_t zl_flowtab_longest_chain(const struct zl_flowtab *t);

/* Bytes one record costs in the table (record + links + bucket share). */
size_t zl_flowtab_record_size(void);

#endif
