/*
 * ruletext.h - a behaviour rule as the text an administrator wrote, in
 * parts (for GET /v1/behaviour).
 */
#ifndef ZL_RULETEXT_H
#define ZL_RULETEXT_H

#include <jansson.h>

#include "policy.h"

/* {"action":"block","subject":"$finance","object":"app Douyin, Kuaishou",
 *  "schedule":"workhours" or null, "rate":"2 mbit" (limit only)} */
json_t *zl_bh_rule_json(const struct zl_bh_rule *r);

#endif
