/*
 * ctl_report.h - zhulanctl's report commands, over /v1/reports:
 *
 *   zhulanctl report --month YYYY-MM [--format pdf|xlsx|csv] [--lang zh|en]
 *             [--persons] --output PATH|DIR/   (waits on the daemon's job;
 *             CSV into DIR/: one file a section)
 *   zhulanctl report --from T --to T ... --output PATH
 *   zhulanctl [--json] report list
 *   zhulanctl report get N --output PATH
 */
#ifndef ZL_CTL_REPORT_H
#define ZL_CTL_REPORT_H

#include "ctl_users.h"

/* argv[0] is "report". The exit status. */
int zl_ctl_report(const char *sock, int json, int argc, char **argv, zl_ctl_call_fn call);

#endif
