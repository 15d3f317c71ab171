/*
 * addrbook_neigh.c - the address book's neighbour side (see addrbook.h):
 * which addresses the kernel's neighbour table maps to MAC rows, read
 * with an RTM_GETNEIGH dump over libmnl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "addrbook.h"
#include "addrbook_int.h"

void zl_ab_neigh_free(struct neigh *nb)
{
	if (!nb)
		return;
	free(nb->ip);
	free(nb->first);
	free(nb->count);
	zl_ab_table_free(&nb->byip);
	free(nb);
}

size_t zl_addrbook_row_neigh(const struct zl_addrbook *b, const struct zl_addrbook_row *r,
			     const struct zl_addrbook_ip **out)
{
	uintptr_t p = (uintptr_t)r, lo = (uintptr_t)b->rows;
	size_t i;

	*out = NULL;
	if (!b->nb || p < lo || p >= lo + b->n * sizeof(*r))
		return 0;
	i = (size_t)(p - lo) / sizeof(*r);
	if (!b->nb->count[i])
		return 0;
	*out = &b->nb->ip[b->nb->first[i]];
	return b->nb->count[i];
}

/* ---- neighbours ------------------------------------------------------ */

struct pair {
	uint32_t row;
	struct zl_addrbook_ip ip;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->ip.family != b->ip.family)
		return a->ip.family < b->ip.family ? -1 : 1;
	return memcmp(a->ip.ip, b->ip.ip, 16);
}

/* The (MAC row, address) pairs of v, sorted; explicit address rows win. */
static size_t neigh_pairs(const struct zl_addrbook *b, const struct zl_addrbook_neigh *v,
			  size_t n, struct pair *out)
{
	struct key k;
	size_t i, np = 0;
	uint32_t row;

	for (i = 0; i < n; i++) {
		if (zl_ab_key_ip(&k, v[i].addr.family, v[i].addr.ip) < 0 || zl_ab_table_get(&b->keys, &k) != EMPTY)
			continue;
		zl_ab_key_mac(&k, v[i].hwaddr);
		if ((row = zl_ab_table_get(&b->keys, &k)) == EMPTY)
			continue;
		out[np].row = row;
		memset(&out[np].ip, 0, sizeof(out[np].ip));
		out[np].ip.family = v[i].addr.family;
		memcpy(out[np].ip.ip, v[i].addr.ip, v[i].addr.family == AF_INET ? 4 : 16);
		np++;
	}
	qsort(out, np, sizeof(*out), pair_cmp);
	return np;
}

/* An address seen at two MACs (two interfaces) stays with the earlier row. */
static struct neigh *neigh_build(size_t rows, const struct pair *p, size_t np)
{
	struct neigh *nb = calloc(1, sizeof(*nb));
	struct key k;
	uint32_t old;
	size_t i;

	if (!nb)
		return NULL;
	nb->ip = calloc(np ? np : 1, sizeof(*nb->ip));
	nb->first = calloc(rows ? rows : 1, sizeof(*nb->first));
	nb->count = calloc(rows ? rows : 1, sizeof(*nb->count));
	if (!nb->ip || !nb->first || !nb->count || zl_ab_table_init(&nb->byip, np) < 0) {
		zl_ab_neigh_free(nb);
		return NULL;
	}
	for (i = 0; i < np; i++) {
		zl_ab_key_ip(&k, p[i].ip.family, p[i].ip.ip);
		if (zl_ab_table_get(&nb->byip, &k) != EMPTY)
			continue;
		zl_ab_table_put(&nb->byip, &k, p[i].row, &old);  /* sized: no growth */
		if (!nb->count[p[i].row]++)
			nb->first[p[i].row] = (uint32_t)nb->n;
		nb->ip[nb->n++] = p[i].ip;
	}
	return nb;
}

int zl_addrbook_neigh_set(struct zl_addrbook *b, const struct zl_addrbook_neigh *v, size_t n)
{
	struct pair *p = calloc(n ? n : 1, sizeof(*p));
	struct neigh *nb;
	size_t np;

	if (!p)
		return -ENOMEM;
	np = neigh_pairs(b, v, n, p);
	nb = neigh_build(b->n, p, np);
	free(p);
	if (!nb)
		return -ENOMEM;
	zl_ab_neigh_free(b->nb);
	b->nb = nb;
	return (int)nb->n;
}

/* ---- the kernel's neighbour table (libmnl) --------------------------- */

/*
 * A dump's messages come in buffers of up to 32 KiB on some kernels
 * (libmnl >= 1.0.5 calls it MNL_SOCKET_DUMP_SIZE); a smaller read buffer
 * would truncate them.
 */
