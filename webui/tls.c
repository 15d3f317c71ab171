/*
 * tls.c - the console's certificate and key (GnuTLS).
 *
 * Without web_cert/web_key the console makes its own ECDSA P-256 pair at
 * first start, for the listen host (or "localhost" when it listens on every
 * address), valid 825 days, and keeps it in the state directory so the
 * fingerprint an administrator wrote down stays true across restarts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "tls.h"

static char *load_file(const char *path, char *err, size_t errlen)
{
	gnutls_datum_t d;
	char *s;
	int rc = gnutls_load_file(path, &d);

	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, access(path, R_OK) < 0 ? strerror(errno) :
			 gnutls_strerror(rc));
		return NULL;
	}
	s = malloc(d.size + 1);
	if (s) {
		memcpy(s, d.data, d.size);
		s[d.size] = 0;
	}
	gnutls_free(d.data);
	return s;
}

/* Write 'data' to path through a temporary file, mode 'mode', owned by
 * uid:gid when we are root. */
static int save_file(const char *path, const gnutls_datum_t *data, mode_t mode,
		     uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char tmp[4200];
	int fd;
	ssize_t w;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	w = write(fd, data->data, data->size);
	if (w != (ssize_t)data->size || (geteuid() == 0 && fchown(fd, uid, gid) < 0) ||
	    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, w < 0 || w == (ssize_t)data->size ?
			 strerror(errno) : "short write");
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int make_cert(gnutls_x509_crt_t c, gnutls_x509_privkey_t k, const char *host)
{
	unsigned char serial[16], addr[16];
	time_t now = time(NULL);
	int rc;

	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;  /* a positive serial */
	if ((rc = gnutls_x509_crt_set_version(c, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(c, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(c, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(c, now + 825L * 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, host,
						(unsigned)strlen(host))) < 0)
		return rc;
	if (inet_pton(AF_INET, host, addr) == 1)
		rc = gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr, 4,
							  GNUTLS_FSAN_SET);
	else if (inet_pton(AF_INET6, host, addr) == 1)
		rc = gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr, 16,
							  GNUTLS_FSAN_SET);
	else
		rc = gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME, host,
							  (unsigned)strlen(host), GNUTLS_FSAN_SET);
	if (rc < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(c, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(c, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_key(c, k)) < 0)
		return rc;
	return gnutls_x509_crt_sign2(c, c, k, GNUTLS_DIG_SHA256, 0);
}

/* A new self-signed pair in cert_path/key_path. */
static int generate(const char *cert_path, const char *key_path, const char *host,
		    uid_t uid, gid_t gid, char *err, size_t errlen)
{
	gnutls_x509_privkey_t k = NULL;
	gnutls_x509_crt_t c = NULL;
	gnutls_datum_t kd = { NULL, 0 }, cd = { NULL, 0 };
	int rc;

	if ((rc = gnutls_x509_privkey_init(&k)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (rc = gnutls_x509_crt_init(&c)) < 0 || (rc = make_cert(c, k, host)) < 0 ||
	    (rc = gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, NULL,
						     GNUTLS_PKCS_PLAIN, &kd)) < 0 ||
	    (rc = gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &cd)) < 0) {
		snprintf(err, errlen, "cannot make a certificate for %s: %s", host,
			 gnutls_strerror(rc));
		rc = -1;
	} else {
		rc = save_file(key_path, &kd, 0600, uid, gid, err, errlen);
		if (rc == 0)
			rc = save_file(cert_path, &cd, 0644, uid, gid, err, errlen);
	}
	gnutls_free(kd.data);
	gnutls_free(cd.data);
	gnutls_x509_crt_deinit(c);
	gnutls_x509_privkey_deinit(k);
	return rc < 0 ? -1 : 0;
}

static int fingerprint(struct zlw_tls *t, const char *cert_path, char *err, size_t errlen)
{
	gnutls_datum_t d = { (unsigned char *)t->cert_pem, (unsigned)strlen(t->cert_pem) };
	gnutls_x509_crt_t c;
	unsigned char fp[32];
	size_t n = sizeof(fp), i;
	int rc;

	if ((rc = gnutls_x509_crt_init(&c)) < 0)
		goto fail;
	rc = gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM);
	if (rc >= 0)
		rc = gnutls_x509_crt_get_fingerprint(c, GNUTLS_DIG_SHA256, fp, &n);
	gnutls_x509_crt_deinit(c);
	if (rc < 0)
		goto fail;
	for (i = 0; i < n; i++)
		snprintf(t->fingerprint + 3 * i, sizeof(t->fingerprint) - 3 * i, "%02X%s", fp[i],
			 i + 1 < n ? ":" : "");
	return 0;
fail:
	snprintf(err, errlen, "%s: not a PEM certificate: %s", cert_path, gnutls_strerror(rc));
	return -1;
}

static int state_dir_ready(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return 0;
	if (errno != ENOENT || mkdir(dir, 0700) < 0 ||
	    (geteuid() == 0 && chown(dir, uid, gid) < 0)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int zlw_tls_load(struct zlw_tls *t, const char *cert_path, const char *key_path,
		 const char *state_dir, const char *host, uid_t uid, gid_t gid,
		 char *err, size_t errlen)
{
	char cp[4096], kp[4096];

	memset(t, 0, sizeof(*t));
	if (!cert_path != !key_path) {
		snprintf(err, errlen, "web_cert and web_key go together (set both or neither)");
		return -1;
	}
	if (!cert_path) {
		if (!*host || !strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
			host = "localhost";
		snprintf(cp, sizeof(cp), "%s/cert.pem", state_dir);
		snprintf(kp, sizeof(kp), "%s/key.pem", state_dir);
		cert_path = cp;
		key_path = kp;
		if (state_dir_ready(state_dir, uid, gid, err, errlen) < 0)
			return -1;
		if (access(cp, F_OK) < 0 || access(kp, F_OK) < 0) {
			if (generate(cp, kp, host, uid, gid, err, errlen) < 0)
				return -1;
			t->generated = 1;
		}
	}
	t->cert_pem = load_file(cert_path, err, errlen);
	t->key_pem = t->cert_pem ? load_file(key_path, err, errlen) : NULL;
	if (!t->key_pem || fingerprint(t, cert_path, err, errlen) < 0) {
		zlw_tls_free(t);
		return -1;
	}
	return 0;
}

void zlw_tls_free(struct zlw_tls *t)
{
	free(t->cert_pem);
	if (t->key_pem) {
		explicit_bzero(t->key_pem, strlen(t->key_pem));
		free(t->key_pem);
	}
	t->cert_pem = t->key_pem = NULL;
}
