/*
 * statedir.h - the daemon's place on disk, made ready as root before the
 * privilege drop: the database's directory (0700, owned by `user`), the
 * control socket's directory (0750, root and the group of `user`), and the
 * instance lock that keeps a second daemon off the same database.
 *
 * systemd's StateDirectory= and RuntimeDirectory= without User= are
 * root:root 0750, and systemd chowns their contents back to root at every
 * start; so ownership is fixed at each start, but only in a directory that
 * holds nothing but the daemon's own files (database, its -wal/-shm/-journal,
 * the lock; the socket), so a database put in /var/lib or /tmp never makes
 * the daemon chown those.
 */
#ifndef ZL_STATEDIR_H
#define ZL_STATEDIR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Create the database's directory if missing and, as root, give it and the
 * database's files to uid:gid, mode 0700 (the reports' archive, reports/
 * beside the database or its old DATABASE.reports/, and their files too).
 * Returns 0 or -1 with "DIR: reason".
 */
int zl_statedir_claim_db(const char *db_path, uid_t uid, gid_t gid, char *err, size_t errlen);
/* As root: the socket's directory, if it holds only the socket, to root:gid 0750. */
void zl_statedir_claim_socket_dir(const char *socket_path, gid_t gid);

/*
 * Lock "DATABASE.lock" (created 0600 for uid:gid, with its directory if
 * missing) for as long as the process lives, and write our pid in it. Take
 * it before anything else, zl_statedir_claim_db included. Returns the lock's fd; -1 with a message on
 * an error; -2 when another process holds it, the message naming its pid.
 */
int zl_statedir_lock(const char *db_path, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
