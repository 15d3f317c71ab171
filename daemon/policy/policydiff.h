/*
 * policydiff.h - the difference between two policies, for `policy diff`.
 */
#ifndef ZL_POLICYDIFF_H
#define ZL_POLICYDIFF_H

#include <jansson.h>

#include "policy.h"

/*
 * {"chains": [{"chain", "from", "to"}], "rules": [{"chain", "op": "add|delete",
 * "rule", "line"...}], "sets": [...], "sections": [{"section": "incidents"
 * or "ipv6", "op": "+" or "-", "item" ("suppress scan from $scanners",
 * "threshold violation 10 in 10m", "dedup 2h", "router fe80::1",
 * "risk add \"...\"", "blocklist $cc", "site \"https://...\"",
 * "internal $servers"), "line"}]}: what changes from 'op' (NULL: no policy
 * in force) to 'np'. A new object.
 */
json_t *zl_policy_diff(const struct zl_policy *op, const struct zl_policy *np);

#endif
