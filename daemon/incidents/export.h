/*
 * export.h - incidents out of the appliance: RFC 5424 syslog carrying the
 * JSON record (UDP datagrams, TCP with RFC 6587 octet counting, or TLS per RFC 5425 with
 * GnuTLS, the receiver's certificate checked), a
 * JSON-lines file for Filebeat or Wazuh, and a webhook for high and
 * critical incidents (the record itself, or a DingTalk / WeCom group
 * robot's text message).
 *
 * One thread of its own sends; each target has its own bounded queue, so a
 * receiver that is down holds up only its own records: they wait and are
 * sent again (counted as retried) with a pause growing from 1 s to 30 s,
 * and what does not fit is dropped and counted. Nothing here ever makes
 * the caller wait.
 */
#ifndef ZL_EXPORT_H
#define ZL_EXPORT_H

#include <stddef.h>

#include <jansson.h>

struct zl_export_opts {
	const char *syslog;            /* "udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT", or NULL */
	const char *syslog_ca;         /* PEM CA file for tls:// receivers (NULL: the system's) */
	const char *jsonl;             /* a file to append to, or NULL */
	const char *webhook;           /* http(s) URL, or NULL */
	const char *webhook_format;    /* "json" (NULL), "dingtalk", "wecom" */
	int webhook_severity;          /* the least severity posted (ZL_SEV_HIGH) */
	unsigned queue_len;            /* records each target may hold (0: 4096) */
};

struct zl_export;

/* NULL with the reason in err (a target that does not parse). With no
 * target at all, a valid exporter that does nothing. */
struct zl_export *zl_export_new(const struct zl_export_opts *o, char *err, size_t errlen);
/* Stop the thread (after one last try at what is queued) and free. */
void zl_export_free(struct zl_export *x);
/* Queue a record (copied) for every target; the webhook takes it only when
 * severity reaches webhook_severity and 'alert' is set (a new incident,
 * not an update). Any thread; never blocks. */
void zl_export_put(struct zl_export *x, const json_t *record, int severity, int alert);
/* [{"target","kind","sent","retried","dropped","pending","up","last_error"}] */
json_t *zl_export_status(struct zl_export *x);

#endif