#define DUMP_SIZE 32768

struct dump {
	struct zl_addrbook_neigh *v;
	size_t n, cap;
};

static int neigh_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, NDA_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/*
 * One RTM_NEWNEIGH: keep a resolved IPv4/IPv6 address and its Ethernet MAC.
 * The kernel leaves NDA_LLADDR out of INCOMPLETE and FAILED entries (it
 * fills it only for NUD_VALID states); the state test keeps that true
 * should it ever send a stale one.
 */
static int neigh_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1] = { NULL };
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;
	struct zl_addrbook_neigh *e;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(nlh) < sizeof(*nd) ||
	    (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED)))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*nd), neigh_attr, tb) < 0 || !tb[NDA_DST] ||
	    !tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return MNL_CB_OK;
	alen = mnl_attr_get_payload_len(tb[NDA_DST]);
	if (!(nd->ndm_family == AF_INET && alen == 4) && !(nd->ndm_family == AF_INET6 && alen == 16))
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct zl_addrbook_neigh *v = reallocarray(d->v, cap, sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		d->v = v;
		d->cap = cap;
	}
	e = &d->v[d->n++];
	memset(e, 0, sizeof(*e));
	e->addr.family = nd->ndm_family;
	memcpy(e->addr.ip, mnl_attr_get_payload(tb[NDA_DST]), alen);
	memcpy(e->hwaddr, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	return MNL_CB_OK;
}

/* Send the dump request on nl and read to NLMSG_DONE; 0 or -1 with errno. */
static int dump_on(struct mnl_socket *nl, char *buf, struct dump *d)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;
	unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(nl);
	ssize_t len;
	int rc;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		len = mnl_socket_recvfrom(nl, buf, DUMP_SIZE);
		if (len <= 0) {
			errno = len < 0 ? errno : EPROTO;
			return -1;
		}
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, neigh_msg, d);
	} while (rc == MNL_CB_OK);
	return rc == MNL_CB_STOP ? 0 : -1;
}

/* One dump on a socket of its own, so that a retry never reads the
 * remains of an earlier dump; 0 or -1 with errno. */
static int dump_once(char *buf, struct dump *d)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int rc, e;

	d->n = 0;
	if (!nl)
		return -1;
	rc = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -1 : dump_on(nl, buf, d);
	e = errno;
	mnl_socket_close(nl);
	errno = e;
	return rc;
}

/*
 * The dump into d. A dump that raced a change of the table ends with
 * NLM_F_DUMP_INTR, which libmnl reports as EINTR: read it again.
 */
static int neigh_dump(struct dump *d, char *err, size_t errlen)
{
	char *buf = malloc(DUMP_SIZE);
	int tries = 0, rc = -ENOMEM;

	if (buf) {
		while ((rc = dump_once(buf, d)) < 0 && errno == EINTR && ++tries < 3)
			;
		if (rc < 0)
			rc = -(errno ? errno : EIO);
	}
	if (rc < 0)
		snprintf(err, errlen, "neighbour table: %s", strerror(-rc));
	free(buf);
	return rc;
}

int zl_addrbook_neigh_refresh(struct zl_addrbook *b, char *err, size_t errlen)
{
	struct dump d = { NULL, 0, 0 };
	int rc = neigh_dump(&d, err, errlen);

	if (rc == 0) {
		rc = zl_addrbook_neigh_set(b, d.v, d.n);
		if (rc < 0)
			snprintf(err, errlen, "neighbour table: %s", strerror(-rc));
	}
	free(d.v);
	return rc;
}

int zl_addrbook_neigh_read(struct zl_addrbook_neigh **v, size_t *n, char *err, size_t errlen)
{
	struct dump d = { NULL, 0, 0 };
	int rc = neigh_dump(&d, err, errlen);

	*v = rc == 0 ? d.v : NULL;
	*n = rc == 0 ? d.n : 0;
	if (rc < 0)
		free(d.v);
	return rc;
}

struct zl_addrbook *zl_addrbook_neigh_rebuild(const struct zl_addrbook *old, char *err,
					      size_t errlen)
{
	struct zl_addrbook *b = zl_addrbook_new(old->rows, old->n);
	int rc;

	if (!b) {
		snprintf(err, errlen, "neighbour table: %s", strerror(errno));
		return NULL;
	}
	rc = zl_addrbook_neigh_refresh(b, err, errlen);
	if (rc < 0) {
		zl_addrbook_free(b);
		errno = -rc;
		return NULL;
	}
	return b;
}
