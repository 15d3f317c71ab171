/*
 * tls.h - the console's certificate: the administrator's PEM pair, or a
 * self-signed ECDSA P-256 pair made at first start and kept in the state
 * directory. The key and certificate are handed to libmicrohttpd as PEM.
 */
#ifndef ZLW_TLS_H
#define ZLW_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct zlw_tls {
	char *cert_pem;            /* NUL-terminated */
	char *key_pem;
	char fingerprint[96];      /* SHA-256, "AB:CD:..." */
	int generated;             /* 1 when made now, at this start */
};

/*
 * Load cert_path/key_path (both set), or state_dir/cert.pem and key.pem,
 * generating them for 'host' when absent (owned by uid:gid when running as
 * root, key mode 0600). Returns 0, or -1 with a message in err.
 */
int zlw_tls_load(struct zlw_tls *t, const char *cert_path, const char *key_path,
		 const char *state_dir, const char *host, uid_t uid, gid_t gid,
		 char *err, size_t errlen);
void zlw_tls_free(struct zlw_tls *t);

/* The priority string: TLS 1.2 and 1.3 only. */
#define ZLW_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

#endif
