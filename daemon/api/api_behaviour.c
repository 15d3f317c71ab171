/*
 * api_behaviour.c - the control API's behaviour route: the rules in force,
 * the blocks held and the decisions per rule line (the console's
 * dashboard).
 */
#include "api.h"

enum MHD_Result zl_api_behaviour(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	enum MHD_Result rc = MHD_NO;

	/* the blocks name clients: a personal read, audited */
	if (!zl_api_personal(r, ZL_ROLE_ADMIN | ZL_ROLE_SECURITY, "behaviour read", &rc))
		return rc;
	if (!c->ctx.bh)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "behaviour rules are not enforced (see the daemon's log)");
	return zl_api_reply(r->conn, MHD_HTTP_OK, zl_bh_describe(c->ctx.bh));
}
