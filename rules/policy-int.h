/*
 * policy-int.h - what lexer.l, parser.y, build.c, check.c, policy.c and
 * diag.c share while a policy is read. Not an interface: callers include
 * policy.h only.
 */
#ifndef ZL_POLICY_INT_H
#define ZL_POLICY_INT_H

#include <stdarg.h>
#include <stdio.h>

#include "policy.h"

/*
 * Everything a policy holds comes from one arena, freed at once by
 * zl_policy_free. The parser's values live there too, so a syntax error
 * that abandons half a rule leaks nothing and needs no %destructor.
 */
struct zl_arena;
struct zl_arena *zl_arena_new(void);
void zl_arena_free(struct zl_arena *a);
void *zl_alloc(struct zl_arena *a, size_t n);          /* zeroed */
char *zl_strndup(struct zl_arena *a, const char *s, size_t n);
char *zl_strdup(struct zl_arena *a, const char *s);

/* A growable array in the arena; old storage is left for the arena. */
struct zl_vec {
	void *v;
	size_t n, cap;
};
void *zl_vec_push(struct zl_arena *a, struct zl_vec *vec, size_t size);
#define ZL_PUSH(c, vec, type) ((type *)zl_vec_push((c)->a, (vec), sizeof(type)))
/* Append src's elements to dst. */
void zl_vec_cat(struct zl_arena *a, struct zl_vec *dst, const struct zl_vec *src, size_t size);

/* The parser's location type (%define api.location.type). */
struct zl_yyltype {
	int first_line, first_column;
	int last_line, last_column;
};

/* A rule's options, in any order, each at most once. */
enum zl_opt { ZL_OPT_LOG, ZL_OPT_PROTO, ZL_OPT_FROM, ZL_OPT_TO, ZL_OPT_PORT,
	      ZL_OPT_DURING, ZL_OPT_RATE };

/* One rule being read (filter or behaviour). */
struct zl_ropts {
	struct zl_loc loc;
	int bh;                           /* a behaviour rule */
	int action;                       /* enum zl_action or zl_bh_action */
	unsigned seen;                    /* 1 << enum zl_opt */
	int last_opt;                     /* enum zl_opt, or -1 */
	int proto_bad;                    /* a protocol was rejected */
	int log;
	struct zl_vec protos, ports, from, to, names;
	int object;
	struct zl_name during;
	struct zl_loc port_loc, rate_loc;
	uint64_t rate_bps;
};

/* Open braces whose line the lexer remembers, for "not closed" hints. */
#define ZL_MAX_BRACES 32

/* Where a diagnostic sorts: its own position, or its set's definition. */
struct zl_dkey {
	int line, col;
	size_t seq;
};

/* The state of one parse. */
struct zl_pctx {
	struct zl_arena *a;
	struct zl_diag *diags;
	const struct zl_policy_hooks *hooks;
	const char *file;                 /* arena copy of the path */
	const char *dir;                  /* set files are relative to this */
	int errors, syntax_errors;
	int desync;                       /* a '}' went missing: rules may be misplaced */

	/* the lexer's position and its last two tokens, for messages */
	int line, col;
	int tok, prev_tok;
	int kw, prev_kw;                  /* the latest keyword, and the one before */
	char tok_text[48], prev_text[48];
	int brace_line[ZL_MAX_BRACES];
	int depth;

	/* what is being built */
	struct zl_vec zones, sets, schedules, filters, bh;
	struct zl_loc bh_loc;
	struct zl_ropts rule;
	struct zl_filter filter;          /* the filter being read */
	struct zl_vec rules;
	struct zl_vec unreadable;         /* of size_t: sets whose file failed */

	/* the incidents section */
	struct zl_incidents_conf inc;
	struct zl_vec inc_suppress, inc_thresholds, inc_routers, inc_macs;
	struct zl_vec inc_add, inc_remove, inc_threats;
	int inc_pending, inc_depth;       /* the lexer: ';' separates items in it */
	int section;                      /* T_INCIDENTS or T_IPV6: the section inc_depth is in */

	/* the ipv6 section */
	struct zl_ipv6_conf v6;
	struct zl_vec v6_sites, v6_internal;

	/* diagnostics are sorted by these keys once the parse is done */
	size_t diag_first;
	struct zl_vec keys;               /* of struct zl_dkey */
	int key_line, key_col;            /* set while a set file is read */
};

/*
 * Diagnostics at a position in the policy file. Every message of a parse
 * goes through zl_report (diag.c), which counts errors and records where
 * the message sorts.
 */
