/*
 * flowjson.h - a flow as one JSON object (the --flows-json line format,
 * also what the control API returns for a flow).
 */
#ifndef ZL_FLOWJSON_H
#define ZL_FLOWJSON_H

#include <stdio.h>
#include <stdint.h>

#include <jansson.h>

#include "classify.h"
#include "flow.h"

/* Write f as one JSON line to fp. Returns 0 or -1 on a write error. */
int zl_flow_json_write(FILE *fp, const struct zl_classifier *c,
		       const struct zl_flow *f);

/* f as a new jansson object (the same fields), or NULL. */
json_t *zl_flow_to_json(const struct zl_classifier *c, const struct zl_flow *f);

/* Format a microsecond timestamp as RFC 3339 UTC ("...T...Z"). */
void zl_rfc3339(uint64_t ts_us, char *buf, size_t len);

/* The flow's source and destination as text and ports, in "src" order. */
void zl_flow_endpoints(const struct zl_flow *f, char *src, char *dst,
		       size_t len, uint16_t *sport, uint16_t *dport);

/* Names come from packets: keep printable ASCII and write '?' for the rest,
 * as ndpiReader prints them (jansson and SQLite text want valid UTF-8). */
void zl_printable(const char *in, char *out, size_t len);

/* L4 protocol name as used in flow records: TCP, UDP, ICMP, ICMPV6... */
const char *zl_l4_name(uint8_t proto, char *buf, size_t len);

#endif
