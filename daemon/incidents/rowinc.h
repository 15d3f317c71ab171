/*
 * rowinc.h - a stored incident (store_incidents.h) back as a record of the
 * dedup table (incident.h), so that an incident still going on when the
 * daemon restarts goes on adding to its record instead of opening another.
 */
#ifndef ZL_ROWINC_H
#define ZL_ROWINC_H

#include "incident.h"
#include "store_incidents.h"

/* 0, or -1 when the row does not make a record (an unknown type or
 * address). The evidence keys come back from the row's JSON; a scan's kind
 * from its sentence; the risk's name is nDPI's own (classify.h). */
int zl_incident_of_row(const struct zl_incident_row *r, struct zl_incident *inc);

#endif
