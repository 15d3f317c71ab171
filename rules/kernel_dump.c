/*
 * kernel_dump.c - reading `inet zhulan` back: every rule with its comment
 * and counter (NFT_MSG_GETRULE dump, for `policy show --counters`), and
 * whether the table exists (kernel-int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel-int.h"

struct dump {
	void (*cb)(const struct zl_kernel_rule *r, void *ud);
	void *ud;
	int count;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*(const char **)data = nftnl_udata_get(attr);
	return 0;
}

static int counter_cb(struct nftnl_expr *e, void *data)
{
	struct zl_kernel_rule *kr = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && !strcmp(name, "counter")) {
		kr->has_counter = 1;
		kr->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		kr->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct zl_kernel_rule kr;
	uint32_t ulen = 0;
	const void *u;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	memset(&kr, 0, sizeof(kr));
	kr.chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	kr.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	u = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ulen);
	if (u)
		nftnl_udata_parse(u, ulen, comment_cb, &kr.comment);
	nftnl_expr_foreach(r, counter_cb, &kr);
	d->cb(&kr, d->ud);
	d->count++;
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int zl_kernel_rules(struct zl_kernel *k,
		    void (*cb)(const struct zl_kernel_rule *r, void *ud), void *ud,
		    char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	struct dump d = { cb, ud, 0 };
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, k->seq++);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ZL_KERNEL_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	rc = zl_kn_request(k, nlh, rule_cb, &d, err, errlen);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? -1 : d.count;
}

int zl_kernel_table_exists(struct zl_kernel *k, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, k->seq++);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, ZL_KERNEL_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	rc = zl_kn_request(k, nlh, NULL, NULL, err, errlen);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? -1 : 1;
}
