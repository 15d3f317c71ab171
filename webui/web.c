/*
 * web.c - zhulan-web, the HTTPS console: its command line, settings,
 * listening socket, certificate, privilege drop and main loop.
 *
 *   zhulan-web [-f] [-c FILE] [--listen ADDR:PORT] [--static DIR]
 *
 * Started as root it binds, reads its key, then becomes web_user with no
 * capabilities at all, keeping only the daemon's group so that it can open
 * the control socket. Everything else is handler.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <jansson.h>
#include <microhttpd.h>

#include "conf.h"
#include "handler.h"
#include "log.h"
#include "proxy.h"
#include "session.h"
#include "static.h"
#include "tls.h"

#define MAX_CONNECTIONS 1024
#define LOGIN_ATTEMPTS 10      /* per address and minute, before the daemon's own limit */

struct web {
	struct zl_conf conf;
	char host[256];
	unsigned port;
	uid_t uid;
	gid_t gid;
	gid_t sock_gid;
	int have_user, have_sock_gid;
	int fd;
	struct zlw_tls tls;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: zhulan-web [-f] [-c FILE] [--listen ADDR:PORT] [--static DIR]\n"
"\n"
"  -f                 stay in the foreground, log to stderr\n"
"  -c FILE            configuration file (default %s)\n"
"  --listen ADDR:PORT where to serve HTTPS (web_listen; port 0: any free port)\n"
"  --static DIR       the console's pages (web_static)\n", ZL_SYSCONFDIR "/zhulan/zhulan.conf");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	zl_log_warnx("https: %s", msg);
}

/* The user to become and the group of the control socket (or, before the
 * daemon made it, the daemon user's group). */
static int find_ids(struct web *w, char *err, size_t len)
{
	struct passwd *pw;
	struct stat st;

	if (stat(w->conf.control_socket, &st) == 0) {
		w->sock_gid = st.st_gid;
		w->have_sock_gid = 1;
	} else if ((pw = getpwnam(w->conf.user))) {
		w->sock_gid = pw->pw_gid;
		w->have_sock_gid = 1;
	}
	if (geteuid() != 0) {
		w->uid = geteuid();
		w->gid = getegid();
		return 0;
	}
	pw = getpwnam(w->conf.web_user);
	if (!pw) {
		snprintf(err, len, "user \"%s\" does not exist (create it: adduser --system "
			 "--group %s; adduser %s %s)", w->conf.web_user, w->conf.web_user,
			 w->conf.web_user, w->conf.user);
		return -1;
	}
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	w->have_user = 1;
	return 0;
}

