/*
 * incident.c - deduplicated incident records and their JSON and sentences.
 *
 * Records live in one array in the order opened; an open-addressing index
 * maps (type, source, destination, and what else names "the same thing":
 * the risk, the login port, the VLAN) to the newest record with that key.
 * An event past the window opens a new record and takes over the slot.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <jansson.h>

#include "flowjson.h"
#include "incident.h"

struct zl_incidents {
	struct zl_incident *v;
	size_t n, cap;
	uint32_t max;
	uint64_t window_us;
	uint32_t *slot;            /* record index + 1; 0 empty */
	uint32_t mask;
	uint64_t dropped;
};

static const char *const type_names[ZL_INC_MAX] = {
	"risk", "scan", "bruteforce", "rogue-ra", "rogue-dhcp", "blocklist", "policy",
};

static const char *const sev_names[ZL_SEV_MAX] = {
	"info", "low", "medium", "high", "critical",
};

const char *zl_inc_type_name(int type)
{
	return type >= 0 && type < ZL_INC_MAX ? type_names[type] : "unknown";
}

int zl_inc_type_by_name(const char *name)
{
	int i;

	for (i = 0; i < ZL_INC_MAX; i++)
		if (!strcmp(name, type_names[i]))
			return i;
	return -1;
}

const char *zl_inc_severity_name(int sev)
{
	return sev >= 0 && sev < ZL_SEV_MAX ? sev_names[sev] : "unknown";
}

struct zl_incidents *zl_incidents_new(uint32_t max, uint32_t window_s)
{
	struct zl_incidents *t = calloc(1, sizeof(*t));
	uint32_t n = 64;

	if (!t)
		return NULL;
	t->max = max ? max : 65536;
	t->window_us = (uint64_t)(window_s ? window_s : 3600) * 1000000;
	while (n < t->max * 2u && n < (1u << 30))
		n <<= 1;
	t->slot = calloc(n, sizeof(*t->slot));
	if (!t->slot) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	return t;
}

void zl_incidents_free(struct zl_incidents *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->slot);
	free(t);
}

/* The fields that make two events "the same incident". */
struct key {
	uint8_t type, ipver, has_dst, l4proto;
	int8_t risk;
	uint16_t vlan, dport;
	uint8_t src[16], dst[16];
};

static void key_of_event(const struct zl_inc_event *e, struct key *k)
{
	memset(k, 0, sizeof(*k));
	k->type = e->type;
	k->ipver = e->ipver;
	k->has_dst = e->has_dst;
	k->risk = e->type == ZL_INC_RISK ? e->risk : -1;
	/* rogue routers are per VLAN; brute force is per login service */
	k->vlan = e->type == ZL_INC_ROGUE_RA || e->type == ZL_INC_ROGUE_DHCP ? e->vlan : 0;
	k->dport = e->type == ZL_INC_BRUTEFORCE ? e->dport : 0;
	k->l4proto = e->type == ZL_INC_SCAN ? e->l4proto : 0;   /* -sS and -sU: two */
	memcpy(k->src, e->src, 16);
	if (e->has_dst)
		memcpy(k->dst, e->dst, 16);
}

static void key_of_incident(const struct zl_incident *i, struct key *k)
{
	struct zl_inc_event e = {
		.type = i->type, .ipver = i->ipver, .has_dst = i->has_dst,
		.risk = i->risk, .vlan = i->vlan, .dport = i->dport, .l4proto = i->l4proto,
	};

	memcpy(e.src, i->src, 16);
	memcpy(e.dst, i->dst, 16);
	key_of_event(&e, k);
}

