/*
 * dnscheck.c - the site check's DNS: the host's AAAA through the system
 * resolver (getaddrinfo, as a browser finds it), and whether the zone's
 * name servers answer over IPv6 (libresolv finds them, then each is asked
 * directly over UDP on IPv6 with a timeout).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include "sitecheck-int.h"

#define MAX_NS 8

void zl_dns_aaaa(const char *host, struct zl_addrs *out)
{
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM }, *res, *a;
	unsigned char v4[4];
	int rc;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, v4) == 1) {   /* no look-up for a literal */
		snprintf(out->error, sizeof(out->error), "no AAAA record: %s is an IPv4 address", host);
		return;
	}
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc) {
		if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY)
			snprintf(out->error, sizeof(out->error), "no AAAA record for %s", host);
		else
			snprintf(out->error, sizeof(out->error), "%s: %s", host, gai_strerror(rc));
		return;
	}
	for (a = res; a && out->n < ZL_MAX_ADDRS; a = a->ai_next) {
		char s[INET6_ADDRSTRLEN];
		int dup = 0;
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, s, sizeof(s));
		for (int i = 0; i < out->n; i++)
			dup |= !strcmp(out->a[i], s);
		if (!dup)
			snprintf(out->a[out->n++], INET6_ADDRSTRLEN, "%s", s);
	}
	freeaddrinfo(res);
}

static int same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && !strncasecmp(a, b, la);
}

/* The zone: the nearest name at or above host that has NS records. */
static int find_ns(res_state st, const char *host, char *zone, size_t zlen,
		   char ns[MAX_NS][NS_MAXDNAME], int *n)
{
	unsigned char buf[4096];
	const char *name = host;

	*n = 0;
	while (name && *name) {
		int len = res_nquery(st, name, ns_c_in, ns_t_ns, buf, sizeof(buf));
		ns_msg m;
		if (len > 0 && ns_initparse(buf, len, &m) == 0) {
			for (int i = 0; i < ns_msg_count(m, ns_s_an) && *n < MAX_NS; i++) {
				ns_rr rr;
				/* the name's own NS: not those of a CNAME's target */
				if (ns_parserr(&m, ns_s_an, i, &rr) || ns_rr_type(rr) != ns_t_ns ||
				    !same_name(ns_rr_name(rr), name))
					continue;
				if (dn_expand(ns_msg_base(m), ns_msg_end(m), ns_rr_rdata(rr),
					      ns[*n], NS_MAXDNAME) > 0)
					(*n)++;
			}
			if (*n) {
				snprintf(zone, zlen, "%s", name);
				return 0;
			}
		}
		name = strchr(name, '.');
		if (name && strchr(name + 1, '.'))
			name++;
		else
			name = NULL;   /* not a top-level domain's servers */
	}
	return -1;
}

/* 1 when addr answers a query for zone's SOA (NOERROR or NXDOMAIN) */
static int ask(res_state st, const char *zone, const char *addr, long timeout_ms,
	       char *why, size_t wlen)
{
	unsigned char q[512], r[4096];
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	int qlen, fd, tries;

	if (inet_pton(AF_INET6, addr, &sa.sin6_addr) != 1)
		return 0;
	qlen = res_nmkquery(st, ns_o_query, zone, ns_c_in, ns_t_soa, NULL, 0, NULL, q, sizeof(q));
	if (qlen < 12) {
		snprintf(why, wlen, "cannot make a query");
		return 0;
	}
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(why, wlen, "%s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(why, wlen, "%s: no answer within %ld ms", addr, timeout_ms);
	for (tries = 0; tries < 2; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (send(fd, q, qlen, 0) != qlen) {
			snprintf(why, wlen, "%s: %s", addr, strerror(errno));
			break;
		}
		while (poll(&p, 1, (int)timeout_ms) == 1) {
			ssize_t n = recv(fd, r, sizeof(r), 0);
			if (n < 0) {   /* ICMPv6 unreachable, refused */
				snprintf(why, wlen, "%s: %s", addr, strerror(errno));
				close(fd);
				return 0;
			}
			if (n < 12 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80))
				continue;   /* not the answer to our question */
			int rcode = r[3] & 0x0f;
			close(fd);
			if (rcode == ns_r_noerror || rcode == ns_r_nxdomain)
				return 1;
			snprintf(why, wlen, "%s: answered with rcode %d", addr, rcode);
			return 0;
		}
	}
	close(fd);
	return 0;
}

void zl_dns_ns_check(const char *host, const struct zl_sitecheck_opts *o, struct zl_crit *c)
{
	struct __res_state st;
	char zone[NS_MAXDNAME], ns[MAX_NS][NS_MAXDNAME];
	int n = 0, with_aaaa = 0, answered = 0;
	json_t *servers = json_array();
	char first_fail[256] = "";

	memset(&st, 0, sizeof(st));
	c->detail = json_object();
	if (inet_pton(AF_INET, host, zone) == 1 || inet_pton(AF_INET6, host, zone) == 1) {
		c->ok = 0;
		snprintf(c->reason, sizeof(c->reason), "%s is an address: no zone to ask", host);
		json_decref(servers);
		return;
	}
	if (res_ninit(&st) < 0) {
		c->ok = 0;
		snprintf(c->reason, sizeof(c->reason), "the system resolver could not be set up");
		json_decref(servers);
		return;
	}
	st.retrans = o->dns_timeout_ms >= 1000 ? (int)(o->dns_timeout_ms / 1000) : 1;
	st.retry = 2;
	if (find_ns(&st, host, zone, sizeof(zone), ns, &n)) {
		c->ok = 0;
		snprintf(c->reason, sizeof(c->reason), "no NS records found for %.255s or above it", host);
		res_nclose(&st);
		json_decref(servers);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct zl_addrs a;
		json_t *addrs = json_array();
		char why[256] = "";
		int ok = 0;
		zl_dns_aaaa(ns[i], &a);
		if (a.n)
			with_aaaa++;
		else
			snprintf(why, sizeof(why), "%s", a.error);
		for (int k = 0; k < a.n; k++) {
			json_array_append_new(addrs, json_string(a.a[k]));
			if (!ok)
				ok = ask(&st, zone, a.a[k], o->dns_timeout_ms, why, sizeof(why));
		}
		if (ok) {
			answered++;
			why[0] = 0;
		} else if (!first_fail[0]) {
			snprintf(first_fail, sizeof(first_fail), "%.100s: %.150s", ns[i], why);
		}
		json_array_append_new(servers, json_pack("{s:s, s:o, s:b, s:s?}", "name", ns[i],
			"addresses", addrs, "answered", ok, "reason", ok ? NULL : why));
	}
	res_nclose(&st);
	c->ok = answered > 0;
	json_object_set_new(c->detail, "zone", json_string(zone));
	json_object_set_new(c->detail, "servers", servers);
	json_object_set_new(c->detail, "total", json_integer(n));
	json_object_set_new(c->detail, "with_aaaa", json_integer(with_aaaa));
	json_object_set_new(c->detail, "answered", json_integer(answered));
	snprintf(c->reason, sizeof(c->reason), "%d of %d name servers of %.200s answer over IPv6%s%.250s%s",
		 answered, n, zone, first_fail[0] ? " (" : "", first_fail, first_fail[0] ? ")" : "");
}
