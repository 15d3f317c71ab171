/*
 * flowjson.c - flow records as JSON, with jansson.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <jansson.h>

#include "flowjson.h"

void zl_rfc3339(uint64_t ts_us, char *buf, size_t len)
{
	time_t s = (time_t)(ts_us / 1000000);
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", base, (unsigned)(ts_us % 1000000));
}

void zl_flow_endpoints(const struct zl_flow *f, char *src, char *dst,
		       size_t len, uint16_t *sport, uint16_t *dport)
{
	const struct zl_flow_key *k = &f->key;
	int af = k->ipver == 4 ? AF_INET : AF_INET6;
	const uint8_t *s = f->src_is_a ? k->a : k->b;
	const uint8_t *d = f->src_is_a ? k->b : k->a;

	inet_ntop(af, s, src, (socklen_t)len);
	inet_ntop(af, d, dst, (socklen_t)len);
	*sport = f->src_is_a ? k->pa : k->pb;
	*dport = f->src_is_a ? k->pb : k->pa;
}

const char *zl_l4_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	case IPPROTO_ICMPV6: return "ICMPV6";
	case IPPROTO_SCTP: return "SCTP";
	case IPPROTO_IGMP: return "IGMP";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

void zl_printable(const char *in, char *out, size_t len)
{
	size_t i;

	if (!len)
		return;
	for (i = 0; in && in[i] && i < len - 1; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = 0;
}

static json_t *host_json(const char *h)
{
	char buf[256];

	if (!h)
		return json_null();
	zl_printable(h, buf, sizeof(buf));
	return json_string(buf);
}

json_t *zl_flow_to_json(const struct zl_classifier *c, const struct zl_flow *f)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], app[64], l4[8];
	char first[40], last[40];
	const char *risks[64];
	uint16_t sport, dport;
	size_t nrisk, i;
	json_t *ra;

	zl_flow_endpoints(f, src, dst, sizeof(src), &sport, &dport);
	zl_rfc3339(f->first_us, first, sizeof(first));
	zl_rfc3339(f->last_us, last, sizeof(last));
	ra = json_array();
	nrisk = zl_risk_names(f->risk, risks, 64);
	for (i = 0; i < nrisk; i++)
		json_array_append_new(ra, json_string(risks[i]));
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:s, s:i, s:i,"
		      " s:s, s:s, s:o, s:o,"
		      " s:I, s:I, s:I, s:I, s:I, s:I,"
		      " s:s, s:s, s:s, s:i, s:i}",
		      "proto", zl_l4_name(f->key.proto, l4, sizeof(l4)),
		      "src_ip", src, "src_port", sport,
		      "dst_ip", dst, "dst_port", dport,
		      "vlan", f->key.vlan, "ip_version", f->key.ipver,
		      "app", zl_app_name(c, f, app, sizeof(app)),
		      "app_id", f->app_id ? f->app_id : f->master_id,
		      "master_id", f->master_id,
		      "category", zl_category_name(c, f->category),
		      "confidence", zl_confidence_name(f->confidence),
		      "risks", ra,
		      "host", host_json(f->host),
		      "packets", (json_int_t)(f->packets[0] + f->packets[1]),
		      "bytes", (json_int_t)(f->bytes[0] + f->bytes[1]),
		      "src2dst_packets", (json_int_t)f->packets[0],
		      "dst2src_packets", (json_int_t)f->packets[1],
		      "src2dst_bytes", (json_int_t)f->bytes[0],
		      "dst2src_bytes", (json_int_t)f->bytes[1],
		      "first_seen", first, "last_seen", last,
		      "end_reason", zl_end_name(f->end_reason),
		      "tcp_flags", f->tcp_flags[0] | f->tcp_flags[1],
		      "interface", f->iface);
}

int zl_flow_json_write(FILE *fp, const struct zl_classifier *c,
		       const struct zl_flow *f)
{
	json_t *o = zl_flow_to_json(c, f);
	int rc;

	if (!o)
		return -1;
	rc = json_dumpf(o, fp, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (rc < 0 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}