static uint32_t key_hash(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void add_evidence(struct zl_incident *inc, const struct zl_flow_key *fk)
{
	int i;

	if (!fk || inc->n_evidence >= ZL_INC_EVIDENCE)
		return;
	for (i = 0; i < inc->n_evidence; i++)
		if (!memcmp(&inc->evidence[i], fk, sizeof(*fk)))
			return;
	inc->evidence[inc->n_evidence++] = *fk;
}

static struct zl_incident *open_new(struct zl_incidents *t, const struct zl_inc_event *e)
{
	struct zl_incident *inc;

	if (t->n >= t->max) {
		t->dropped += e->count;
		return NULL;
	}
	if (t->n == t->cap) {
		size_t n = t->cap ? t->cap * 2 : 64;
		struct zl_incident *v = realloc(t->v, n * sizeof(*v));
		if (!v) {
			t->dropped += e->count;
			return NULL;
		}
		t->v = v;
		t->cap = n;
	}
	inc = &t->v[t->n];
	memset(inc, 0, sizeof(*inc));
	inc->id = ++t->n;
	inc->first_us = e->since_us && e->since_us < e->ts_us ? e->since_us : e->ts_us;
	inc->last_us = e->ts_us;
	inc->type = e->type;
	inc->severity = e->severity;
	inc->ipver = e->ipver;
	inc->detail = e->detail;
	inc->l4proto = e->l4proto;
	inc->has_dst = e->has_dst;
	inc->has_mac = e->has_mac;
	inc->risk = e->type == ZL_INC_RISK ? e->risk : -1;
	inc->vlan = e->vlan;
	inc->sport = e->sport;
	inc->dport = e->dport;
	memcpy(inc->src, e->src, 16);
	if (e->has_dst)
		memcpy(inc->dst, e->dst, 16);
	memcpy(inc->mac, e->mac, 6);
	inc->risk_name = e->risk_name;
	if (e->app)
		snprintf(inc->app, sizeof(inc->app), "%s", e->app);
	return inc;
}

const struct zl_incident *zl_incidents_add(struct zl_incidents *t,
					   const struct zl_inc_event *e)
{
	struct key k, x;
	struct zl_incident *inc = NULL;
	uint32_t h;

	key_of_event(e, &k);
	for (h = key_hash(&k) & t->mask; t->slot[h]; h = (h + 1) & t->mask) {
		key_of_incident(&t->v[t->slot[h] - 1], &x);
		if (!memcmp(&k, &x, sizeof(k))) {
			inc = &t->v[t->slot[h] - 1];
			break;
		}
	}
	if (inc && e->ts_us > inc->last_us + t->window_us)
		inc = NULL;                /* past the window: a new incident */
	if (!inc) {
		if (!(inc = open_new(t, e)))
			return NULL;
		t->slot[h] = (uint32_t)inc->id;
	} else {
		if ((e->since_us ? e->since_us : e->ts_us) < inc->first_us)
			inc->first_us = e->since_us ? e->since_us : e->ts_us;
		if (e->ts_us > inc->last_us)
			inc->last_us = e->ts_us;
		if (e->severity > inc->severity)
			inc->severity = e->severity;
		if (e->detail != inc->detail && inc->type == ZL_INC_SCAN)
			inc->detail = ZL_SCAN_MIXED;
		if (!inc->app[0] && e->app)
			snprintf(inc->app, sizeof(inc->app), "%s", e->app);
		if (inc->sport != e->sport)
			inc->sport = 0;    /* many source ports: none is the incident's */
		if (inc->dport != e->dport && inc->type != ZL_INC_SCAN)
			inc->dport = 0;
	}
	inc->count += e->count;
	if (e->targets > inc->targets)
		inc->targets = e->targets;
	add_evidence(inc, e->flow);
	return inc;
}

const struct zl_incident *zl_incidents_restore(struct zl_incidents *t,
					       const struct zl_incident *rec)
{
	struct zl_inc_event e = { .count = 0 };
	struct zl_incident *inc;
	struct key k, x;
	uint64_t id;
	uint32_t h;

	key_of_incident(rec, &k);
	if (!(inc = open_new(t, &e)))
		return NULL;
	id = inc->id;
	*inc = *rec;
	inc->id = id;
	for (h = key_hash(&k) & t->mask; t->slot[h]; h = (h + 1) & t->mask) {
		key_of_incident(&t->v[t->slot[h] - 1], &x);
		if (!memcmp(&k, &x, sizeof(k)))
			break;             /* an older one with this key: this is newer */
	}
	t->slot[h] = (uint32_t)inc->id;
	return inc;
}

void zl_incidents_set_window(struct zl_incidents *t, uint32_t window_s)
{
	t->window_us = (uint64_t)(window_s ? window_s : 3600) * 1000000;
}

size_t zl_incidents_count(const struct zl_incidents *t)
{
	return t->n;
}

const struct zl_incident *zl_incidents_get(const struct zl_incidents *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}

uint64_t zl_incidents_dropped(const struct zl_incidents *t)
{
	return t->dropped;
}

/* ------------------------------------------------------------ sentences */

static void addr_str(int ipver, const uint8_t *a, char *buf, size_t len)
{
	inet_ntop(ipver == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len);
}

/* 1000 -> "1,000" */
static void grouped(uint64_t v, char *buf, size_t len)
{
	char raw[32];
	size_t n, i, o = 0;

	snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v);
	n = strlen(raw);
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = 0;
}

