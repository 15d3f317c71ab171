/*
 * rulematch.h - which behaviour rule a subject falls under: the first
 * rule whose subject (zone, set, prefix, host, person, department) takes
 * the client, whose schedule holds the time (local time) and whose object
 * takes the application (each part of "TLS.Douyin", with nDPI's names as
 * aliases of the pack's), the category or the name ("*.example" takes the
 * name and all below it). Pure functions of the policy: no lock, no state.
 */
#ifndef ZL_RULEMATCH_H
#define ZL_RULEMATCH_H

#include <stdint.h>

#include "behaviour.h"
#include "policy.h"

/* What a rule is matched against: the flow, or a stored block. */
struct zl_bh_subject {
	int family;
	uint8_t client[16];
	const char *iface;            /* capture interface, "" if unknown */
	const char *app;              /* "TLS.Douyin" */
	const char *category;
	const char *domain;           /* "" if none */
	struct zl_bh_who who;
	int known;                    /* the address book knows the client */
};

/* The index of the first of p's behaviour rules that matches s at t_us
 * (microseconds since the epoch), or -1 (also when p is NULL). */
int zl_bh_decide(const struct zl_policy *p, const struct zl_bh_subject *s, int64_t t_us);

/* 1 if s is a DNS query that rule r matched only by the name it asks
 * about (so the pair is not blocked: the name server answers for every
 * name), else 0. */
int zl_bh_dns_spared(const struct zl_bh_rule *r, const struct zl_bh_subject *s);

#endif
