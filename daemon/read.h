/*
 * read.h - offline mode (zhulan --read).
 */
#ifndef ZL_READ_H
#define ZL_READ_H

#include "detect.h"
#include "engine.h"

struct zl_read_opts {
	const char *path;
	const char *json_path;   /* NULL, a file, or "-" for stdout */
	int apps;                /* print the per-application table */
	int quiet;               /* no summary on stderr */
	const char *incidents_path;  /* run the detectors; NULL, a file or "-" */
	const char *policy_path;     /* the detectors' settings: its incidents section */
};

/* Returns the process exit status (0, 1 cut short, 2 unreadable). */
int zl_read_file(const struct zl_read_opts *ro, const struct zl_engine_opts *eo);

#endif
