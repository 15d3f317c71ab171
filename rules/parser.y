/*
 * parser.y - the policy grammar. Actions hand each value to a builder in
 * build.c, which checks it where it was written; names are resolved by
 * check.c once the whole file is read. Syntax errors are worded for the
 * person who wrote the policy, not from bison's token lists (see
 * yyreport_syntax_error), and recovery resumes at the next rule, the next
 * '}' or the next definition so that one run reports several errors.
 */
%code requires {
#include "policy-int.h"
}

%code {
#include <string.h>

int zl_policy_yylex(ZL_POLICY_YYSTYPE *lval, struct zl_yyltype *lloc, void *scanner);
static void yyerror(struct zl_yyltype *l, void *scanner, struct zl_pctx *ctx, const char *msg);
}

%define api.prefix {zl_policy_yy}
%define api.pure full
%define api.location.type {struct zl_yyltype}
%define parse.error custom
%define parse.lac full
%locations
%lex-param {void *scanner}
%parse-param {void *scanner} {struct zl_pctx *ctx}

%union {
	char *str;
	long num;
	struct zl_vec *vec;
}

%token <str> T_NAME "name" T_SETREF "$set" T_STRING "string" T_ADDR "address"
%token <str> T_NUMBER "number" T_TIME "time"
%token T_BAD "bad character"
%token T_LBRACE "{" T_RBRACE "}" T_COMMA "," T_DASH "-" T_SEMI ";"
/* Keywords: T_ZONE first and T_BEHAVIOUR last (lexer.l and the error
 * messages rely on it); messages list them in this order. */
%token T_ZONE "zone" T_INTERFACE "interface" T_SET "set" T_FILE "file"
%token T_SCHEDULE "schedule" T_FILTER "filter"
%token T_FORWARD "forward" T_INPUT "input" T_OUTPUT "output"
%token T_DEFAULT "default" T_ACCEPT "accept" T_DROP "drop"
%token T_PASS "pass" T_BLOCK "block" T_REJECT "reject"
%token T_ALLOW "allow" T_AUDIT "audit" T_LIMIT "limit"
%token T_FROM "from" T_TO "to" T_PROTO "proto" T_PORT "port" T_DURING "during"
%token T_RATE "rate" T_LOG "log" T_KBIT "kbit" T_MBIT "mbit" T_GBIT "gbit"
%token T_APP "app" T_CATEGORY "category" T_DOMAIN "domain" T_ALL "all"
%token T_ANY "any" T_SELF "self"
%token T_INCIDENTS "incidents" T_SUPPRESS "suppress" T_THRESHOLD "threshold" T_DEDUP "dedup"
%token T_ROUTERS "routers" T_RISK "risk" T_BLOCKLIST "blocklist"
%token T_IPV6 "ipv6" T_SITES "sites" T_INTERNAL "internal"
%token T_BEHAVIOUR "behaviour"
%token T_HOST "host" T_PERSON "person" T_DEPARTMENT "department"

%type <num> hook verdict days day unit
%type <vec> zone_items addrs addrs_opt spans side ep eps
%type <vec> protos proto proto_list ports port port_list names name domains domain
%type <str> unit_opt

%%

file:	  %empty
	| file stmt
	;

stmt:	  zone_def
	| set_def
	| sched_def
	| filter_def
	| bh_def
	| inc_def
	| v6_def
	| error
	;

/* After an error, the start of a definition or rule is safe ground:
 * report the next error at once. */
zone_kw:  T_ZONE	{ yyerrok; } ;
set_kw:	  T_SET		{ yyerrok; } ;
sched_kw: T_SCHEDULE	{ yyerrok; } ;
filter_kw: T_FILTER	{ yyerrok; } ;
bh_kw:	  T_BEHAVIOUR	{ yyerrok; zl_b_bh_begin(ctx, &@1); } ;
inc_kw:	  T_INCIDENTS	{ yyerrok; zl_b_inc_begin(ctx, &@1); } ;
v6_kw:	  T_IPV6	{ yyerrok; zl_b_v6_begin(ctx, &@1); } ;

