/*
 * addrbook_int.h - what addrbook.c (rows, CSV, the book) and
 * addrbook_neigh.c (the neighbour table) share; not for other modules.
 */
#ifndef ZL_ADDRBOOK_INT_H
#define ZL_ADDRBOOK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "addrbook.h"

/* ---- hash table: address or MAC -> row index ------------------------- */

/* kind is 4, 6 or KIND_MAC; the key is 17 bytes with no padding. */
#define KIND_MAC 'm'
struct key {
	uint8_t kind;
	uint8_t b[16];
};

#define EMPTY UINT32_MAX
struct slot {
	struct key k;
	uint32_t row;
};

/* Open addressing, linear probing, at most half full. */
struct table {
	struct slot *s;
	size_t mask, n;
};

int zl_ab_key_ip(struct key *k, int family, const uint8_t ip[16]);
void zl_ab_key_mac(struct key *k, const uint8_t hwaddr[6]);
int zl_ab_table_init(struct table *t, size_t want);
void zl_ab_table_free(struct table *t);
uint32_t zl_ab_table_get(const struct table *t, const struct key *k);
int zl_ab_table_put(struct table *t, const struct key *k, uint32_t row, uint32_t *old);

/* ---- the book -------------------------------------------------------- */

/* Addresses the neighbour table maps to MAC rows. */
struct neigh {
	struct zl_addrbook_ip *ip;   /* grouped by row */
	size_t n;
	uint32_t *first, *count;     /* per row: its addresses in ip */
	struct table byip;           /* address -> row */
};

struct zl_addrbook {
	struct zl_addrbook_row *rows;
	size_t n;
	struct table keys;           /* each row by its address or MAC */
	struct neigh *nb;            /* NULL until a neighbour refresh */
};

void zl_ab_neigh_free(struct neigh *nb);

#endif