void zl_err(struct zl_pctx *c, const struct zl_loc *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void zl_warn(struct zl_pctx *c, const struct zl_loc *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void zl_report(struct zl_pctx *c, enum zl_severity sev, const char *file, int line, int col,
	       const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
struct zl_loc zl_at(const struct zl_pctx *c, const struct zl_yyltype *l);

/* The column of 'at' in 'line', counting characters from 1. */
int zl_column(const char *line, const char *at);

/* "Did you mean": feed candidates, read back the closest, or NULL. */
struct zl_near {
	const char *word;
	const char *best;
	int dist;
};
void zl_near_init(struct zl_near *n, const char *word);
void zl_near_try(struct zl_near *n, const char *cand);

/* lexer.l: run the parser over a file or a buffer. */
int zl_lex_parse(struct zl_pctx *c, FILE *fp, const char *buf, size_t len);

/* build.c: what the grammar's actions call. */
struct zl_vec *zl_vec_new(struct zl_pctx *c);
void zl_b_zone(struct zl_pctx *c, char *name, const struct zl_yyltype *l, struct zl_vec *ifaces);
void zl_b_name(struct zl_pctx *c, struct zl_vec *v, char *s, const struct zl_yyltype *l);
void zl_b_addr(struct zl_pctx *c, struct zl_vec *v, char *text, const struct zl_yyltype *l);
void zl_b_set(struct zl_pctx *c, char *name, const struct zl_yyltype *l, struct zl_vec *addrs);
void zl_b_set_file(struct zl_pctx *c, char *name, const struct zl_yyltype *l,
		   char *path, const struct zl_yyltype *pl);
unsigned zl_b_days(struct zl_pctx *c, char *from, const struct zl_yyltype *fl,
		   char *to, const struct zl_yyltype *tl);
void zl_b_span(struct zl_pctx *c, struct zl_vec *v, unsigned days,
	       char *start, const struct zl_yyltype *sl, char *end, const struct zl_yyltype *el);
void zl_b_schedule(struct zl_pctx *c, char *name, const struct zl_yyltype *l, struct zl_vec *spans);
void zl_b_endpoint(struct zl_pctx *c, struct zl_vec *v, int type, char *text,
		   const struct zl_yyltype *l);
void zl_b_proto(struct zl_pctx *c, struct zl_vec *v, char *name, char *num,
		const struct zl_yyltype *l);
void zl_b_port(struct zl_pctx *c, struct zl_vec *v, char *lo, const struct zl_yyltype *ll,
	       char *hi, const struct zl_yyltype *hl);
void zl_b_domain(struct zl_pctx *c, struct zl_vec *v, char *s, const struct zl_yyltype *l);
void zl_b_filter_begin(struct zl_pctx *c, int hook, int policy, const struct zl_yyltype *l);
void zl_b_filter_end(struct zl_pctx *c);
void zl_b_rule_begin(struct zl_pctx *c, int bh, int action, const struct zl_yyltype *l);
/* v: the option's list, if it has one */
void zl_b_opt(struct zl_pctx *c, enum zl_opt opt, const struct zl_yyltype *l, struct zl_vec *v);
void zl_b_during(struct zl_pctx *c, const struct zl_yyltype *kl, char *name,
		 const struct zl_yyltype *l);
void zl_b_rate(struct zl_pctx *c, const struct zl_yyltype *kl, char *num,
	       const struct zl_yyltype *l, uint64_t unit);
void zl_b_bh_object(struct zl_pctx *c, int object, struct zl_vec *names);
void zl_b_rule_end(struct zl_pctx *c);
void zl_b_bh_begin(struct zl_pctx *c, const struct zl_yyltype *l);

/* incidents.c: the incidents section's builders and checks. */
void zl_b_inc_begin(struct zl_pctx *c, const struct zl_yyltype *l);
void zl_b_inc_suppress(struct zl_pctx *c, const struct zl_yyltype *l, char *type,
		       char *risk, const struct zl_yyltype *rl);
void zl_b_inc_side(struct zl_pctx *c, int to, const struct zl_yyltype *l, struct zl_vec *v);
void zl_b_inc_threshold(struct zl_pctx *c, char *type, const struct zl_yyltype *tl,
			char *count, const struct zl_yyltype *cl, char *in,
			const struct zl_yyltype *il, char *win, const struct zl_yyltype *wl,
			char *unit, const struct zl_yyltype *ul);
void zl_b_inc_dedup(struct zl_pctx *c, const struct zl_yyltype *l, char *win,
		    const struct zl_yyltype *wl, char *unit, const struct zl_yyltype *ul);
void zl_b_inc_router(struct zl_pctx *c, char *text, const struct zl_yyltype *l);
void zl_b_inc_risks(struct zl_pctx *c, char *verb, const struct zl_yyltype *l, struct zl_vec *names);
void zl_b_inc_threats(struct zl_pctx *c, const struct zl_yyltype *l, struct zl_vec *v);
void zl_b_inc_end(struct zl_pctx *c, struct zl_policy *p);
void zl_check_incidents(struct zl_pctx *c, struct zl_policy *p);
void zl_resolve_side(struct zl_pctx *c, const struct zl_policy *p, struct zl_side *s);

/* ipv6.c: the ipv6 section's builders and checks. */
void zl_b_v6_begin(struct zl_pctx *c, const struct zl_yyltype *l);
void zl_b_v6_sites(struct zl_pctx *c, const struct zl_yyltype *l);
void zl_b_v6_site(struct zl_pctx *c, char *url, const struct zl_yyltype *l);
void zl_b_v6_internal(struct zl_pctx *c, const struct zl_yyltype *l, struct zl_vec *v);
void zl_b_v6_end(struct zl_pctx *c, struct zl_policy *p);
void zl_check_ipv6(struct zl_pctx *c, struct zl_policy *p);

/* policy.c: read a set file; check.c: the whole-policy checks. */
int zl_read_set_file(struct zl_pctx *c, const char *path, struct zl_vec *addrs);
void zl_check(struct zl_pctx *c, struct zl_policy *p);

#endif