zone_def: zone_kw T_NAME T_LBRACE zone_items T_RBRACE	{ zl_b_zone(ctx, $2, &@2, $4); }
	| zone_kw T_NAME T_LBRACE error T_RBRACE	{ yyerrok; }
	;

zone_items: T_INTERFACE T_NAME	{ $$ = zl_vec_new(ctx); zl_b_name(ctx, $$, $2, &@2); }
	| zone_items T_COMMA T_NAME	{ $$ = $1; zl_b_name(ctx, $$, $3, &@3); }
	| zone_items T_INTERFACE T_NAME	{ $$ = $1; zl_b_name(ctx, $$, $3, &@3); }
	;

set_def: set_kw T_NAME T_LBRACE addrs_opt T_RBRACE	{ zl_b_set(ctx, $2, &@2, $4); }
	| set_kw T_NAME T_LBRACE error T_RBRACE		{ yyerrok; }
	| set_kw T_NAME T_FILE T_STRING			{ zl_b_set_file(ctx, $2, &@2, $4, &@4); }
	;

addrs_opt: %empty		{ $$ = zl_vec_new(ctx); }
	| addrs
	| addrs T_COMMA
	;

addrs:	  T_ADDR		{ $$ = zl_vec_new(ctx); zl_b_addr(ctx, $$, $1, &@1); }
	| addrs T_COMMA T_ADDR	{ $$ = $1; zl_b_addr(ctx, $$, $3, &@3); }
	;

sched_def: sched_kw T_NAME T_LBRACE spans T_RBRACE	{ zl_b_schedule(ctx, $2, &@2, $4); }
	| sched_kw T_NAME T_LBRACE T_RBRACE		{ zl_b_schedule(ctx, $2, &@2, NULL); }
	| sched_kw T_NAME T_LBRACE error T_RBRACE	{ yyerrok; }
	;

spans:	  days T_TIME T_DASH T_TIME
		{ $$ = zl_vec_new(ctx); zl_b_span(ctx, $$, (unsigned)$1, $2, &@2, $4, &@4); }
	| spans T_COMMA days T_TIME T_DASH T_TIME
		{ $$ = $1; zl_b_span(ctx, $$, (unsigned)$3, $4, &@4, $6, &@6); }
	;

/* 0 after an error, already reported */
days:	  day
	| days T_COMMA day	{ $$ = $1 && $3 ? $1 | $3 : 0; }
	;

day:	  T_NAME		{ $$ = zl_b_days(ctx, $1, &@1, NULL, NULL); }
	| T_NAME T_DASH T_NAME	{ $$ = zl_b_days(ctx, $1, &@1, $3, &@3); }
	;

filter_def: filter_kw hook T_DEFAULT verdict
		{ zl_b_filter_begin(ctx, (int)$2, (int)$4, &@1); }
	  T_LBRACE rules T_RBRACE
		{ zl_b_filter_end(ctx); }
	;

hook:	  T_FORWARD	{ $$ = ZL_FORWARD; }
	| T_INPUT	{ $$ = ZL_INPUT; }
	| T_OUTPUT	{ $$ = ZL_OUTPUT; }
	;

verdict:  T_ACCEPT	{ $$ = ZL_PASS; }
	| T_DROP	{ $$ = ZL_BLOCK; }
	;

rules:	  %empty
	| rules rule
	| rules error
	;

rule:	  action opts	{ zl_b_rule_end(ctx); }
	;

action:	  T_PASS	{ yyerrok; zl_b_rule_begin(ctx, 0, ZL_PASS, &@1); }
	| T_BLOCK	{ yyerrok; zl_b_rule_begin(ctx, 0, ZL_BLOCK, &@1); }
	| T_REJECT	{ yyerrok; zl_b_rule_begin(ctx, 0, ZL_REJECT, &@1); }
	;

opts:	  %empty
	| opts opt
	;

