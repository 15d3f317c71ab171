/*
 * detect_conf.h - a policy's incidents section as the detectors'
 * configuration (probes/detect.h): the one place where rules/ meets the
 * detectors, and only their plain configuration record.
 */
#ifndef ZL_DETECT_CONF_H
#define ZL_DETECT_CONF_H

#include "detect.h"
#include "policy.h"

/*
 * Fill c, which zl_detect_config_default has prepared, from p's incidents
 * section. The arrays c then points to are allocated here and belong to c
 * until zl_detect_config_release; names point into p, which must outlive
 * c. -1 when out of memory (c is released).
 */
int zl_policy_detect_config(const struct zl_policy *p, struct zl_detect_config *c);
void zl_detect_config_release(struct zl_detect_config *c);

#endif
