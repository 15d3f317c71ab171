/*
 * bundle.h - a policy as it travels and is kept: the policy file's text and
 * the text of every set file it reads, in one JSON object
 *
 *   {"name": "/etc/zhulan/policy.conf", "text": "...",
 *    "files": {"/etc/zhulan/blocklist.txt": "..."}}
 *
 * zhulanctl reads it from disk (as the administrator, who can read the
 * files) and sends it to the daemon; the daemon parses it from memory and
 * stores it whole as a policy version, so a rollback never depends on files
 * that have changed since.
 */
#ifndef ZL_BUNDLE_H
#define ZL_BUNDLE_H

#include <jansson.h>

#include "policy.h"

/* Read 'path' and its set files. NULL with diagnostics in d on error. */
json_t *zl_bundle_read(const char *path, const struct zl_policy_hooks *hooks,
		       struct zl_diag *d);

/* Parse and check a bundle, set files from its "files". NULL with
 * diagnostics (or "not a policy bundle") in d. */
struct zl_policy *zl_bundle_parse(const json_t *bundle, const struct zl_policy_hooks *hooks,
				  struct zl_diag *d);

#endif
