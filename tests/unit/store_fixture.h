/*
 * store_fixture.h - what test_store and test_store_writer share: a
 * temporary directory, the flow data set (10,000 flows over six 5-minute
 * buckets), and helpers that open a store, wait for its writer and read
 * the database with SQLite directly.
 */
#ifndef ZL_STORE_FIXTURE_H
#define ZL_STORE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store.h"

#define US 1000000LL
#define NFLOWS 10000
#define NHOSTS 10
#define NBUCKETS 6
#define NAPPS 5

extern const char *apps[NAPPS];
extern char dir[];              /* the test's directory, removed at the end */
extern int64_t base_s;          /* the first 5-minute bucket of the data set */

/* Make the directory and fix base_s: 0, or -1 (said why). */
int fixture_init(void);
void fixture_cleanup(void);

/* dir/name (four at a time stay valid). */
char *pathf(const char *name);
int64_t now_s(void);
void sleep_ms(int ms);
/* Flow i of the data set: bucket i % 6, source host i % 10, app i % 5;
 * every hundredth one goes to 10.0.0.3. */
void flow(int i, struct zl_flow_record *r);
void rfc3339(int64_t us, char *buf, size_t len);
struct zl_store *open_store(const char *path, unsigned retention, unsigned queue,
			    unsigned batch_ms);
/* Wait until the writer has dealt with every queued record: 0 or -1. */
int settle(struct zl_store *s, int timeout_ms);
/* The first column of the first row, or -1. */
long long sql_int(sqlite3 *db, const char *sql);
/* The file opened with SQLite itself (busy timeout 5 s). */
sqlite3 *raw(const char *path);
/* Every row a query matches, counted through its pages ("more"). */
long long total_of(struct zl_store *s, const struct zl_flow_query *q0);
long long jint(json_t *o, const char *k);
const char *jstr(json_t *o, const char *k);

#endif
