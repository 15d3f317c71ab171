/*
 * firewall.h - the policy in force: applying, confirming, reverting,
 * rolling back and reading back `inet zhulan`, with every version kept in
 * the store and every change in the audit table.
 *
 * One lock serialises all of it (the control API's threads and the confirm
 * timer's). The kernel's table outlives the daemon: stopping Zhulan leaves
 * the last ruleset in force, and the next start applies the newest
 * confirmed version again.
 *
 * The zl_fw_* calls that answer the control API return an HTTP status and
 * set *out to the JSON body (see docs/API.md).
 */
#ifndef ZL_FIREWALL_H
#define ZL_FIREWALL_H

#include <jansson.h>

#include "policy.h"
#include "store.h"

struct zl_fw;

/* Open the kernel socket (needs CAP_NET_ADMIN). hooks may be NULL. */
struct zl_fw *zl_fw_new(struct zl_store *store, const struct zl_policy_hooks *hooks,
			char *err, size_t errlen);
/* The store opens after privileges are dropped, the socket before. */
void zl_fw_set_store(struct zl_fw *fw, struct zl_store *store);
/* The behaviour engine that follows the policy in force (may be NULL);
 * zl_fw_free must come before zl_bh_free. */
struct zl_bh;
void zl_fw_set_behaviour(struct zl_fw *fw, struct zl_bh *bh);
/* fn(p, ud) is called (under the policy lock) each time a policy comes
 * into force, p NULL when the table is removed; p is borrowed for the
 * call. Set it before zl_fw_start. The daemon makes the incident
 * detectors of the policy's incidents section with it. */
void zl_fw_set_on_policy(struct zl_fw *fw, void (*fn)(const struct zl_policy *p, void *ud),
			 void *ud);
/*
 * Put the newest confirmed version back in force, marking any version
 * still awaiting confirmation as reverted; with none stored, apply
 * 'initial' (the configured policy file's bundle, may be NULL) and store it
 * as the first version. Starts the confirm timer. A failure is logged and
 * leaves the kernel's table as it was.
 */
void zl_fw_start(struct zl_fw *fw, const json_t *initial);
/* Stop the timer and free; the rules stay in the kernel. */
void zl_fw_free(struct zl_fw *fw);

unsigned zl_fw_apply(struct zl_fw *fw, const json_t *bundle, const char *who,
		     const char *comment, unsigned confirm_s, json_t **out);
unsigned zl_fw_confirm(struct zl_fw *fw, const char *who, json_t **out);
/* version 0: the confirmed version before the one in force. */
unsigned zl_fw_rollback(struct zl_fw *fw, long long version, const char *who, json_t **out);
unsigned zl_fw_diff(struct zl_fw *fw, const json_t *bundle, json_t **out);
/* The version in force, its rules as the kernel holds them (with counters)
 * and the policy lines they come from. */
unsigned zl_fw_show(struct zl_fw *fw, json_t **out);
unsigned zl_fw_history(struct zl_fw *fw, unsigned limit, json_t **out);
/* A stored version's bundle. */
unsigned zl_fw_version(struct zl_fw *fw, long long version, json_t **out);
/* {"version", "state", "confirm_by", "last_error"} for /v1/status */
json_t *zl_fw_status(struct zl_fw *fw);

#endif