opt:	  T_LOG			{ zl_b_opt(ctx, ZL_OPT_LOG, &@1, NULL); }
	| T_PROTO protos	{ zl_b_opt(ctx, ZL_OPT_PROTO, &@1, $2); }
	| T_FROM side		{ zl_b_opt(ctx, ZL_OPT_FROM, &@1, $2); }
	| T_TO side		{ zl_b_opt(ctx, ZL_OPT_TO, &@1, $2); }
	| T_PORT ports		{ zl_b_opt(ctx, ZL_OPT_PORT, &@1, $2); }
	| T_DURING T_NAME	{ zl_b_during(ctx, &@1, $2, &@2); }
	;

/* An empty list is 'any'. */
side:	  T_ANY				{ $$ = zl_vec_new(ctx); }
	| ep
	| T_LBRACE eps T_RBRACE		{ $$ = $2; }
	| T_LBRACE eps T_COMMA T_RBRACE	{ $$ = $2; }
	| T_LBRACE error T_RBRACE	{ yyerrok; $$ = zl_vec_new(ctx); }
	;

eps:	  ep
	| eps T_COMMA ep	{ $$ = $1; zl_vec_cat(ctx->a, $$, $3, sizeof(struct zl_endpoint)); }
	;

ep:	  T_NAME	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_ZONE, $1, &@1); }
	| T_SETREF	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_SET, $1, &@1); }
	| T_ADDR	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_PREFIX, $1, &@1); }
	| T_SELF	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_SELF, NULL, &@1); }
	| T_HOST T_STRING	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_HOST, $2, &@1); }
	| T_PERSON T_STRING	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_PERSON, $2, &@1); }
	| T_DEPARTMENT T_STRING	{ $$ = zl_vec_new(ctx); zl_b_endpoint(ctx, $$, ZL_EP_DEPARTMENT, $2, &@1); }
	;

protos:	  proto
	| T_LBRACE proto_list T_RBRACE		{ $$ = $2; }
	| T_LBRACE proto_list T_COMMA T_RBRACE	{ $$ = $2; }
	| T_LBRACE error T_RBRACE		{ yyerrok; $$ = zl_vec_new(ctx); }
	;

proto_list: proto
	| proto_list T_COMMA proto	{ $$ = $1; zl_vec_cat(ctx->a, $$, $3, 1); }
	;

proto:	  T_NAME	{ $$ = zl_vec_new(ctx); zl_b_proto(ctx, $$, $1, NULL, &@1); }
	| T_NUMBER	{ $$ = zl_vec_new(ctx); zl_b_proto(ctx, $$, NULL, $1, &@1); }
	;

ports:	  port
	| T_LBRACE port_list T_RBRACE		{ $$ = $2; }
	| T_LBRACE port_list T_COMMA T_RBRACE	{ $$ = $2; }
	| T_LBRACE error T_RBRACE		{ yyerrok; $$ = zl_vec_new(ctx); }
	;

port_list: port
	| port_list T_COMMA port	{ $$ = $1; zl_vec_cat(ctx->a, $$, $3, sizeof(struct zl_portrange)); }
	;

port:	  T_NUMBER		{ $$ = zl_vec_new(ctx); zl_b_port(ctx, $$, $1, &@1, NULL, NULL); }
	| T_NUMBER T_DASH T_NUMBER
		{ $$ = zl_vec_new(ctx); zl_b_port(ctx, $$, $1, &@1, $3, &@3); }
	;

bh_def:	  bh_kw T_LBRACE bh_rules T_RBRACE
	;

bh_rules: %empty
	| bh_rules bh_rule
	| bh_rules error
	;

bh_rule:  bh_action bh_object bh_opts	{ zl_b_rule_end(ctx); }
	;

bh_action: T_BLOCK	{ yyerrok; zl_b_rule_begin(ctx, 1, ZL_BH_BLOCK, &@1); }
	| T_ALLOW	{ yyerrok; zl_b_rule_begin(ctx, 1, ZL_BH_ALLOW, &@1); }
	| T_AUDIT	{ yyerrok; zl_b_rule_begin(ctx, 1, ZL_BH_AUDIT, &@1); }
	| T_LIMIT	{ yyerrok; zl_b_rule_begin(ctx, 1, ZL_BH_LIMIT, &@1); }
	;

