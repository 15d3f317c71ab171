/*
 * kernel.c - the flattened policy as libnftnl objects in one libmnl batch
 * (see kernel.h). The bytecode is what nft itself generates for the same
 * rules (checked against `nft --debug=netlink`), so `nft list table inet
 * zhulan` reads it back as the rules `zhulanctl policy compile` writes.
 *
 * This file holds the socket and the batch: messages that remember their
 * policy line, one sendmsg, every acknowledgement read by sequence number
 * and the first error (with the kernel's extack) mapped back to its line.
 * What goes in a batch is built by kernel_expr.c (a rule's expressions),
 * kernel_set.c (sets and elements) and kernel_table.c (the table and its
 * chains); kernel_dump.c reads the rules back (kernel-int.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel-int.h"

struct zl_kernel *zl_kernel_open(char *err, size_t errlen)
{
	struct zl_kernel *k = calloc(1, sizeof(*k));
	int one = 1;

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!k->nl || mnl_socket_bind(k->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "cannot open a netfilter netlink socket: %s", strerror(errno));
		if (k->nl)
			mnl_socket_close(k->nl);
		free(k);
		return NULL;
	}
	/* short acks, and the kernel's own words on errors */
	mnl_socket_setsockopt(k->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	k->portid = mnl_socket_get_portid(k->nl);
	k->seq = (uint32_t)time(NULL);
	return k;
}

void zl_kernel_close(struct zl_kernel *k)
{
	if (!k)
		return;
	mnl_socket_close(k->nl);
	free(k);
}

/* ---- building a batch ---- */

struct nlmsghdr *zl_kn_msg(struct batch *bt, uint16_t type, uint16_t flags,
			   const struct zl_loc *loc, const char *fmt, ...)
{
	struct origin *o;
	va_list ap;

	if (bt->n == bt->cap) {
		size_t n = bt->cap ? bt->cap * 2 : 64;
		struct origin *v = realloc(bt->o, n * sizeof(*v));
		if (!v) {
			bt->oom = 1;
			return NULL;
		}
		bt->o = v;
		bt->cap = n;
	}
	o = &bt->o[bt->n++];
	o->seq = bt->seq;
	o->loc = loc;
	va_start(ap, fmt);
	vsnprintf(o->what, sizeof(o->what), fmt, ap);
	va_end(ap);
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, bt->seq++);
}

void zl_kn_next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		bt->oom = 1;
}

/* ---- sending, and the kernel's errors ---- */

int zl_kn_batch_init(struct batch *bt, struct zl_kernel *k)
{
	memset(bt, 0, sizeof(*bt));
	/* pages of 128 KiB, each with room for one whole 64 KiB message */
	bt->b = nftnl_batch_alloc(32 * 4096, 65536 + 4096);
	if (!bt->b)
		return -1;
	bt->seq = k->seq;
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), bt->seq++);
	zl_kn_next(bt);
	return 0;
}

void zl_kn_batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->o);
}

static const struct origin *origin_of(const struct batch *bt, uint32_t seq)
{
	size_t i;

	for (i = 0; i < bt->n; i++)
		if (bt->o[i].seq == seq)
			return &bt->o[i];
	return NULL;
}

static void describe(const struct batch *bt, uint32_t seq, int error, const char *ext,
		     char *err, size_t errlen)
{
	const struct origin *o = origin_of(bt, seq);
	char reason[300];

	snprintf(reason, sizeof(reason), "%s%s%s%s", strerror(error), ext ? " (" : "",
		 ext ? ext : "", ext ? ")" : "");
	if (o && o->loc)
		snprintf(err, errlen, "%s:%d:%d: the kernel refused this %s: %s", o->loc->file,
			 o->loc->line, o->loc->col, o->what, reason);
	else if (o)
		snprintf(err, errlen, "the kernel refused the %s: %s", o->what, reason);
	else
		snprintf(err, errlen, "the kernel refused the ruleset: %s", reason);
}

static void buffers(struct zl_kernel *k, size_t len)
{
	int fd = mnl_socket_get_fd(k->nl);
	int v = (int)(len + 65536);

	/* the whole batch goes in one sendmsg; FORCE needs CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	v = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* Send the batch (ended here) and read one answer per message. */
int zl_kn_batch_send(struct zl_kernel *k, struct batch *bt, char *err, size_t errlen)
{
	struct msghdr mh;
	struct iovec *iov;
	int niov, fd = mnl_socket_get_fd(k->nl), rc = 0;
	size_t want = bt->n, got = 0, total = 0, i;
	uint32_t first_bad = 0;
	int first_err = 0;
	char ext[256] = "";
	char *buf;

	nftnl_batch_end(nftnl_batch_buffer(bt->b), bt->seq++);
	zl_kn_next(bt);
	k->seq = bt->seq;
	if (bt->oom) {
		snprintf(err, errlen, "out of memory building the ruleset");
		return -1;
	}
	niov = nftnl_batch_iovec_len(bt->b);
	iov = calloc((size_t)niov, sizeof(*iov));
	buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	if (!iov || !buf) {
		free(iov);
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_batch_iovec(bt->b, iov, (uint32_t)niov);
	for (i = 0; i < (size_t)niov; i++)
		total += iov[i].iov_len;
	buffers(k, total);
	memset(&mh, 0, sizeof(mh));
	{
		struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
		mh.msg_name = &snl;
		mh.msg_namelen = sizeof(snl);
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)niov;
		if (sendmsg(fd, &mh, 0) < 0) {
			snprintf(err, errlen, "cannot send the ruleset to the kernel (%zu bytes): %s",
				 total, strerror(errno));
			free(iov);
			free(buf);
			return -1;
		}
	}
	free(iov);
	while (got < want) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		const struct nlmsghdr *nlh;
		ssize_t n;
		int left;

		if (poll(&pfd, 1, 10000) <= 0) {
			snprintf(err, errlen, "no answer from the kernel after 10 s (%zu of %zu)",
				 got, want);
			rc = -1;
			break;
		}
		n = recv(fd, buf, MNL_SOCKET_BUFFER_SIZE * 4, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "reading the kernel's answer: %s", strerror(errno));
			rc = -1;
			break;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			got++;
			if (e->error && (!first_err || nlh->nlmsg_seq < first_bad)) {
				first_err = -e->error;
				first_bad = nlh->nlmsg_seq;
				ext[0] = 0;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
					/* with NETLINK_CAP_ACK the TLVs follow the header */
					const struct nlattr *a;
					size_t off = sizeof(*e);
					mnl_attr_for_each(a, nlh, off)
						if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
							snprintf(ext, sizeof(ext), "%s", mnl_attr_get_str(a));
				}
			}
			/* an error against the batch itself ends it */
			if (e->error && !origin_of(bt, nlh->nlmsg_seq))
				got = want;
		}
	}
	free(buf);
	if (first_err) {
		describe(bt, first_bad, first_err, ext[0] ? ext : NULL, err, errlen);
		return -1;
	}
	return rc;
}

/* Send one request and run cb over the answers until the end. */
int zl_kn_request(struct zl_kernel *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		  char *err, size_t errlen)
{
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mnl_socket_sendto(k->nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "cannot ask the kernel: %s", strerror(errno));
		free(buf);
		return -1;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(k->nl, buf, MNL_SOCKET_BUFFER_SIZE * 4);
		if (n < 0) {
			ret = -1;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, k->portid, cb, data);
	} while (ret > 0);
	free(buf);
	if (ret < 0) {
		if (errno != ENOENT)
			snprintf(err, errlen, "reading the kernel's table: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
