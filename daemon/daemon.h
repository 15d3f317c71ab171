/*
 * daemon.h - the long-running service: `zhulan [-f] [-c FILE]`.
 */
#ifndef ZL_DAEMON_H
#define ZL_DAEMON_H

/* Run until SIGTERM/SIGINT; returns the exit status (2: could not start). */
int zl_daemon_run(const char *conf_path, int foreground);

#endif