bh_object: T_APP names		{ zl_b_bh_object(ctx, ZL_BH_APP, $2); }
	| T_CATEGORY names	{ zl_b_bh_object(ctx, ZL_BH_CATEGORY, $2); }
	| T_DOMAIN domains	{ zl_b_bh_object(ctx, ZL_BH_DOMAIN, $2); }
	| T_ALL			{ zl_b_bh_object(ctx, ZL_BH_ALL, NULL); }
	;

names:	  name
	| names T_COMMA name	{ $$ = $1; zl_vec_cat(ctx->a, $$, $3, sizeof(struct zl_name)); }
	;

/* Quotes let a name start with a digit, as nDPI's "1kxun" does. */
name:	  T_NAME	{ $$ = zl_vec_new(ctx); zl_b_name(ctx, $$, $1, &@1); }
	| T_STRING	{ $$ = zl_vec_new(ctx); zl_b_name(ctx, $$, $1, &@1); }
	;

domains:  domain
	| domains T_COMMA domain	{ $$ = $1; zl_vec_cat(ctx->a, $$, $3, sizeof(struct zl_name)); }
	;

domain:	  T_STRING	{ $$ = zl_vec_new(ctx); zl_b_domain(ctx, $$, $1, &@1); }
	| T_NAME	{ $$ = zl_vec_new(ctx); zl_b_domain(ctx, $$, $1, &@1); }
	;

bh_opts:  %empty
	| bh_opts bh_opt
	;

bh_opt:	  T_FROM side			{ zl_b_opt(ctx, ZL_OPT_FROM, &@1, $2); }
	| T_DURING T_NAME		{ zl_b_during(ctx, &@1, $2, &@2); }
	| T_RATE T_NUMBER unit		{ zl_b_rate(ctx, &@1, $2, &@2, (uint64_t)$3); }
	;

unit:	  T_KBIT	{ $$ = 1000L; }
	| T_MBIT	{ $$ = 1000000L; }
	| T_GBIT	{ $$ = 1000000000L; }
	;

/* incidents { suppress scan from $vuln_scanners; threshold bruteforce 10 in 5m; dedup 2h;
 *             routers { fe80::1 }; risk add "Weak TLS Cipher"; blocklist $cc } */
inc_def:  inc_kw T_LBRACE inc_items T_RBRACE
	;

inc_items: %empty
	| inc_items inc_item
	| inc_items T_SEMI
	| inc_items error
	;

inc_item: inc_suppress inc_opts
	| T_THRESHOLD T_NAME T_NUMBER T_NAME T_NUMBER unit_opt
		{ yyerrok; zl_b_inc_threshold(ctx, $2, &@2, $3, &@3, $4, &@4, $5, &@5, $6, &@6); }
	| T_DEDUP T_NUMBER unit_opt	{ yyerrok; zl_b_inc_dedup(ctx, &@1, $2, &@2, $3, &@3); }
	| T_ROUTERS T_LBRACE routers_opt T_RBRACE	{ yyerrok; }
	| T_RISK T_NAME names		{ yyerrok; zl_b_inc_risks(ctx, $2, &@2, $3); }
	| T_BLOCKLIST side		{ yyerrok; zl_b_inc_threats(ctx, &@1, $2); }
	;

inc_suppress: T_SUPPRESS T_RISK T_STRING
		{ yyerrok; zl_b_inc_suppress(ctx, &@1, (char *)"risk", $3, &@3); }
	| T_SUPPRESS T_RISK	{ yyerrok; zl_b_inc_suppress(ctx, &@1, (char *)"risk", NULL, NULL); }
	| T_SUPPRESS T_NAME	{ yyerrok; zl_b_inc_suppress(ctx, &@2, $2, NULL, NULL); }
	;

inc_opts: %empty
	| inc_opts T_FROM side		{ zl_b_inc_side(ctx, 0, &@2, $3); }
	| inc_opts T_TO side		{ zl_b_inc_side(ctx, 1, &@2, $3); }
	;

unit_opt: %empty	{ $$ = NULL; }
	| T_NAME
	;

routers_opt: %empty
	| routers
	| routers T_COMMA
	;

