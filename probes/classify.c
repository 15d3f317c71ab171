/*
 * classify.c - the nDPI adapter. Nothing else in Zhulan includes nDPI, so a
 * new nDPI release changes this file only.
 *
 * It follows nDPI's reference reader (ndpiReader 4.2, reader_util.c) where
 * that decides the result: every packet goes to nDPI until it names the
 * application (and wants no more packets for metadata) or the flow has had
 * 80 TCP / 24 UDP packets; then nDPI gives up and may guess from the port.
 *
 * Unlike the reader, a TCP flow gets nDPI state only with its first payload
 * packet. The handshake nDPI would have seen is replayed to it then as
 * header-only packets rebuilt from the sequence numbers the flow table kept,
 * so nDPI tracks the connection exactly as if it had seen the real ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <netinet/in.h>

#include <ndpi_api.h>

#include "classify.h"

/* Host names of the host rules in protocol files, with their protocol. */
struct host_rule {
	char *host;
	char *proto;
	int proto_id;
	int category;        /* -1: none given */
};

struct host_rules {
	struct host_rule *v;
	size_t n, cap;
	uint32_t *slot;      /* open-addressing index into v (+1; 0 = empty) */
	uint32_t mask;
};

struct zl_classifier {
	struct ndpi_detection_module_struct *ndpi;
	unsigned max_tcp, max_udp;
	int eager;
	struct host_rules rules;
};

static void rules_free(struct host_rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].host);
		free(r->v[i].proto);
	}
	free(r->v);
	free(r->slot);
}

static uint32_t host_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)tolower((unsigned char)s[i])) * 16777619u;
	return h;
}

/* Index the rules by host; a later rule for the same host replaces an
 * earlier one (the administrator's files are loaded after the pack). */
static int rules_index(struct zl_classifier *c)
{
	struct host_rules *r = &c->rules;
	uint32_t n = 64, i;

	while (n < r->n * 2)
		n <<= 1;
	r->slot = calloc(n, sizeof(*r->slot));
	if (!r->slot)
		return -1;
	r->mask = n - 1;
	for (i = 0; i < r->n; i++) {
		uint32_t h = host_hash(r->v[i].host, strlen(r->v[i].host)) & r->mask;
		r->v[i].proto_id = ndpi_get_protocol_id(c->ndpi, r->v[i].proto);
		while (r->slot[h] && strcasecmp(r->v[r->slot[h] - 1].host, r->v[i].host))
			h = (h + 1) & r->mask;
		r->slot[h] = i + 1;
	}
	return 0;
}

static const struct host_rule *rules_find(const struct host_rules *r,
					  const char *s, size_t n)
{
	uint32_t h;

	if (!r->slot)
		return NULL;
	for (h = host_hash(s, n) & r->mask; r->slot[h]; h = (h + 1) & r->mask) {
		const struct host_rule *x = &r->v[r->slot[h] - 1];
		if (strlen(x->host) == n && !strncasecmp(x->host, s, n))
			return x;
	}
	return NULL;
}

/* The rule for 'host' or the closest domain above it (www.a.b -> a.b -> b). */
static const struct host_rule *rules_match(const struct host_rules *r, const char *host)
{
	const char *p = host;
	const struct host_rule *x;

	while (p && *p) {
		if ((x = rules_find(r, p, strlen(p))))
			return x;
		p = strchr(p, '.');
		if (p)
			p++;
	}
	return NULL;
}

/* Collect host:"..." rules of one protocol file line ("...@Name"). */
static void rules_add_line(struct host_rules *r, const char *line)
{
	const char *at = strrchr(line, '@'), *p = line;
	char proto[64];

	if (!at || strncmp(line, "host:", 5))
		return;
	snprintf(proto, sizeof(proto), "%.*s", (int)strcspn(at + 1, " \t\r\n#"), at + 1);
	while ((p = strstr(p, "host:\"")) && p < at) {
		const char *h = p + 6, *e = strchr(h, '"');
		if (!e || e > at)
			break;
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 256;
			struct host_rule *v = realloc(r->v, cap * sizeof(*v));
			if (!v)
				return;
			r->v = v;
			r->cap = cap;
		}
		r->v[r->n].host = strndup(h, (size_t)(e - h));
		r->v[r->n].proto = strdup(proto);
		r->v[r->n].category = -1;
		r->n++;
		p = e + 1;
	}
}

