/*
 * addrbook.h - the address book: who is behind an address or a MAC.
 *
 * Administrators import a CSV so that rules, logs and reports name hosts,
 * people and departments rather than bare addresses:
 *
 *	address,name,owner,department
 *	192.0.2.10,fin-pc-01,张三,财政局
 *	52:54:00:12:34:56,edu-laptop-7,李四,教育局
 *
 * Three steps, each its own owner:
 *
 *  1. zl_addrbook_parse_csv() turns CSV text into rows (struct
 *     zl_addrbook_rows, owned by the caller) and diagnostics (struct
 *     zl_addrbook_errors, owned by the caller). Rows from elsewhere (the
 *     store's hosts table) are checked and normalised one at a time with
 *     zl_addrbook_row_set() and appended with zl_addrbook_rows_add().
 *  2. zl_addrbook_new() copies rows into an immutable lookup structure.
 *  3. zl_addrbook_neigh_refresh() reads the kernel's neighbour table so
 *     that a MAC row is also found by the IPv4/IPv6 addresses the kernel
 *     currently maps to that MAC.
 *
 * CSV (RFC 4180, read leniently): fields separated by ',', quoted fields
 * may hold ',', '"' (written "") and line breaks; lines end in LF or CRLF;
 * a UTF-8 BOM at the start is skipped; blank lines, lines whose fields are
 * all empty (",,,") and lines starting with '#' are skipped. The first
 * remaining line is a header when its first field is neither an address
 * nor a MAC nor looks like a mistyped one ("address", "地址", "IP" are
 * headers; "192.0.2.300" is a bad row, not a header). A row has exactly 4
 * fields: address or MAC, host name, owner, department.
 *  - The address is IPv4 or IPv6 without a prefix, normalised by
 *    inet_pton/inet_ntop ("2001:DB8:0::1" -> "2001:db8::1"). A MAC is
 *    aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff in any case, normalised to
 *    lower case with colons; multicast and all-zero MACs are refused.
 *  - Name, owner and department are trimmed (ASCII white space and
 *    U+3000), valid UTF-8 without control characters, and at most
 *    ZL_NAME_CHARS (64) characters (names.h). The name may be empty only if the owner is
 *    set; the department may be empty.
 *  - A bad row is dropped with an error; the good rows are kept. A second
 *    row for the same address or MAC replaces the first (in the first's
 *    place) with a warning naming both lines.
 * Messages read "line N: reason", N being the physical line where the row
 * starts, e.g.
 *	line 7: "192.0.2.300" is not an IPv4/IPv6 address or a MAC
 *	line 9: expected 4 fields (address,name,owner,department), found 3
 *	line 12: 192.0.2.10 is also on line 3; line 12 wins
 * The caller adds the file name if there is one ("hosts.csv:" + msg).
 *
 * Threads: a struct zl_addrbook is never changed by the lookup functions,
 * so any number of threads may read one at once without locks. Readers
 * see a new book by pointer swap: build it with zl_addrbook_new() (or
 * zl_addrbook_neigh_rebuild() to refresh neighbours), publish it, free
 * the old one once no reader can hold it. zl_addrbook_neigh_refresh() and
 * zl_addrbook_neigh_set() change a book in place and must not run while
 * any other thread uses that book; use them before publishing it.
 *
 * Errors: functions return 0 (or a count) on success and a negative errno
 * on failure (-ENOMEM, -EINVAL, or the netlink socket's error); functions
 * returning a pointer return NULL and set errno.
 */
#ifndef ZL_ADDRBOOK_H
#define ZL_ADDRBOOK_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "names.h"

#define ZL_ADDRBOOK_MAX_MSGS 100   /* diagnostics kept; the rest are counted */

/*
 * One host. A row has either an address (family AF_INET or AF_INET6) or a
 * MAC (family 0). Callers may read and copy rows; they fill them only
 * through zl_addrbook_row_set().
 */
struct zl_addrbook_row {
	unsigned line;                   /* CSV line of the row; 0 if not from a CSV */
	int family;                      /* AF_INET, AF_INET6, or 0 for a MAC row */
	uint8_t ip[16];                  /* IPv4 in the first 4 bytes, rest zero */
	char address[INET6_ADDRSTRLEN];  /* "192.0.2.10", "2001:db8::1"; "" for a MAC row */
	uint8_t hwaddr[6];               /* a MAC row's MAC, zero otherwise */
	char mac[18];                    /* "52:54:00:12:34:56"; "" for an address row */
	char name[ZL_NAME_SIZE];
	char owner[ZL_NAME_SIZE];
	char department[ZL_NAME_SIZE];
};

/* A growable array of rows; start from {0}, free with zl_addrbook_rows_free. */
struct zl_addrbook_rows {
	struct zl_addrbook_row *v;
	size_t n, cap;
};

struct zl_addrbook_msg {
	unsigned line;                   /* the row's first physical line */
	int warning;                     /* 1: the row was kept; 0: it was dropped */
	char text[256];                  /* "line N: reason" */
};

/*
 * Diagnostics of one parse; start from {0}, free with
 * zl_addrbook_errors_free. The first ZL_ADDRBOOK_MAX_MSGS are kept in v;
 * n_errors and n_warnings count them all.
 */
struct zl_addrbook_errors {
	struct zl_addrbook_msg *v;
	size_t n;
	size_t n_errors, n_warnings;
};

/* An address as the probes carry it: IPv4 in the first 4 of 16 bytes. */
struct zl_addrbook_ip {
	int family;                      /* AF_INET or AF_INET6 */
	uint8_t ip[16];
};