routers:  T_ADDR		{ zl_b_inc_router(ctx, $1, &@1); }
	| routers T_COMMA T_ADDR	{ zl_b_inc_router(ctx, $3, &@3); }
	;

/* ipv6 { sites { "https://www.example.gov.cn/", ... }; internal $servers, 2001:db8::/48 } */
v6_def:	  v6_kw T_LBRACE v6_items T_RBRACE
	;

v6_items: %empty
	| v6_items v6_item
	| v6_items T_SEMI	{ yyerrok; }
	| v6_items error
	;

v6_item:  v6_sites T_LBRACE urls_opt T_RBRACE	{ yyerrok; }
	| v6_internal eps		{ yyerrok; zl_b_v6_internal(ctx, &@1, $2); }
	;

/* After an error, 'sites' and 'internal' are safe ground too. */
v6_sites: T_SITES	{ yyerrok; zl_b_v6_sites(ctx, &@1); } ;
v6_internal: T_INTERNAL	{ yyerrok; } ;

urls_opt: %empty
	| urls
	| urls T_COMMA
	;

urls:	  T_STRING		{ zl_b_v6_site(ctx, $1, &@1); }
	| urls T_COMMA T_STRING	{ zl_b_v6_site(ctx, $3, &@3); }
	;

%%

static void yyerror(struct zl_yyltype *l, void *scanner, struct zl_pctx *ctx, const char *msg)
{
	struct zl_loc at = zl_at(ctx, l);

	(void)scanner;
	ctx->syntax_errors++;
	zl_err(ctx, &at, "%s", msg);
}

/* What a value in this place is, by the keyword it follows. */
static const char *value_phrase(const struct zl_pctx *c, const unsigned char *has)
{
	switch (c->prev_tok) {      /* address-book subjects name what follows */
	case T_HOST:
		return "a host name in quotes (from the address book)";
	case T_PERSON:
		return "a person's name in quotes (from the address book)";
	case T_DEPARTMENT:
		return "a department in quotes (from the address book)";
	}
	switch (c->prev_kw) {
	case T_FROM:
	case T_TO:
		return has[YYSYMBOL_T_ANY] ? "a zone, $set, address, 'any' or 'self'"
					   : "a zone, $set, address or 'self'";
	case T_PROTO:
		return "a protocol (tcp, udp, icmp, icmpv6, sctp, esp, ah, gre or a number)";
	case T_PORT:
		return "a port number or range (like 1000-2000)";
	case T_DURING:
		return "a schedule name";
	case T_ZONE:
		return "a name for the zone";
	case T_INTERFACE:
		return "an interface name";
	case T_SET:
		return c->prev_tok == T_SET ? "a name for the set" : "an address or prefix";
	case T_FILE:
		return "a file name in quotes";
	case T_SCHEDULE:
		if (c->prev_tok == T_SCHEDULE)
			return "a name for the schedule";
		if (has[YYSYMBOL_T_TIME])
			return c->prev_tok == T_NAME ? "a time range (like 08:30-12:00)"
						     : "a time (like 12:00)";
		return "a day (mon, tue, wed, thu, fri, sat or sun)";
	case T_APP:
		return "an application name";
	case T_CATEGORY:
		return "a category name";
	case T_DOMAIN:
		return "a domain in quotes (like \"*.example.com\")";
	case T_RATE:
		return "a number";
	case T_SUPPRESS:
		return "an incident type (scan, bruteforce, rogue-ra, rogue-dhcp, blocklist)";
	case T_THRESHOLD:
		return c->prev_tok == T_THRESHOLD ? "scan, bruteforce or violation"
			: "a count, 'in' and a window (like 'threshold bruteforce 10 in 5m')";
	case T_DEDUP:
		return "a window (like 'dedup 2h')";
	case T_ROUTERS:
		return "an address or MAC address";
	case T_RISK:
		return "'add' or 'remove', then nDPI risk names in quotes";
	case T_BLOCKLIST:
		return "a $set or address";
	case T_SITES:
		return "a URL in quotes (like \"https://www.example.gov.cn/\")";
	case T_INTERNAL:
		return "a $set or address";
	}
	if (has[YYSYMBOL_T_NAME])
		return "a name";
	if (has[YYSYMBOL_T_ADDR])
		return "an address";
	if (has[YYSYMBOL_T_NUMBER])
		return "a number";
	return "a value";
}