/*
 * How long something took, for the sentences: "under 1 s" (a fast scan),
 * "12 s", "1,234 s" (up to an hour), "3 h 5 min"; in Chinese "不到 1 秒",
 * " 12 秒", ... with the space a number wants after "在" ("在不到 1 秒内",
 * "在 12 秒内").
 */
static void duration(uint64_t us, int zh, char *buf, size_t len)
{
	uint64_t s = (us + 500000) / 1000000, h = s / 3600, m = (s % 3600 + 30) / 60;
	char n[32];

	if (m == 60) {
		h++;
		m = 0;
	}
	if (us < 1000000) {
		snprintf(buf, len, zh ? "不到 1 秒" : "under 1 s");
	} else if (s < 3600) {
		grouped(s, n, sizeof(n));
		snprintf(buf, len, zh ? " %s 秒" : "%s s", n);
	} else {
		grouped(h, n, sizeof(n));
		if (m)
			snprintf(buf, len, zh ? " %s 小时 %u 分钟" : "%s h %u min", n, (unsigned)m);
		else
			snprintf(buf, len, zh ? " %s 小时" : "%s h", n);
	}
}

static const char *login_name(uint16_t port)
{
	switch (port) {
	case 21: return "FTP";
	case 22: return "SSH";
	case 23: return "Telnet";
	case 110: case 995: return "POP3";
	case 143: case 993: return "IMAP";
	case 445: return "SMB";
	case 1433: return "MSSQL";
	case 3306: return "MySQL";
	case 3389: return "RDP";
	case 5432: return "PostgreSQL";
	}
	return "login";
}

void zl_incident_sentence(const struct zl_incident *i, const char *lang,
			  char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN] = "", n[32], mac[32] = "", s[48];
	const char *risk = i->risk_name ? i->risk_name : "?";
	int zh = !strcmp(lang, "zh");

	addr_str(i->ipver, i->src, src, sizeof(src));
	if (i->has_dst)
		addr_str(i->ipver, i->dst, dst, sizeof(dst));
	grouped(i->count, n, sizeof(n));
	duration(i->last_us > i->first_us ? i->last_us - i->first_us : 0, zh, s, sizeof(s));
	if (i->has_mac)
		snprintf(mac, sizeof(mac), " (MAC %02x:%02x:%02x:%02x:%02x:%02x)", i->mac[0],
			 i->mac[1], i->mac[2], i->mac[3], i->mac[4], i->mac[5]);
	switch (i->type * 2 + zh) {
	case ZL_INC_SCAN * 2:
		if (i->detail == ZL_SCAN_PORTS && i->has_dst)
			snprintf(buf, len, "host %s scanned %s ports of %s in %s", src, n, dst, s);
		else if (i->detail == ZL_SCAN_HOSTS)
			snprintf(buf, len, "host %s swept %s addresses on port %u in %s",
				 src, n, i->dport, s);
		else
			snprintf(buf, len, "host %s made %s incomplete connections to many "
				 "ports and hosts in %s", src, n, s);
		break;
	case ZL_INC_SCAN * 2 + 1:
		if (i->detail == ZL_SCAN_PORTS && i->has_dst)
			snprintf(buf, len, "主机 %s 在%s内扫描了 %s 的 %s 个端口", src, s, dst, n);
		else if (i->detail == ZL_SCAN_HOSTS)
			snprintf(buf, len, "主机 %s 在%s内探测了 %s 个地址的 %u 端口",
				 src, s, n, i->dport);
		else
			snprintf(buf, len, "主机 %s 在%s内向多个主机和端口发起了 %s 次未完成的连接",
				 src, s, n);
		break;
	case ZL_INC_BRUTEFORCE * 2:
		snprintf(buf, len, "host %s opened %s short sessions to the %s login of %s "
			 "(port %u) in %s", src, n, login_name(i->dport), dst, i->dport, s);
		break;
	case ZL_INC_BRUTEFORCE * 2 + 1:
		snprintf(buf, len, "主机 %s 在%s内向 %s 的 %s 登录服务（端口 %u）发起了 %s 次短会话",
			 src, s, dst, login_name(i->dport), i->dport, n);
		break;
	case ZL_INC_ROGUE_RA * 2:
		snprintf(buf, len, "unlisted IPv6 router %s%s sent %s router advertisement%s "
			 "on VLAN %u", src, mac, n, i->count == 1 ? "" : "s", i->vlan);
		break;
	case ZL_INC_ROGUE_RA * 2 + 1:
		snprintf(buf, len, "VLAN %u 上未登记的 IPv6 路由器 %s%s 发出了 %s 个路由通告",
			 i->vlan, src, mac, n);
		break;
	case ZL_INC_ROGUE_DHCP * 2:
		snprintf(buf, len, "unlisted DHCP server %s%s sent %s offer%s on VLAN %u",
			 src, mac, n, i->count == 1 ? "" : "s", i->vlan);
		break;
	case ZL_INC_ROGUE_DHCP * 2 + 1:
		snprintf(buf, len, "VLAN %u 上未登记的 DHCP 服务器 %s%s 发出了 %s 个地址分配（OFFER）",
			 i->vlan, src, mac, n);
		break;
	case ZL_INC_BLOCKLIST * 2:
		snprintf(buf, len, "host %s exchanged %s flow%s with %s, an address in a threat set",
			 src, n, i->count == 1 ? "" : "s", dst);
		break;
	case ZL_INC_BLOCKLIST * 2 + 1:
		snprintf(buf, len, "主机 %s 与威胁名单中的地址 %s 通信了 %s 次", src, dst, n);
		break;
	case ZL_INC_RISK * 2:
		snprintf(buf, len, "risk \"%s\" on %s %s%sflow%s from %s to %s", risk, n,
			 i->app, i->app[0] ? " " : "", i->count == 1 ? "" : "s", src, dst);
		break;
	case ZL_INC_RISK * 2 + 1:
		snprintf(buf, len, "%s 到 %s 的 %s 条 %s%s流量带有风险“%s”", src, dst, n,
			 i->app, i->app[0] ? " " : "", risk);
		break;
	default:
		snprintf(buf, len, zh ? "主机 %s 的策略违规 %s 次" : "host %s: %s policy violations",
			 src, n);
		break;
	}
}