/* One neighbour-table entry: this address is at this MAC. */
struct zl_addrbook_neigh {
	struct zl_addrbook_ip addr;
	uint8_t hwaddr[6];
};

enum zl_addrbook_field {
	ZL_ADDRBOOK_HOST,                /* the row's name */
	ZL_ADDRBOOK_OWNER,
	ZL_ADDRBOOK_DEPARTMENT,
};

struct zl_addrbook;

/*
 * Parse 'len' bytes of CSV (need not be NUL-terminated) and append the
 * good rows to *rows and every error and warning to *errs; both must be
 * empty. Returns 0 when the text was read, even if rows were refused (see
 * errs->n_errors), -ENOMEM (rows and errs then hold what was read so far)
 * or -EINVAL.
 */
int zl_addrbook_parse_csv(const char *text, size_t len, struct zl_addrbook_rows *rows,
			  struct zl_addrbook_errors *errs);

/*
 * Check and normalise one row: 'key' is an address or a MAC, the rest are
 * UTF-8 text, all trimmed here. Returns 0, or -EINVAL with the reason in
 * err (without a "line N: " prefix) and *r unspecified. r->line is 0.
 */
int zl_addrbook_row_set(struct zl_addrbook_row *r, const char *key, const char *name,
			const char *owner, const char *department, char *err, size_t errlen);

/* Append a copy of *r; 0 or -ENOMEM. Duplicates are resolved by zl_addrbook_new. */
int zl_addrbook_rows_add(struct zl_addrbook_rows *rows, const struct zl_addrbook_row *r);
void zl_addrbook_rows_free(struct zl_addrbook_rows *rows);
void zl_addrbook_errors_free(struct zl_addrbook_errors *errs);

/*
 * A book holding copies of n rows (the caller keeps its rows). A later row
 * for the same address or MAC replaces an earlier one. NULL with errno
 * ENOMEM, or EINVAL for a row not made by zl_addrbook_row_set.
 */
struct zl_addrbook *zl_addrbook_new(const struct zl_addrbook_row *rows, size_t n);
void zl_addrbook_free(struct zl_addrbook *b);

/* The rows in file order (duplicates merged); i < zl_addrbook_count(b). */
size_t zl_addrbook_count(const struct zl_addrbook *b);
const struct zl_addrbook_row *zl_addrbook_at(const struct zl_addrbook *b, size_t i);

/*
 * The row for an address (AF_INET reads ip[0..3]): the address's own row,
 * else the MAC row the neighbour table last mapped it to, else NULL. O(1).
 * The row is borrowed from the book and lives as long as it.
 */
const struct zl_addrbook_row *zl_addrbook_lookup_ip(const struct zl_addrbook *b, int family,
						    const uint8_t ip[16]);
const struct zl_addrbook_row *zl_addrbook_lookup_mac(const struct zl_addrbook *b,
						     const uint8_t hwaddr[6]);
/* Lookup by text, an address or a MAC in any form the CSV accepts. */
const struct zl_addrbook_row *zl_addrbook_lookup(const struct zl_addrbook *b, const char *text);

/*
 * Call cb for every row whose host name, owner or department equals
 * 'value' (bytes compared exactly, except that ASCII letters match either
 * case: "FIN-PC-01" finds "fin-pc-01", "财政局" only "财政局"), in file
 * order, until cb returns non-zero. Returns the number of calls. O(n).
 */
typedef int (*zl_addrbook_match_fn)(const struct zl_addrbook_row *r, void *arg);
size_t zl_addrbook_match(const struct zl_addrbook *b, enum zl_addrbook_field field,
			 const char *value, zl_addrbook_match_fn cb, void *arg);

/*
 * The addresses the neighbour table mapped to MAC row r at the last
 * refresh: *out points at an array borrowed from the book (valid until the
 * next refresh or zl_addrbook_free). Returns its length; 0 for an address
 * row.
 */
size_t zl_addrbook_row_neigh(const struct zl_addrbook *b, const struct zl_addrbook_row *r,
			     const struct zl_addrbook_ip **out);

/*
 * Replace the book's neighbour addresses with those of v[0..n) whose MAC
 * is a MAC row's. An address that has its own row keeps it. Returns the
 * number of addresses recorded, or -ENOMEM with the book unchanged.
 * Changes the book: not while other threads read it.
 */
int zl_addrbook_neigh_set(struct zl_addrbook *b, const struct zl_addrbook_neigh *v, size_t n);

/*
 * Dump the kernel's neighbour table (RTM_GETNEIGH, IPv4 and IPv6, of the
 * caller's network namespace) and zl_addrbook_neigh_set() it. Entries in
 * state INCOMPLETE or FAILED are ignored. Returns the number of addresses
 * recorded, or a negative errno with "neighbour table: reason" in err and
 * the book unchanged. Changes the book: not while other threads read it.
 */
int zl_addrbook_neigh_refresh(struct zl_addrbook *b, char *err, size_t errlen);

/*
 * The kernel's whole neighbour table (resolved IPv4/IPv6 entries) into *v
 * (malloc'd; the caller frees it) and *n, for the IPv6 measurement's join
 * of a machine's addresses. 0, or a negative errno with err set.
 */
int zl_addrbook_neigh_read(struct zl_addrbook_neigh **v, size_t *n, char *err, size_t errlen);

/*
 * The safe form for a published book: a new book with old's rows and the
 * current neighbour table; old is not touched. NULL with errno and err set.
 */
struct zl_addrbook *zl_addrbook_neigh_rebuild(const struct zl_addrbook *old, char *err,
					      size_t errlen);

#endif