/* A token as the user wrote it: 'from', "blocklist.txt". */
static void quote(char *buf, size_t len, int tok, const char *text)
{
	if (tok == T_STRING)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "'%s'", text);
}

static void join(char *buf, size_t len, const char **items, int n)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; i < n && o < len; i++) {
		const char *sep = i == 0 ? "" : i < n - 1 ? ", " :
				  strstr(items[i - 1], " or ") && !strchr(items[i - 1], '(') ?
				  ", or " : " or ";
		int w = snprintf(buf + o, len - o, "%s%s", sep, items[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* Where a definition starts: a sign that a '}' is missing before it. */
static int toplevel(yysymbol_kind_t s)
{
	return s == YYSYMBOL_T_ZONE || s == YYSYMBOL_T_SET || s == YYSYMBOL_T_SCHEDULE ||
	       s == YYSYMBOL_T_FILTER || s == YYSYMBOL_T_BEHAVIOUR ||
	       s == YYSYMBOL_T_INCIDENTS || s == YYSYMBOL_T_IPV6;
}

static int is_keyword(yysymbol_kind_t s)
{
	return s >= YYSYMBOL_T_ZONE && s <= YYSYMBOL_T_BEHAVIOUR;
}

/*
 * What the parser would have accepted, in words: a value by the keyword it
 * follows, rule keywords as "a rule" or "the next rule", then the other
 * keywords and punctuation. Consumes 'has'; feeds the keywords to 'near'.
 */
static void describe_expected(const struct zl_pctx *c, unsigned char *has, struct zl_near *near,
			      char *want, size_t len)
{
	const char *items[YYNTOKENS + 2];
	char kw[YYNTOKENS][16];
	int ni = 0, next_rule = 0;

	if (has[YYSYMBOL_T_DEFAULT] && !has[YYSYMBOL_T_LBRACE]) {
		items[ni++] = "'default accept' or 'default drop'";
		has[YYSYMBOL_T_DEFAULT] = 0;
	}
	if (has[YYSYMBOL_T_NAME] || has[YYSYMBOL_T_SETREF] || has[YYSYMBOL_T_ADDR] ||
	    has[YYSYMBOL_T_STRING] || has[YYSYMBOL_T_NUMBER] || has[YYSYMBOL_T_TIME]) {
		items[ni++] = value_phrase(c, has);
		if (c->prev_kw == T_FROM || c->prev_kw == T_TO || c->prev_kw == T_INTERNAL)
			has[YYSYMBOL_T_ANY] = has[YYSYMBOL_T_SELF] = has[YYSYMBOL_T_LBRACE] = 0;
		if (c->prev_kw == T_PROTO || c->prev_kw == T_PORT)
			has[YYSYMBOL_T_LBRACE] = 0;
		has[YYSYMBOL_T_NAME] = has[YYSYMBOL_T_SETREF] = has[YYSYMBOL_T_ADDR] = 0;
		has[YYSYMBOL_T_STRING] = has[YYSYMBOL_T_NUMBER] = has[YYSYMBOL_T_TIME] = 0;
	}
	if (has[YYSYMBOL_T_PASS] && has[YYSYMBOL_T_REJECT]) {
		if (has[YYSYMBOL_T_LOG])
			next_rule = 1;
		else
			items[ni++] = "a rule ('pass', 'block' or 'reject')";
		has[YYSYMBOL_T_PASS] = has[YYSYMBOL_T_BLOCK] = has[YYSYMBOL_T_REJECT] = 0;
	}
	if (has[YYSYMBOL_T_ALLOW] && has[YYSYMBOL_T_LIMIT]) {
		if (has[YYSYMBOL_T_RATE])
			next_rule = 1;
		else
			items[ni++] = "a rule ('block', 'allow', 'audit' or 'limit')";
		has[YYSYMBOL_T_ALLOW] = has[YYSYMBOL_T_AUDIT] = has[YYSYMBOL_T_LIMIT] = 0;
		has[YYSYMBOL_T_BLOCK] = 0;
	}
	if (has[YYSYMBOL_T_COMMA])
		items[ni++] = "','";
	if (has[YYSYMBOL_T_DASH])
		items[ni++] = "'-'";
	for (int s = YYSYMBOL_T_ZONE; s <= YYSYMBOL_T_BEHAVIOUR; s++) {
		if (has[s]) {
			snprintf(kw[s], sizeof(kw[s]), "'%s'", yysymbol_name((yysymbol_kind_t)s));
			items[ni++] = kw[s];
			zl_near_try(near, yysymbol_name((yysymbol_kind_t)s));
		}
	}
	if (next_rule)
		items[ni++] = "the next rule";
	if (has[YYSYMBOL_T_LBRACE])
		items[ni++] = "'{'";
	if (has[YYSYMBOL_T_RBRACE])
		items[ni++] = "'}'";
	if (ni == 0)
		items[ni++] = "end of file";
	join(want, len, items, ni);
}

/* A likely reason, when there is one to guess. */
static void describe_hint(struct zl_pctx *c, yysymbol_kind_t look, int name_wanted,
			  int time_wanted, const struct zl_near *near, char *hint, size_t len)
{
	int open = c->depth > 0 && c->depth <= ZL_MAX_BRACES ? c->brace_line[c->depth - 1] : 0;

	if (look == YYSYMBOL_YYEOF && open) {
		snprintf(hint, len, " (the '{' on line %d is not closed)", open);
	} else if (toplevel(look) && open) {
		snprintf(hint, len, " (is the '{' on line %d closed?)", open);
		c->desync = 1;
	} else if (look == YYSYMBOL_T_NUMBER && time_wanted) {
		snprintf(hint, len, " (write times as HH:MM)");
	} else if (look == YYSYMBOL_T_ANY && c->prev_tok == T_COMMA) {
		snprintf(hint, len, " ('any' cannot be part of a list)");
	} else if (is_keyword(look) && name_wanted &&
		   (c->prev_tok == T_ZONE || c->prev_tok == T_SET ||
		    c->prev_tok == T_SCHEDULE || c->prev_tok == T_INTERFACE)) {
		snprintf(hint, len, " ('%s' is a reserved word)", c->tok_text);
	} else if (near->best && (look == YYSYMBOL_T_NAME || is_keyword(look))) {
		snprintf(hint, len, " (did you mean '%s'?)", near->best);
	}
}

static int yyreport_syntax_error(const yypcontext_t *pc, void *scanner, struct zl_pctx *c)
{
	yysymbol_kind_t exp[YYNTOKENS], look = yypcontext_token(pc);
	int n = yypcontext_expected_tokens(pc, exp, YYNTOKENS);
	unsigned char has[YYNTOKENS] = { 0 };
	char want[640], prev[64], got[64], hint[160] = "";
	struct zl_loc at = zl_at(c, yypcontext_location(pc));
	struct zl_near near;
	int name_wanted, time_wanted;

	(void)scanner;
	c->syntax_errors++;
	if (look == YYSYMBOL_T_BAD)
		return 0;       /* the lexer has said what is wrong */
	for (int i = 0; i < n; i++)
		has[exp[i]] = 1;
	name_wanted = has[YYSYMBOL_T_NAME];
	time_wanted = has[YYSYMBOL_T_TIME];
	zl_near_init(&near, c->tok_text);
	describe_expected(c, has, &near, want, sizeof(want));
	describe_hint(c, look, name_wanted, time_wanted, &near, hint, sizeof(hint));
	if (look == YYSYMBOL_YYEOF)
		snprintf(got, sizeof(got), "end of file");
	else
		quote(got, sizeof(got), c->tok, c->tok_text);
	if (c->prev_tok > 0) {
		quote(prev, sizeof(prev), c->prev_tok, c->prev_text);
		zl_err(c, &at, "expected %s after %s, got %s%s", want, prev, got, hint);
	} else {
		zl_err(c, &at, "expected %s, got %s%s", want, got, hint);
	}
	return 0;
}
