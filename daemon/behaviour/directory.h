/*
 * directory.h - the address book in force: who is behind an address, for
 * behaviour rules (`from department "财政局"`), the access log and reports.
 *
 * The rows live in the store's hosts table; the book built from them
 * (addrbook.h) is published by pointer under a read-write lock, so capture
 * threads look addresses up while an import or a neighbour refresh builds
 * the next one. MAC rows are found by address through the kernel's
 * neighbour table, read again every zl_dir_tick.
 */
#ifndef ZL_DIRECTORY_H
#define ZL_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "behaviour.h"
#include "store.h"

struct zl_dir;

struct zl_dir *zl_dir_new(void);
void zl_dir_free(struct zl_dir *d);
/* Use this store and load its hosts table. */
void zl_dir_open(struct zl_dir *d, struct zl_store *s);

/*
 * Replace the address book with the good rows of a CSV ('name' is the
 * file's name, for messages "hosts.csv: line 7: ..."). Bad rows are
 * reported and left out, the good ones kept. Returns the HTTP status and
 * {"imported","refused","warnings","messages":[...]} in *out; when every
 * row is bad, 422 and {"error": "no valid row: the address book was not
 * changed", "refused", "messages"} with the book as it was.
 */
unsigned zl_dir_import(struct zl_dir *d, const char *name, const char *csv, size_t len,
		       const char *who, json_t **out);
/* {"hosts":[{"address","mac","name","owner","department","seen_at":[..]}]} */
json_t *zl_dir_list(struct zl_dir *d);
/* The behaviour engine's lookup (zl_bh_lookup_fn); ud is the zl_dir. */
int zl_dir_lookup(void *ud, int family, const uint8_t *addr, struct zl_bh_who *w);
/* Read the neighbour table again (MAC rows); call now and then. */
void zl_dir_tick(struct zl_dir *d);

#endif
