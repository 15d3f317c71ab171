/*
 * control.h - the local control API: HTTP/1.1 with JSON bodies over a unix
 * socket, served by libmicrohttpd. Used by zhulanctl and the web console;
 * every endpoint is documented in docs/API.md.
 */
#ifndef ZL_CONTROL_H
#define ZL_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#include "archive.h"
#include "behaviour.h"
#include "directory.h"
#include "firewall.h"
#include "incidents.h"
#include "sensor.h"
#include "store.h"

struct zl_control;
struct zl_conf;

struct zl_control_ctx {
	struct zl_sensor **sensors;
	int n_sensors;
	struct zl_store *store;
	const char *version;
	long long started_us;
	const char *db_path;
	/* asks the daemon to reload its configuration; returns 0 or -1 + msg */
	int (*reload)(void *ud, char *msg, size_t len);
	void *ud;
	struct zl_fw *fw;             /* the policy engine; NULL: none */
	struct zl_bh *bh;             /* the behaviour engine; NULL: none */
	struct zl_dir *dir;           /* the address book; NULL: none */
	const struct zl_conf *conf;   /* the running configuration (IPv6 targets) */
	struct zl_incd *incd;         /* the incidents thread; NULL: none */
	struct zl_archive *reports;   /* the reports' archive (archive.h); NULL: none */
};

/*
 * Create the socket at 'path' (mode 0660, group gid) as root, before
 * privileges are dropped. Refuses a directory that others could write to.
 */
int zl_control_socket(const char *path, gid_t gid, char *err, size_t errlen);

/* Serve on the listening socket fd (taken over). */
struct zl_control *zl_control_start(int fd, const struct zl_control_ctx *ctx,
				    char *err, size_t errlen);
void zl_control_stop(struct zl_control *c);

#endif
