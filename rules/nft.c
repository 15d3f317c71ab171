/*
 * nft.c - a flattened policy as an `nft -f` script. It replaces the table
 * `inet zhulan` in one transaction (declare, delete, define) and names no
 * other table. Used by `zhulanctl policy show --nft` and as the
 * benchmark's peer input; the kernel gets the same rules from libnftnl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "flat.h"
#include "kernel.h"

/* nft's day numbers: 0 is Sunday */
static const char *const day_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

static void set_name(const struct zl_set *s, int family, FILE *out)
{
	fprintf(out, "%s_v%d", s->name, family == AF_INET ? 4 : 6);
}

static void write_sets(const struct zl_policy *p, FILE *out)
{
	char buf[64];
	size_t i, j;

	for (i = 0; i < p->n_sets; i++) {
		const struct zl_set *s = &p->sets[i];
		int fam;
		for (fam = 0; fam < 2; fam++) {
			const struct zl_prefix *v = fam ? s->v6 : s->v4;
			size_t n = fam ? s->n_v6 : s->n_v4;
			fprintf(out, "\tset ");
			set_name(s, fam ? AF_INET6 : AF_INET, out);
			fprintf(out, " {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n",
				fam ? "ipv6_addr" : "ipv4_addr");
			if (n) {
				fprintf(out, "\t\telements = {");
				for (j = 0; j < n; j++) {
					zl_prefix_format(&v[j], buf, sizeof(buf));
					fprintf(out, "%s%s", j ? ", " : " ", buf);
				}
				fprintf(out, " }\n");
			}
			fprintf(out, "\t}\n");
		}
	}
	/* the behaviour sets, filled at run time (kernel_set.c) */
	fprintf(out, "\tset bh_pair_v4 {\n\t\ttype ipv4_addr . ipv4_addr . inet_service\n"
		"\t\tflags timeout\n\t}\n"
		"\tset bh_pair_v6 {\n\t\ttype ipv6_addr . ipv6_addr . inet_service\n"
		"\t\tflags timeout\n\t}\n");
	/* the limit rules' flows and meters (kernel_table.c) */
	for (i = 0; i < p->n_bh; i++) {
		int v6, up;
		if (p->bh[i].action != ZL_BH_LIMIT)
			continue;
		for (v6 = 0; v6 < 2; v6++) {
			const char *t = v6 ? "ipv6_addr . inet_service . ipv6_addr . inet_service" :
					     "ipv4_addr . inet_service . ipv4_addr . inet_service";
			fprintf(out, "\tset bh_lim%zu_v%d {\n\t\ttype %s\n\t\tflags timeout\n\t}\n",
				i, v6 ? 6 : 4, t);
			for (up = 0; up < 2; up++)
				fprintf(out, "\tset bh_meter%zu%c_v%d {\n\t\ttype %s\n\t\tsize 65535\n"
					"\t\tflags dynamic,timeout\n\t\ttimeout 60s\n\t}\n",
					i, up ? 'u' : 'd', v6 ? 6 : 4, t);
		}
	}
}

static void write_ep(const struct zl_flat_ep *e, int family, int src, FILE *out)
{
	const char *ip = family == AF_INET6 ? "ip6" : "ip";
	const char *dir = src ? "saddr" : "daddr";
	char buf[64];
	size_t i;

	if (e->zone) {
		fprintf(out, "%s {", src ? "iifname" : "oifname");
		for (i = 0; i < e->zone->n_ifaces; i++)
			fprintf(out, "%s\"%s\"", i ? ", " : " ", e->zone->ifaces[i].s);
		fprintf(out, " } ");
	}
	if (e->set) {
		fprintf(out, "%s %s @", ip, dir);
		set_name(e->set, family, out);
		fputc(' ', out);
	}
	if (e->prefix) {
		zl_prefix_format(e->prefix, buf, sizeof(buf));
		fprintf(out, "%s %s %s ", e->prefix->family == AF_INET6 ? "ip6" : "ip", dir, buf);
	}
}