static int load_protocols(struct zl_classifier *c, const char *const *files,
			  struct host_rules *rules, char *err, size_t errlen)
{
	for (; files && *files; files++) {
		FILE *fp = fopen(*files, "r");
		char line[4096];

		if (!fp) {
			snprintf(err, errlen, "%s: %s", *files, strerror(errno));
			return -1;
		}
		while (fgets(line, sizeof(line), fp))
			rules_add_line(rules, line);
		fclose(fp);
		if (ndpi_load_protocols_file(c->ndpi, *files) < 0) {
			snprintf(err, errlen, "%s: nDPI could not load it", *files);
			return -1;
		}
	}
	return 0;
}

static int category_id(struct zl_classifier *c, const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end != s && !*end)
		return n >= 0 && n < NDPI_PROTOCOL_NUM_CATEGORIES ? (int)n : -1;
	return zl_category_by_name(c, s);
}

/*
 * Category files (nDPI's format: "host<TAB>category" a line). nDPI 4.2 loses
 * a flow's host-rule application (TLS.Douyin becomes TLS) when the same host
 * also has a custom category, so a host that names a protocol of the
 * protocol files gives its category to that protocol instead; only other
 * hosts become nDPI host categories.
 */
static int load_categories(struct zl_classifier *c, const char *const *files,
			   struct host_rules *rules, char *err, size_t errlen)
{
	int host_cats = 0;

	for (; files && *files; files++) {
		FILE *fp = fopen(*files, "r");
		char line[1024];
		int lineno = 0;

		if (!fp) {
			snprintf(err, errlen, "%s: %s", *files, strerror(errno));
			return -1;
		}
		while (fgets(line, sizeof(line), fp)) {
			char *host = line, *cat;
			size_t i;
			int id;

			lineno++;
			host += strspn(host, " \t");
			if (*host == '#' || *host == '\n' || *host == '\r' || !*host)
				continue;
			cat = host + strcspn(host, " \t");
			if (!*cat) {
				snprintf(err, errlen, "%s:%d: expected \"host<TAB>category\"", *files, lineno);
				fclose(fp);
				return -1;
			}
			*cat++ = 0;
			cat += strspn(cat, " \t");
			cat[strcspn(cat, " \t\r\n#")] = 0;
			if ((id = category_id(c, cat)) < 0) {
				snprintf(err, errlen, "%s:%d: unknown category \"%s\"", *files, lineno, cat);
				fclose(fp);
				return -1;
			}
			for (i = 0; i < rules->n; i++)
				if (!strcasecmp(rules->v[i].host, host))
					break;
			if (i < rules->n) {
				size_t j;
				/* the category belongs to the application */
				for (j = 0; j < rules->n; j++)
					if (!strcmp(rules->v[j].proto, rules->v[i].proto))
						rules->v[j].category = id;
			} else {
				ndpi_load_category(c->ndpi, host, (ndpi_protocol_category_t)id);
				host_cats++;
			}
		}
		fclose(fp);
	}
	if (host_cats)
		ndpi_enable_loaded_categories(c->ndpi);
	return 0;
}

struct zl_classifier *zl_classifier_new(const struct zl_classifier_opts *o,
					char *err, size_t errlen)
{
	struct zl_classifier *c = calloc(1, sizeof(*c));
	NDPI_PROTOCOL_BITMASK all;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->max_tcp = o && o->max_tcp_packets ? o->max_tcp_packets : 80;
	c->max_udp = o && o->max_udp_packets ? o->max_udp_packets : 24;
	c->eager = o ? o->eager : 0;
	c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!c->ndpi) {
		snprintf(err, errlen, "nDPI initialisation failed");
		free(c);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
	if (o) {
		int rc = load_protocols(c, o->protocol_files, &c->rules, err, errlen);
		if (rc == 0)
			rc = load_categories(c, o->category_files, &c->rules, err, errlen);
		if (rc < 0) {
			zl_classifier_free(c);
			return NULL;
		}
	}
	ndpi_finalize_initialization(c->ndpi);
	if (rules_index(c) < 0) {
		snprintf(err, errlen, "out of memory");
		zl_classifier_free(c);
		return NULL;
	}
	return c;
}