static int listen_on(struct web *w, char *err, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[8], hbuf[NI_MAXHOST], pbuf[NI_MAXSERV];
	int one = 1, rc;

	snprintf(port, sizeof(port), "%u", w->port);
	rc = getaddrinfo(w->host, port, &hints, &ai);
	if (rc) {
		snprintf(err, len, "web_listen %s: %s", w->host, gai_strerror(rc));
		return -1;
	}
	w->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w->fd < 0 || setsockopt(w->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(w->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(w->fd, 128) < 0 ||
	    getsockname(w->fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, len, "cannot listen on %s:%u: %s", w->host, w->port, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	if (getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof(hbuf), pbuf, sizeof(pbuf),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		w->port = (unsigned)atoi(pbuf);
	return 0;
}

/* Become web_user: its own groups plus the control socket's, no
 * capabilities, an empty bounding set, no way back (no_new_privs). */
static int drop_privileges(struct web *w, char *err, size_t len)
{
	gid_t groups[256];
	int n;

	if (!w->have_user)
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	n = initgroups(w->conf.web_user, w->gid) == 0 ? getgroups(255, groups) : -1;
	if (n < 0) {
		snprintf(err, len, "groups of %s: %s", w->conf.web_user, strerror(errno));
		return -1;
	}
	if (w->have_sock_gid) {
		int i, have = 0;
		for (i = 0; i < n; i++)
			have |= groups[i] == w->sock_gid;
		if (!have)
			groups[n++] = w->sock_gid;
	}
	if (setgroups((size_t)n, groups) < 0) {
		snprintf(err, len, "setgroups: %s", strerror(errno));
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)w->uid, (int)w->gid, CAPNG_CLEAR_BOUNDING) != 0 ||
	    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		snprintf(err, len, "cannot become user %s without capabilities (libcap-ng)",
			 w->conf.web_user);
		return -1;
	}
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Tell the daemon where the console is and which certificate it shows
 * (best effort: an older daemon does not know the endpoint). Returns the
 * daemon's status, 0 when it did not answer. */
static long announce(struct web *w, long last)
{
	static const char *const hdrs[] = { "Content-Type: application/json", NULL };
	char listen[300];
	json_t *j;
	char *body;
	struct zlw_upstream *u;
	long status;

	snprintf(listen, sizeof(listen), strchr(w->host, ':') ? "[%s]:%u" : "%s:%u",
		 w->host, w->port);
	j = json_pack("{s:s, s:s}", "listen", listen, "fingerprint", w->tls.fingerprint);
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return last;
	u = zlw_upstream_start(w->conf.control_socket, "POST", "/v1/web/announce", body,
			       strlen(body), hdrs);
	free(body);
	status = u ? zlw_upstream_status(u) : 0;
	if (status != last) {
		if (status >= 200 && status < 300)
			zl_log_info("announced to the daemon at %s", w->conf.control_socket);
		else if (status)
			zl_log_warnx("the daemon at %s answered %ld to /v1/web/announce; "
				     "not announced (continuing)", w->conf.control_socket, status);
		else
			zl_log_warnx("the daemon at %s does not answer (%s); not announced "
				     "(continuing)", w->conf.control_socket,
				     u ? zlw_upstream_error(u) : "out of memory");
	}
	zlw_upstream_free(u);
	return status;
}

/*
 * A thread per connection: a request waits on the daemon in its own
 * thread (a search may take seconds, a CSV export streams for longer), so
 * it never holds up other browsers' pages, as it would in a pool thread
 * that serves many connections.
 */
static struct MHD_Daemon *start_https(struct web *w, struct zlw_handler *h)
{
	return MHD_start_daemon(MHD_USE_TLS | MHD_USE_THREAD_PER_CONNECTION |
				MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
		0, NULL, NULL, zlw_handler_access, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, w->fd,
		MHD_OPTION_HTTPS_MEM_KEY, w->tls.key_pem,
		MHD_OPTION_HTTPS_MEM_CERT, w->tls.cert_pem,
		MHD_OPTION_HTTPS_PRIORITIES, ZLW_TLS_PRIORITIES,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(MAX_CONNECTIONS / 4),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
		MHD_OPTION_URI_LOG_CALLBACK, zlw_handler_uri, h,
		MHD_OPTION_NOTIFY_COMPLETED, zlw_handler_done, h,
		MHD_OPTION_END);
}

static int setup(struct web *w, const char *conf_path, const char *listen, char *err, size_t len)
{
	if (zl_conf_load(conf_path, &w->conf, err, len) < 0)
		return -1;
	if (listen) {
		free(w->conf.web_listen);
		w->conf.web_listen = strdup(listen);
	}
	if (zl_conf_split_listen(w->conf.web_listen, w->host, sizeof(w->host), &w->port) < 0) {
		snprintf(err, len, "--listen: expected ADDRESS:PORT or [IPV6]:PORT, got \"%s\"",
			 w->conf.web_listen);
		return -1;
	}
	if (w->conf.web_session_idle > w->conf.web_session_max) {
		snprintf(err, len, "%s: web_session_idle (%u s) is longer than web_session_max (%u s)",
			 conf_path, w->conf.web_session_idle, w->conf.web_session_max);
		return -1;
	}
	if (!w->conf.web_cert != !w->conf.web_key) {
		snprintf(err, len, "%s: web_cert and web_key go together (set both or neither)",
			 conf_path);
		return -1;
	}
	return 0;
}

static int serve(struct web *w, struct zlw_static *files)
{
	struct zlw_sessions *sessions = zlw_sessions_new(w->conf.web_session_idle,
		w->conf.web_session_max, LOGIN_ATTEMPTS, 60);
	struct zlw_handler *h = sessions ? zlw_handler_new(w->conf.control_socket, sessions,
							   files) : NULL;
	struct MHD_Daemon *mhd = h ? start_https(w, h) : NULL;
	struct timespec tick = { 300, 0 };
	sigset_t sigs;
	long last = -1;
	int sig;

	if (mhd)
		w->fd = -1;  /* libmicrohttpd's now, closed when it stops */
	if (!mhd) {
		zl_log_warnx("cannot start the HTTPS server on %s:%u", w->host, w->port);
		zlw_handler_free(h);
		zlw_sessions_free(sessions);
		return 1;
	}
	zl_log_info("listening on https://%s%s%s:%u as %s; certificate SHA-256 %s",
		    strchr(w->host, ':') ? "[" : "", w->host, strchr(w->host, ':') ? "]" : "",
		    w->port, getpwuid(getuid()) ? getpwuid(getuid())->pw_name : "?",
		    w->tls.fingerprint);
	last = announce(w, last);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			zl_log_info("SIGHUP: zhulan-web reads its settings at start; restart it to apply them");
		if (sig < 0 && errno == EAGAIN)
			last = announce(w, last);  /* the daemon may have restarted */
	}
	zl_log_info("stopping (signal %d)", sig);
	MHD_stop_daemon(mhd);
	zlw_handler_free(h);
	zlw_sessions_free(sessions);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "static", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = ZL_SYSCONFDIR "/zhulan/zhulan.conf", *listen = NULL, *dir = NULL;
	struct web w = { .fd = -1 };
	struct zlw_static *files = NULL;
	char err[1024];
	sigset_t sigs;
	int c, fg = 0, rc = 2;

	while ((c = getopt_long(argc, argv, "fc:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f': fg = 1; break;
		case 'c': conf_path = optarg; break;
		case 'l': listen = optarg; break;
		case 's': dir = optarg; break;
		case 'V': printf("zhulan-web %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	zl_log_init("zhulan-web", fg);
	zl_conf_defaults(&w.conf);
	/* Block the signals before any thread exists: only the main loop takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (setup(&w, conf_path, listen, err, sizeof(err)) < 0 || find_ids(&w, err, sizeof(err)) < 0 ||
	    listen_on(&w, err, sizeof(err)) < 0 ||
	    zlw_tls_load(&w.tls, w.conf.web_cert, w.conf.web_key, w.conf.web_state_dir, w.host,
			 w.uid, w.gid, err, sizeof(err)) < 0 ||
	    !(files = zlw_static_new(dir ? dir : w.conf.web_static, err, sizeof(err))) ||
	    drop_privileges(&w, err, sizeof(err)) < 0 ||
	    (zlw_proxy_global_init(ZLW_PROXY_PARALLEL) < 0 && snprintf(err, sizeof(err), "libcurl: cannot start") > 0)) {
		fprintf(stderr, "zhulan-web: %s\n", err);
		goto out;
	}
	if (w.tls.generated)
		zl_log_info("made a self-signed certificate in %s for %s", w.conf.web_state_dir,
			    w.host);
	if (!zlw_static_chart(files))
		zl_log_warnx("Chart.js not found (apt-get install libjs-chart.js): /vendor/chart.js is absent");
	rc = serve(&w, files);
out:
	if (w.fd >= 0)
		close(w.fd);
	zlw_static_free(files);
	zlw_tls_free(&w.tls);
	zl_conf_free(&w.conf);
	return rc;
}