/* The limit rules in chain behaviour, as kernel_table.c builds them. */
static void write_limits(const struct zl_policy *p, FILE *out)
{
	size_t i;
	int v6, up;

	for (i = 0; i < p->n_bh; i++) {
		unsigned long long bytes_s = p->bh[i].rate_bps / 8 ? p->bh[i].rate_bps / 8 : 1;
		unsigned long long burst = bytes_s / 8 > 16384 ? bytes_s / 8 : 16384;
		if (p->bh[i].action != ZL_BH_LIMIT)
			continue;
		for (v6 = 0; v6 < 2; v6++)
			for (up = 0; up < 2; up++) {
				const char *ip = v6 ? "ip6" : "ip", *a = up ? "daddr" : "saddr",
					   *b = up ? "saddr" : "daddr", *pa = up ? "dport" : "sport",
					   *pb = up ? "sport" : "dport";
				fprintf(out, "\t\t%s %s . th %s . %s %s . th %s @bh_lim%zu_v%d update "
					"@bh_meter%zu%c_v%d { %s %s . th %s . %s %s . th %s limit rate over "
					"%llu bytes/second burst %llu bytes } counter drop comment "
					"\"behaviour limit\"\n", ip, a, pa, ip, b, pb, i, v6 ? 6 : 4, i,
					up ? 'u' : 'd', v6 ? 6 : 4, ip, a, pa, ip, b, pb, bytes_s, burst);
			}
	}
}

static void write_hour(unsigned utc_s, long gmtoff_s, FILE *out)
{
	long s = ((long)utc_s + gmtoff_s) % 86400;

	if (s < 0)
		s += 86400;
	fprintf(out, "\"%02ld:%02ld:%02ld\"", s / 3600, s / 60 % 60, s % 60);
}

static void write_time(const struct zl_ktime *t, long gmtoff_s, FILE *out)
{
	int d, first = 1;

	fprintf(out, "meta day {");
	for (d = 0; d < 7; d++)
		if (t->days & (1u << d)) {
			fprintf(out, "%s\"%s\"", first ? " " : ", ", day_names[d]);
			first = 0;
		}
	fprintf(out, " } ");
	if (t->start_s == 0 && t->end_s == 86399)
		return;
	/* nft reads hours as local time and converts them to UTC itself */
	fprintf(out, "meta hour ");
	write_hour(t->start_s, gmtoff_s, out);
	fputc('-', out);
	write_hour(t->end_s, gmtoff_s, out);
	fputc(' ', out);
}

static void write_rule(const struct zl_flat_rule *fr, long gmtoff_s, int with_comment, FILE *out)
{
	const struct zl_rule *r = fr->src;
	const char *base = strrchr(r->loc.file, '/');
	size_t i;

	base = base ? base + 1 : r->loc.file;
	fprintf(out, "\t\t");
	if (fr->family && !fr->from.set && !fr->to.set && !fr->from.prefix && !fr->to.prefix)
		fprintf(out, "meta nfproto %s ", fr->family == AF_INET ? "ipv4" : "ipv6");
	write_ep(&fr->from, fr->family, 1, out);
	write_ep(&fr->to, fr->family, 0, out);
	if (fr->tcp_reset) {
		fprintf(out, "meta l4proto tcp ");
	} else if (r->n_protos) {
		fprintf(out, "meta l4proto {");
		for (i = 0; i < r->n_protos; i++)
			fprintf(out, "%s%u", i ? ", " : " ", r->protos[i]);
		fprintf(out, " } ");
	}
	if (r->n_ports) {
		fprintf(out, "th dport {");
		for (i = 0; i < r->n_ports; i++) {
			fprintf(out, "%s%u", i ? ", " : " ", r->ports[i].lo);
			if (r->ports[i].hi != r->ports[i].lo)
				fprintf(out, "-%u", r->ports[i].hi);
		}
		fprintf(out, " } ");
	}
	if (fr->timed)
		write_time(&fr->time, gmtoff_s, out);
	fprintf(out, "counter ");
	if (r->log && with_comment)
		fprintf(out, "log prefix \"zhulan %s:%d \" ", base, r->loc.line);
	else if (r->log)
		fprintf(out, "log ");
	switch (r->action) {
	case ZL_PASS: fprintf(out, "accept "); break;
	case ZL_BLOCK: fprintf(out, "drop "); break;
	case ZL_REJECT:
		fprintf(out, fr->tcp_reset ? "reject with tcp reset " :
					     "reject with icmpx type admin-prohibited ");
		break;
	}
	if (with_comment)
		fprintf(out, "comment \"%s:%d\"\n", base, r->loc.line);
}