void zl_classifier_free(struct zl_classifier *c)
{
	if (!c)
		return;
	if (c->ndpi)
		ndpi_exit_detection_module(c->ndpi);
	rules_free(&c->rules);
	free(c);
}

size_t zl_classify_state_size(void)
{
	return SIZEOF_FLOW_STRUCT;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/*
 * Build a header-only TCP packet of flow f sent by side 'dir' (0 = src).
 * Returns its length; buf must hold 60 bytes.
 */
static unsigned synth_tcp(const struct zl_flow *f, int dir, uint8_t flags,
			  uint32_t seq, uint32_t ack, uint8_t *buf)
{
	const struct zl_flow_key *k = &f->key;
	int from_a = f->src_is_a ^ dir;
	const uint8_t *s = from_a ? k->a : k->b, *d = from_a ? k->b : k->a;
	uint16_t sp = from_a ? k->pa : k->pb, dp = from_a ? k->pb : k->pa;
	unsigned ipl = k->ipver == 4 ? 20 : 40;
	uint8_t *t = buf + ipl;

	memset(buf, 0, ipl + 20);
	if (k->ipver == 4) {
		buf[0] = 0x45;
		put16(buf + 2, (uint16_t)(ipl + 20));
		buf[8] = 64;
		buf[9] = IPPROTO_TCP;
		memcpy(buf + 12, s, 4);
		memcpy(buf + 16, d, 4);
	} else {
		buf[0] = 0x60;
		put16(buf + 4, 20);
		buf[6] = IPPROTO_TCP;
		buf[7] = 64;
		memcpy(buf + 8, s, 16);
		memcpy(buf + 24, d, 16);
	}
	put16(t, sp);
	put16(t + 2, dp);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	return ipl + 20;
}

/* Replay the TCP handshake seen before nDPI state existed. */
static void replay_handshake(struct zl_classifier *c, struct zl_flow *f,
			     uint64_t ms, int at_end)
{
	uint8_t buf[60];
	unsigned n;
	int syn = f->tcp_flags[0] & 0x02, synack = (f->tcp_flags[1] & 0x12) == 0x12;

	if (!syn) {
		/* No handshake seen (a capture that starts mid-connection). At
		 * the flow's end nDPI still needs one packet to guess from. */
		if (at_end) {
			n = synth_tcp(f, 0, f->tcp_flags[0] ? f->tcp_flags[0] : 0x10,
				      0, 0, buf);
			ndpi_detection_process_packet(c->ndpi, f->dpi, buf, (unsigned short)n, ms);
		}
		return;
	}
	n = synth_tcp(f, 0, 0x02, f->tcp_isn[0], 0, buf);
	ndpi_detection_process_packet(c->ndpi, f->dpi, buf, (unsigned short)n, ms);
	if (!synack)
		return;
	n = synth_tcp(f, 1, 0x12, f->tcp_isn[1], f->tcp_isn[0] + 1, buf);
	ndpi_detection_process_packet(c->ndpi, f->dpi, buf, (unsigned short)n, ms);
	if (f->packets[0] < 2)
		return;
	n = synth_tcp(f, 0, 0x10, f->tcp_isn[0] + 1, f->tcp_isn[1] + 1, buf);
	ndpi_detection_process_packet(c->ndpi, f->dpi, buf, (unsigned short)n, ms);
}

static int state_new(struct zl_classifier *c, struct zl_flow *f, uint64_t ms,
		     int at_end)
{
	f->dpi = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (!f->dpi)
		return -1;
	memset(f->dpi, 0, SIZEOF_FLOW_STRUCT);
	f->class_state = ZL_CLASS_RUNNING;
	if (f->key.proto == IPPROTO_TCP && !c->eager)
		replay_handshake(c, f, ms, at_end);
	return 0;
}

/*
 * The pack's and the administrator's host rules win over nDPI's built-in
 * ones (and over nDPI 4.2 forgetting them when a host also has a category):
 * a flow whose name falls under a rule gets that rule's application, over
 * the protocol nDPI found (TLS, QUIC, HTTP, DNS), and its category.
 */
static void apply_host_rules(const struct zl_classifier *c, struct zl_flow *f,
			     ndpi_protocol *r)
{
	const struct host_rule *x;

	if (!f->host || !(x = rules_match(&c->rules, f->host)) || x->proto_id <= 0)
		return;
	if (r->master_protocol == NDPI_PROTOCOL_UNKNOWN)
		r->master_protocol = r->app_protocol;
	r->app_protocol = (u_int16_t)x->proto_id;
	if (x->category >= 0)
		r->category = (ndpi_protocol_category_t)x->category;
}

static void take_result(const struct zl_classifier *c, struct zl_flow *f,
			ndpi_protocol r)
{
	struct ndpi_flow_struct *nf = f->dpi;

	f->risk = nf->risk;
	/* nDPI 4.2 leaves the URL checks (SQL injection, XSS, RCE) to its
	 * reader, which runs them on the flow's URL when it prints it. */
	if (nf->http.url && nf->http.url[0]) {
		ndpi_risk_enum ur = ndpi_validate_url(nf->http.url);
		if (ur != NDPI_NO_RISK)
			f->risk |= 1ull << ur;
	}
	switch (nf->confidence) {
	case NDPI_CONFIDENCE_MATCH_BY_PORT: f->confidence = ZL_CONF_PORT; break;
	case NDPI_CONFIDENCE_MATCH_BY_IP: f->confidence = ZL_CONF_IP; break;
	case NDPI_CONFIDENCE_DPI_CACHE: f->confidence = ZL_CONF_CACHE; break;
	case NDPI_CONFIDENCE_DPI: f->confidence = ZL_CONF_DPI; break;
	default: f->confidence = ZL_CONF_UNKNOWN; break;
	}
	free(f->host);
	f->host = nf->host_server_name[0] ? strndup(nf->host_server_name,
				sizeof(nf->host_server_name)) : NULL;
	apply_host_rules(c, f, &r);
	f->master_id = r.master_protocol;
	f->app_id = r.app_protocol;
	f->category = (uint16_t)r.category;
}

static void finish(struct zl_classifier *c, struct zl_flow *f, ndpi_protocol r)
{
	if (r.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		uint8_t guessed = 0;
		r = ndpi_detection_giveup(c->ndpi, f->dpi, 1, &guessed);
	}
	take_result(c, f, r);
	ndpi_flow_free(f->dpi);
	f->dpi = NULL;
	f->class_state = ZL_CLASS_DONE;
}

int zl_classify_packet(struct zl_classifier *c, struct zl_flow *f,
		       const struct zl_pkt *p)
{
	uint64_t ms = p->ts_us / 1000;
	unsigned max;
	int enough;
	ndpi_protocol r;

	if (f->class_state == ZL_CLASS_DONE)
		return 0;
	f->dpi_packets++;
	max = f->key.proto == IPPROTO_TCP ? c->max_tcp :
	      f->key.proto == IPPROTO_UDP ? c->max_udp : 0;
	enough = max && f->dpi_packets > max;
	if (!f->dpi) {
		/* Header-only TCP before any payload: the flow table keeps
		 * what the replay needs, nDPI need not exist yet. */
		if (!c->eager && f->key.proto == IPPROTO_TCP &&
		    p->payload_len == 0 && !enough)
			return 0;
		if (state_new(c, f, ms, 0) < 0)
			return 0;
	}
	r = ndpi_detection_process_packet(c->ndpi, f->dpi, p->ip,
			(unsigned short)(p->ip_caplen > 65535 ? 65535 : p->ip_caplen), ms);
	if (!enough && r.app_protocol == NDPI_PROTOCOL_UNKNOWN)
		return 0;
	if (!enough && ndpi_extra_dissection_possible(c->ndpi, f->dpi)) {
		/* named already (TLS SNI, HTTP Host, QUIC) while nDPI looks
		 * further: say so once, so that policy acts at the first packet */
		if (f->named)
			return 0;
		take_result(c, f, r);
		f->named = 1;
		return 2;
	}
	finish(c, f, r);
	return 1;
}

void zl_classify_finish(struct zl_classifier *c, struct zl_flow *f)
{
	ndpi_protocol none = { 0, 0, 0 };

	if (f->class_state == ZL_CLASS_DONE)
		return;
	if (!f->dpi && state_new(c, f, f->last_us / 1000, 1) < 0)
		return;
	finish(c, f, none);
}

void zl_classify_release(struct zl_flow *f)
{
	if (f->dpi) {
		ndpi_flow_free(f->dpi);
		f->dpi = NULL;
	}
	free(f->host);
	f->host = NULL;
}

const char *zl_app_name(const struct zl_classifier *c, const struct zl_flow *f,
			char *buf, size_t len)
{
	ndpi_protocol r = { f->master_id, f->app_id, f->category };

	return ndpi_protocol2name(c->ndpi, r, buf, (u_int)len);
}

const char *zl_proto_name(const struct zl_classifier *c, uint16_t id)
{
	return ndpi_get_proto_name(c->ndpi, id);
}

const char *zl_category_name(const struct zl_classifier *c, uint16_t cat)
{
	const char *s = ndpi_category_get_name(c->ndpi, cat);
	return s ? s : "Unspecified";
}

const char *zl_confidence_name(int confidence)
{
	static const char *const names[] = {
		"unknown", "port", "ip", "cache", "dpi",
	};
	if (confidence < 0 || confidence > ZL_CONF_DPI)
		return "unknown";
	return names[confidence];
}

size_t zl_risk_names(uint64_t risk, const char **names, size_t max)
{
	size_t n = 0;
	int i;

	for (i = 1; i < 64 && n < max; i++)
		if (risk & (1ull << i))
			names[n++] = ndpi_risk2str((ndpi_risk_enum)i);
	return n;
}

int zl_risk_by_name(const char *name)
{
	int i;

	for (i = 1; i < NDPI_MAX_RISK; i++)
		if (!strcasecmp(name, ndpi_risk2str((ndpi_risk_enum)i)))
			return i;
	return -1;
}

const char *zl_risk_name(int risk)
{
	return risk > 0 && risk < NDPI_MAX_RISK ? ndpi_risk2str((ndpi_risk_enum)risk) : NULL;
}

int zl_risk_severity(int risk)
{
	ndpi_risk_info *ri = risk > 0 && risk < NDPI_MAX_RISK ?
			     ndpi_risk2severity((ndpi_risk_enum)risk) : NULL;

	if (!ri)
		return 1;
	switch (ri->severity) {
	case NDPI_RISK_LOW: return 1;
	case NDPI_RISK_MEDIUM: return 2;
	case NDPI_RISK_HIGH: return 3;
	default: return 4;
	}
}

/* Issue #11's default set: what matters on a government network. */
uint64_t zl_risk_incident_default(void)
{
	static const ndpi_risk_enum set[] = {
		NDPI_MALICIOUS_JA3, NDPI_MALICIOUS_SHA1_CERTIFICATE,
		NDPI_URL_POSSIBLE_SQL_INJECTION, NDPI_URL_POSSIBLE_XSS,
		NDPI_URL_POSSIBLE_RCE_INJECTION, NDPI_POSSIBLE_EXPLOIT,
		NDPI_SUSPICIOUS_DGA_DOMAIN, NDPI_BINARY_APPLICATION_TRANSFER,
		NDPI_CLEAR_TEXT_CREDENTIALS, NDPI_TLS_OBSOLETE_VERSION,
		NDPI_TLS_SELFSIGNED_CERTIFICATE, NDPI_TLS_CERTIFICATE_EXPIRED,
		NDPI_SMB_INSECURE_VERSION, NDPI_UNSAFE_PROTOCOL,
		NDPI_DESKTOP_OR_FILE_SHARING_SESSION,
	};
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		m |= 1ull << set[i];
	return m;
}

int zl_proto_by_name(const struct zl_classifier *c, const char *name)
{
	int id = ndpi_get_protocol_id(c->ndpi, (char *)name);
	return id < 0 ? -1 : id;
}

/* Case-insensitive edit distance, for "did you mean". */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned row[64], prev, tmp;

	if (lb >= 64 || la >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			unsigned sub = prev + (tolower((unsigned char)a[i - 1]) !=
					      tolower((unsigned char)b[j - 1]));
			tmp = row[j];
			row[j] = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			if (sub < row[j])
				row[j] = sub;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Keep the closest name within a third of its length. */
static void consider(const char *name, const char *cand, unsigned *best,
		     char *suggest, size_t len)
{
	unsigned d = edit_distance(name, cand);

	if (d < *best && d <= (strlen(name) + 2) / 3) {
		*best = d;
		snprintf(suggest, len, "%s", cand);
	}
}

int zl_app_known(const struct zl_classifier *c, const char *name,
		 char *suggest, size_t len)
{
	unsigned best = ~0u, i, n = ndpi_get_num_supported_protocols(c->ndpi);

	if (zl_proto_by_name(c, name) >= 0)
		return 1;
	if (suggest && len) {
		suggest[0] = 0;
		for (i = 0; i < n; i++) {
			const char *s = ndpi_get_proto_name(c->ndpi, (u_int16_t)i);
			if (s)
				consider(name, s, &best, suggest, len);
		}
	}
	return 0;
}

int zl_risk_known(const char *name, char *suggest, size_t len)
{
	unsigned best = ~0u;
	int i;

	if (zl_risk_by_name(name) >= 0)
		return 1;
	if (suggest && len) {
		suggest[0] = 0;
		for (i = 1; i < NDPI_MAX_RISK; i++)
			consider(name, ndpi_risk2str((ndpi_risk_enum)i), &best, suggest, len);
	}
	return 0;
}

static const char download_alias[] = "Download-FileTransfer-FileSharing";

int zl_category_known(const struct zl_classifier *c, const char *name,
		      char *suggest, size_t len)
{
	unsigned best = ~0u;
	int i;

	if (zl_category_by_name(c, name) >= 0)
		return 1;
	if (suggest && len) {
		suggest[0] = 0;
		consider(name, download_alias, &best, suggest, len);
		for (i = 0; i < NDPI_PROTOCOL_NUM_CATEGORIES; i++) {
			const char *s = ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)i);
			if (s && strncmp(s, "User custom", 11))
				consider(name, s, &best, suggest, len);
		}
	}
	return 0;
}

void zl_names_each(const struct zl_classifier *c, int categories,
		   void (*fn)(const char *name, void *ud), void *ud)
{
	unsigned i, n = ndpi_get_num_supported_protocols(c->ndpi);
	const char *s;

	if (categories) {
		fn(download_alias, ud);
		for (i = 0; i < NDPI_PROTOCOL_NUM_CATEGORIES; i++) {
			s = ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)i);
			if (s && *s && strncmp(s, "User custom", 11))
				fn(s, ud);
		}
		return;
	}
	for (i = 0; i < n; i++)
		if ((s = ndpi_get_proto_name(c->ndpi, (u_int16_t)i)) && *s)
			fn(s, ud);
}

int zl_category_by_name(const struct zl_classifier *c, const char *name)
{
	int i;

	if (!strcasecmp(name, download_alias))
		return NDPI_PROTOCOL_CATEGORY_DOWNLOAD_FT;
	for (i = 0; i < NDPI_PROTOCOL_NUM_CATEGORIES; i++) {
		const char *s = ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)i);
		if (s && !strcasecmp(s, name))
			return i;
	}
	return -1;
}
