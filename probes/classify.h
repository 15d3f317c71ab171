/*
 * classify.h - application classification of flows. The only module that
 * includes nDPI: the rest of Zhulan sees application ids and names.
 *
 * One classifier per capture thread. Per-flow nDPI state is allocated only
 * when a flow first carries payload (a SYN scan costs nothing here) and is
 * freed as soon as the result is final.
 */
#ifndef ZL_CLASSIFY_H
#define ZL_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

enum zl_confidence {
	ZL_CONF_UNKNOWN = 0,
	ZL_CONF_PORT,        /* guessed from the port after giving up */
	ZL_CONF_IP,          /* guessed from the address */
	ZL_CONF_CACHE,       /* from a recent flow between the same hosts */
	ZL_CONF_DPI,         /* deep packet inspection */
};

struct zl_classifier;

struct zl_classifier_opts {
	const char *const *protocol_files;  /* NULL-terminated, may be NULL */
	const char *const *category_files;  /* NULL-terminated, may be NULL */
	unsigned max_tcp_packets;           /* give up after (default 80) */
	unsigned max_udp_packets;           /* give up after (default 24) */
	int eager;                          /* allocate on the first packet */
};

/* New classifier, or NULL with a message in err. */
struct zl_classifier *zl_classifier_new(const struct zl_classifier_opts *o,
					char *err, size_t errlen);
void zl_classifier_free(struct zl_classifier *c);

/*
 * Give one packet of flow f to the classifier (p must belong to f; later
 * fragments must not be given). Returns 1 when this packet made the result
 * final; 2 when it named the flow (application, SNI/Host) while nDPI goes
 * on looking (once per flow: f->named); 0 otherwise.
 */
int zl_classify_packet(struct zl_classifier *c, struct zl_flow *f,
		       const struct zl_pkt *p);

/* Make the result final now (flow end): nDPI gives up and may guess. */
void zl_classify_finish(struct zl_classifier *c, struct zl_flow *f);

/* Free what the classifier attached to f (state, host name). */
void zl_classify_release(struct zl_flow *f);

/* "TLS.YouTube", "DNS", "Unknown" - as ndpiReader prints it. */
const char *zl_app_name(const struct zl_classifier *c, const struct zl_flow *f,
			char *buf, size_t len);
/* The name of one protocol id ("YouTube"). */
const char *zl_proto_name(const struct zl_classifier *c, uint16_t id);
const char *zl_category_name(const struct zl_classifier *c, uint16_t cat);
const char *zl_confidence_name(int confidence);

/* Fill names[] with the risks set in 'risk'; returns how many. */
size_t zl_risk_names(uint64_t risk, const char **names, size_t max);

/* nDPI's risk number of a risk name ("Self-signed Certificate", any
 * case), or -1; the name of a risk number (NULL if none). */
int zl_risk_by_name(const char *name);
const char *zl_risk_name(int risk);
/* Whether 'name' is an nDPI risk; if not, the closest name to suggest. */
int zl_risk_known(const char *name, char *suggest, size_t len);
/* nDPI's severity of a risk as enum zl_inc_severity (low .. critical). */
int zl_risk_severity(int risk);
/* The risks that become incidents unless the policy says otherwise. */
uint64_t zl_risk_incident_default(void);

/* Protocol id of an application name (case-insensitive), or -1. */
int zl_proto_by_name(const struct zl_classifier *c, const char *name);
/* Category id of a category name, or -1. */
int zl_category_by_name(const struct zl_classifier *c, const char *name);

/*
 * Whether 'name' is an application (or category) the classifier knows;
 * when not, the closest known name goes to suggest ("" if none is close).
 * Category names also take nDPI's newer spelling
 * "Download-FileTransfer-FileSharing" for nDPI 4.2's "Download".
 */
int zl_app_known(const struct zl_classifier *c, const char *name,
		 char *suggest, size_t len);
int zl_category_known(const struct zl_classifier *c, const char *name,
		      char *suggest, size_t len);

/* Call fn with every application name (categories = 0) or category name
 * (1) the classifier knows: nDPI's and the loaded files' (zhulanctl policy
 * names, for the shell's completion). */
void zl_names_each(const struct zl_classifier *c, int categories,
		   void (*fn)(const char *name, void *ud), void *ud);

/* Bytes of nDPI state one running flow holds. */
size_t zl_classify_state_size(void);

#endif