char *zl_flat_rule_nft(const struct zl_flat_rule *fr)
{
	time_t now = time(NULL);
	struct tm tm;
	char *buf = NULL, *s, *e;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	localtime_r(&now, &tm);
	write_rule(fr, tm.tm_gmtoff, 0, fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	/* without the leading tabs and the trailing blank */
	for (s = buf; *s == '\t'; s++)
		;
	memmove(buf, s, strlen(s) + 1);
	for (e = buf + strlen(buf); e > buf && (e[-1] == ' ' || e[-1] == '\n'); e--)
		e[-1] = 0;
	return buf;
}

int zl_flat_write_nft(const struct zl_flat *f, FILE *out)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t i, j;

	localtime_r(&now, &tm);
	fprintf(out, "# generated by zhulan from %s: the whole table inet zhulan\n"
		"table inet zhulan\ndelete table inet zhulan\n"
		"table inet zhulan {\n", f->policy->file);
	write_sets(f->policy, out);
	/* blocked client/server pairs, both ways (kernel_table.c) */
	fprintf(out, "\tchain behaviour {\n\t\ttype filter hook forward priority filter - 5; "
		"policy accept;\n");
	for (i = 0; i < 4; i++) {
		const char *ip = i < 2 ? "ip" : "ip6", *set = i < 2 ? "bh_pair_v4" : "bh_pair_v6";
		int rev = i % 2;
		fprintf(out, "\t\t%s %s . %s %s . tcp %s @%s counter reject with tcp reset "
			"comment \"behaviour\"\n", ip, rev ? "daddr" : "saddr", ip,
			rev ? "saddr" : "daddr", rev ? "sport" : "dport", set);
		fprintf(out, "\t\t%s %s . %s %s . th %s @%s counter drop comment \"behaviour\"\n",
			ip, rev ? "daddr" : "saddr", ip, rev ? "saddr" : "daddr",
			rev ? "sport" : "dport", set);
	}
	write_limits(f->policy, out);
	fprintf(out, "\t}\n");
	for (i = 0; i < f->n_chains; i++) {
		const struct zl_flat_chain *c = &f->chains[i];
		const char *hook = zl_hook_name(c->filter->hook);
		fprintf(out, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy %s;\n",
			hook, hook, c->filter->policy == ZL_PASS ? "accept" : "drop");
		/* Replies and related traffic pass, broken packets never do; the
		 * gateway talks to itself over loopback whatever the policy. */
		fprintf(out, "\t\tct state established,related accept\n");
		/* Zhulan's own resets, then neighbour discovery: see kernel_table.c */
		if (c->filter->hook == ZL_OUTPUT)
			fprintf(out, "\t\tmeta mark 0x%08x accept\n", ZL_KERNEL_MARK);
		if (c->filter->hook == ZL_INPUT)
			fprintf(out, "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, "
				"nd-neighbor-advert } accept\n");
		if (c->filter->hook == ZL_OUTPUT)
			fprintf(out, "\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, "
				"nd-neighbor-advert } accept\n");
		fprintf(out, "\t\tct state invalid drop\n");
		if (c->filter->hook == ZL_INPUT)
			fprintf(out, "\t\tiif \"lo\" accept\n");
		if (c->filter->hook == ZL_OUTPUT)
			fprintf(out, "\t\toif \"lo\" accept\n");
		for (j = 0; j < c->n; j++)
			write_rule(&c->rules[j], tm.tm_gmtoff, 1, out);
		fprintf(out, "\t}\n");
	}
	fprintf(out, "}\n");
	return ferror(out) ? -1 : 0;
}
