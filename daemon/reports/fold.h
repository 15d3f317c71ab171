/*
 * fold.h - the report's pass over agg5m (private to daemon/reports/): the
 * rows of the period folded in memory by department, category,
 * application, person, local day and hour (fold.c), read by two threads
 * on two read connections, each over half the period, then merged.
 */
#ifndef ZL_FOLD_H
#define ZL_FOLD_H

#include <stdint.h>

#include "report-int.h"

/* A string -> index map (open addressing; keys owned). */
struct smap {
	char **keys;
	int *vals;
	size_t cap, n;
};

int smap_get(struct smap *m, const char *key, int *added, const char **stored);
int smap_find(const struct smap *m, const char *key);
void smap_free(struct smap *m);

/* Totals of one name (a department, a category, an application...). */
struct acc {
	const char *name, *extra;   /* extra: an application's category */
	int64_t up, down, flows, v6, ent, work;
	int64_t *days;              /* categories: bytes per day */
};

struct group {
	struct smap map;
	struct acc *v;
	size_t cap;
	int per_day;
};

struct pair {
	int dept, cat, app, person;
	unsigned char v6, ent;
};

struct fold {
	struct rep *r;
	const struct fold *sh;       /* the address book, slots, names: the main fold's */
	int64_t up, down, flows, v6;
	struct smap pairs;           /* "host\x1fapp\x1fcategory" -> pair */
	struct pair *pair;
	size_t pair_cap;
	int64_t from_s;
	size_t nslots, ndays, nhours;
	int *slot_day, *slot_hour;  /* local day index, hour of the period */
	unsigned char *slot_hod, *slot_work;
	char (*day_label)[16];
	int64_t *day_up, *day_down, *day_v6, *hour_bytes, hod_bytes[24];
	struct group dept, cat, app, person;
	struct smap hosts;           /* address -> index into host_dept/host_owner */
	int *host_dept, *host_person;
	size_t nhost, host_cap;
	struct smap ent;             /* entertainment categories */
	int oom;
};

struct acc *group_acc(struct fold *f, struct group *g, const char *name);

/* Fill f (r, cat.per_day set by the caller) for r's period: the slots, the
 * address book, the entertainment categories, then every agg5m row. 0, or
 * -1 with r->err set. fold_free frees it. */
int fold_run(struct fold *f);
void fold_free(struct fold *f);

#endif
