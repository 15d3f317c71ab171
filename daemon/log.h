/*
 * log.h - four logging functions used the same way everywhere: to stderr
 * in the foreground (-f) and to syslog (journald) otherwise.
 */
#ifndef ZL_LOG_H
#define ZL_LOG_H

void zl_log_init(const char *ident, int foreground);
void zl_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zl_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* like zl_log_warnx, with ": strerror(errno)" appended */
void zl_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* an impossible state: log and exit(1) */
void zl_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
