/*
 * statedir.c - directories, ownership and the instance lock at start-up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "statedir.h"

/* Is every entry of 'dir' named 'base', 'base' followed by a suffix, or
 * "reports" (the reports' archive beside the database)? */
static int only_ours(const char *dir, const char *base)
{
	size_t n = strlen(base);
	struct dirent *e;
	DIR *d = opendir(dir);
	int ours = 1;

	if (!d)
		return 0;
	while (ours && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "reports") && strncmp(e->d_name, base, n))
			ours = 0;
	closedir(d);
	return ours;
}

/* Split 'path' into its directory and base name (free *dir only). */
static int split(const char *path, char **dir, const char **base)
{
	char *c = strdup(path);
	const char *slash = strrchr(path, '/');

	if (!c)
		return -1;
	*dir = c;
	dirname(c);
	*base = slash ? slash + 1 : path;
	return 0;
}

/* The reports' archive ("reports/" beside the database, or before its
 * renaming "DATABASE.reports/", archive.c): the directory and its files. */
static int claim_reports(int dirfd, const char *name, uid_t uid, gid_t gid, char *err,
			 size_t errlen)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    fchownat(fd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s/%s: %s", name, e->d_name, strerror(errno));
			closedir(d);
			return -1;
		}
	closedir(d);
	return 0;
}

int zl_statedir_claim_db(const char *db_path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal", ".lock", ".reports" };
	const char *base;
	char *dir, file[4096];
	struct stat st;
	size_t i;
	int rc = -1, fd;

	if (split(db_path, &dir, &base) < 0)
		return -1;
	if (stat(dir, &st) < 0 && (errno != ENOENT || mkdir(dir, 0700) < 0)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
	if (geteuid() != 0 || stat(dir, &st) < 0 || (st.st_mode & (S_ISVTX | S_IWOTH)) ||
	    !only_ours(dir, base))
		goto out;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0) {
		snprintf(err, errlen, "%s: cannot give it to uid %u: %s", dir, uid, strerror(errno));
		rc = -1;
	} else if ((st.st_mode & 0777) != 0700) {
		/* the database holds the access log: its directory is the user's alone */
		zl_log_warnx("%s: was mode %03o; now 0700 (the database holds personal data)",
			     dir, (unsigned)(st.st_mode & 0777));
	}
	for (i = 0; rc == 0 && i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(file, sizeof(file), "%s%s", base, suffix[i]);
		if (fchownat(fd, file, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s/%s: %s", dir, file, strerror(errno));
			rc = -1;
		}
	}
	snprintf(file, sizeof(file), "%s.reports", base);
	if (rc == 0)
		rc = claim_reports(fd, "reports", uid, gid, err, errlen);
	if (rc == 0)
		rc = claim_reports(fd, file, uid, gid, err, errlen);
	if (fd >= 0)
		close(fd);
out:
	free(dir);
	return rc;
}

void zl_statedir_claim_socket_dir(const char *socket_path, gid_t gid)
{
	const char *base;
	struct stat st;
	char *dir;
	int fd;

	if (geteuid() != 0 || split(socket_path, &dir, &base) < 0)
		return;
	if (stat(dir, &st) == 0 && !(st.st_mode & (S_ISVTX | S_IWOTH)) && only_ours(dir, base)) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			if (fchown(fd, 0, gid) < 0 || fchmod(fd, 0750) < 0) { /* as it was */ }
			close(fd);
		}
	}
	free(dir);
}

int zl_statedir_lock(const char *db_path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[4096], pid[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s.lock", db_path);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		/* first start: the directory too (zl_statedir_claim_db gives it away) */
		char *dir = strdup(db_path);
		if (dir && mkdir(dirname(dir), 0700) == 0)
			fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		free(dir);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && fchown(fd, uid, gid) < 0) { /* root keeps it: still a lock */ }
	/* a POSIX record lock: F_GETLK tells who holds it, and the kernel drops
	 * it when the holder dies, however it dies */
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int e = errno;
		if (e == EACCES || e == EAGAIN) {
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_pid > 0)
				snprintf(pid, sizeof(pid), "%d", (int)fl.l_pid);
			else if ((n = pread(fd, pid, sizeof(pid) - 1, 0)) > 0)
				pid[strcspn(pid, "\n")] = 0;
			snprintf(err, errlen, "%s is in use by another zhulan (pid %s); "
				 "not starting a second one", db_path, pid[0] ? pid : "unknown");
			close(fd);
			return -2;
		}
		snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) { /* the lock is what counts */ }
	return fd;
}