static json_t *addr_json(int ipver, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];

	addr_str(ipver, a, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *evidence_json(const struct zl_incident *inc)
{
	json_t *a = json_array();
	char l4[8];
	int i;

	for (i = 0; i < inc->n_evidence; i++) {
		const struct zl_flow_key *k = &inc->evidence[i];
		json_array_append_new(a, json_pack("{s:s, s:o, s:i, s:o, s:i, s:i}",
			"proto", zl_l4_name(k->proto, l4, sizeof(l4)),
			"a_ip", addr_json(k->ipver, k->a), "a_port", k->pa,
			"b_ip", addr_json(k->ipver, k->b), "b_port", k->pb, "vlan", k->vlan));
	}
	return a;
}

/* EVE's alert.severity: 1 is the most severe. */
static int eve_severity(int sev)
{
	return sev >= ZL_SEV_HIGH ? 1 : sev == ZL_SEV_MEDIUM ? 2 : 3;
}

int zl_incident_json_write(FILE *fp, const struct zl_incident *inc)
{
	char first[40], last[40], en[512], zh[512], mac[24], l4[8];
	json_t *o, *risks = json_array();
	int rc;

	zl_rfc3339(inc->first_us, first, sizeof(first));
	zl_rfc3339(inc->last_us, last, sizeof(last));
	zl_incident_sentence(inc, "en", en, sizeof(en));
	zl_incident_sentence(inc, "zh", zh, sizeof(zh));
	if (inc->risk_name)
		json_array_append_new(risks, json_string(inc->risk_name));
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:i,"
		      " s:s, s:o, s:{s:s, s:s, s:i}, s:o, s:{s:s, s:s}}",
		      "id", (json_int_t)inc->id, "timestamp", first, "event_type", "alert",
		      "type", zl_inc_type_name(inc->type),
		      "severity", zl_inc_severity_name(inc->severity),
		      "first", first, "last", last, "count", (json_int_t)inc->count,
		      "src_ip", addr_json(inc->ipver, inc->src),
		      "src_port", inc->sport ? json_integer(inc->sport) : json_null(),
		      "dest_ip", inc->has_dst ? addr_json(inc->ipver, inc->dst) : json_null(),
		      "dest_port", inc->dport ? json_integer(inc->dport) : json_null(),
		      "vlan", inc->vlan,
		      "proto", inc->l4proto ? zl_l4_name(inc->l4proto, l4, sizeof(l4)) : "",
		      "app_proto", inc->app[0] ? json_string(inc->app) : json_null(),
		      "alert", "signature", en, "category", zl_inc_type_name(inc->type),
		      "severity", eve_severity(inc->severity),
		      "risks", risks,
		      "message", "en", en, "zh", zh);
	if (!o)
		return -1;
	if (inc->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", inc->mac[0],
			 inc->mac[1], inc->mac[2], inc->mac[3], inc->mac[4], inc->mac[5]);
		json_object_set_new(o, "src_mac", json_string(mac));
	}
	json_object_set_new(o, "evidence", evidence_json(inc));
	rc = json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc < 0 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}
