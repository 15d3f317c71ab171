/*
 * engine.h - the flow engine of one capture thread: frames in, decoded,
 * attributed to flows (fragments included), classified; flow events out.
 * It owns its flow table and its classifier outright; nothing is shared.
 */
#ifndef ZL_ENGINE_H
#define ZL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "decode.h"
#include "flow.h"

struct zl_engine;
struct zl_detect;

struct zl_engine_events {
	/* A flow's application became final (not called for flows that end
	 * before that: flow_end sees them, already finished). */
	void (*flow_classified)(struct zl_flow *f, void *ud);
	/* A flow left the table; its classification is final. */
	void (*flow_end)(const struct zl_flow *f, void *ud);
	/* The flow got its application and name (TLS SNI, HTTP Host) before
	 * the result is final: what policy needs, at the first such packet.
	 * f->verdict and f->verdict_rule are the handler's to set. */
	void (*flow_named)(struct zl_flow *f, void *ud);
	void *ud;
};

struct zl_engine_opts {
	struct zl_flowtab_opts flows;
	struct zl_classifier_opts classify;
	/* Incident detectors fed by this engine (detect.h), or NULL. Borrowed:
	 * it must outlive the engine. */
	struct zl_detect *detect;
	/* Read DNS responses (UDP from port 53) for the record types of their
	 * answers into the flow's dns_rr (the IPv6 measurement's AAAA). */
	int dns_answers;
};

void zl_engine_opts_default(struct zl_engine_opts *o);

struct zl_engine *zl_engine_new(const struct zl_engine_opts *o,
				const struct zl_engine_events *ev,
				char *err, size_t errlen);
void zl_engine_free(struct zl_engine *e);

/* Feed another set of detectors from the next packet on (NULL: none);
 * returns the previous one, which the caller may free now. Borrowed like
 * zl_engine_opts.detect; call it in the thread that runs the engine or
 * under the lock that thread holds while it processes a packet. */
struct zl_detect *zl_engine_set_detect(struct zl_engine *e, struct zl_detect *d);

/* Process one frame captured on interface number 'iface'. */
void zl_engine_frame(struct zl_engine *e, int link, const uint8_t *frame,
		     uint32_t caplen, uint32_t wirelen, uint64_t ts_us,
		     uint8_t iface);

/* Expire idle flows as of now_us (packet time advances this by itself;
 * a live capture calls it with the clock when traffic is quiet). */
void zl_engine_tick(struct zl_engine *e, uint64_t now_us);

/* End every flow (end of file, shutdown). */
void zl_engine_flush(struct zl_engine *e, int reason);

const struct zl_classifier *zl_engine_classifier(const struct zl_engine *e);
void zl_engine_foreach_flow(struct zl_engine *e,
			    void (*fn)(const struct zl_flow *f, void *ud), void *ud);

struct zl_engine_stats {
	uint64_t frames, bytes;
	uint64_t ip_packets;
	uint64_t decode_errors[ZL_DERR_MAX];
	uint64_t frags_attributed, frags_unattributed;
	uint64_t flows_classified;
	uint64_t dns_answers;       /* DNS responses read (dns_answers on) */
	uint64_t dpi_live;          /* flows holding nDPI state now */
	uint64_t dpi_peak;          /* most flows ever holding nDPI state */
	struct zl_flowtab_stats flows;
};
void zl_engine_stats(const struct zl_engine *e, struct zl_engine_stats *s);

#endif
