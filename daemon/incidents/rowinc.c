/*
 * rowinc.c - a stored incident back as a dedup record (rowinc.h).
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "classify.h"
#include "flowjson.h"
#include "rowinc.h"

/* "TCP" -> 6 (flowjson.h's names), 0 if none. */
static uint8_t l4_number(const char *name)
{
	char buf[8];

	for (unsigned p = 1; p < 256; p++)
		if (!strcmp(zl_l4_name((uint8_t)p, buf, sizeof(buf)), name))
			return (uint8_t)p;
	return 0;
}

static int addr(const char *s, int ipver, uint8_t *out)
{
	return inet_pton(ipver == 6 ? AF_INET6 : AF_INET, s, out) == 1 ? 0 : -1;
}

static void evidence(const char *text, int ipver, struct zl_incident *inc)
{
	json_t *a = json_loads(text, 0, NULL), *k;
	size_t i;

	json_array_foreach(a, i, k) {
		struct zl_flow_key *f = &inc->evidence[inc->n_evidence];
		const char *pa = json_string_value(json_object_get(k, "a_ip"));
		const char *pb = json_string_value(json_object_get(k, "b_ip"));
		const char *pr = json_string_value(json_object_get(k, "proto"));

		if (inc->n_evidence >= ZL_INC_EVIDENCE)
			break;
		memset(f, 0, sizeof(*f));
		if (!pa || !pb || !pr || addr(pa, ipver, f->a) < 0 || addr(pb, ipver, f->b) < 0)
			continue;
		f->ipver = (uint8_t)ipver;
		f->proto = l4_number(pr);
		f->pa = (uint16_t)json_integer_value(json_object_get(k, "a_port"));
		f->pb = (uint16_t)json_integer_value(json_object_get(k, "b_port"));
		f->vlan = (uint16_t)json_integer_value(json_object_get(k, "vlan"));
		inc->n_evidence++;
	}
	json_decref(a);
}

int zl_incident_of_row(const struct zl_incident_row *r, struct zl_incident *inc)
{
	int type = zl_inc_type_by_name(r->type);
	unsigned m[6];

	memset(inc, 0, sizeof(*inc));
	if (type < 0)
		return -1;
	inc->type = (uint8_t)type;
	inc->ipver = strchr(r->src_ip, ':') ? 6 : 4;
	if (addr(r->src_ip, inc->ipver, inc->src) < 0)
		return -1;
	if (r->dst_ip[0]) {
		if (addr(r->dst_ip, inc->ipver, inc->dst) < 0)
			return -1;
		inc->has_dst = 1;
	}
	inc->first_us = (uint64_t)r->first_us;
	inc->last_us = (uint64_t)r->last_us;
	inc->count = (uint64_t)r->count;
	inc->severity = (uint8_t)r->severity;
	inc->l4proto = l4_number(r->proto);
	inc->vlan = (uint16_t)r->vlan;
	inc->sport = (uint16_t)r->src_port;
	inc->dport = (uint16_t)r->dst_port;
	inc->targets = (uint32_t)r->targets;
	inc->risk = -1;
	if (type == ZL_INC_RISK) {
		int k = zl_risk_by_name(r->risks);
		if (k < 0)
			return -1;
		inc->risk = (int8_t)k;
		inc->risk_name = zl_risk_name(k);
	}
	if (sscanf(r->src_mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) == 6) {
		for (int i = 0; i < 6; i++)
			inc->mac[i] = (uint8_t)m[i];
		inc->has_mac = 1;
	}
	/* the row keeps no scan kind; its sentence says it */
	if (type == ZL_INC_SCAN)
		inc->detail = strstr(r->sentence_en, " swept ") ? ZL_SCAN_HOSTS :
			      strstr(r->sentence_en, " scanned ") ? ZL_SCAN_PORTS : ZL_SCAN_MIXED;
	snprintf(inc->app, sizeof(inc->app), "%s", r->app);
	evidence(r->evidence, inc->ipver, inc);
	return 0;
}
