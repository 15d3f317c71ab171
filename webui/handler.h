/*
 * handler.h - what zhulan-web answers: /api/v1/... forwarded to the
 * daemon's /v1/... with the session's user, role and the browser's address
 * (login, logout and session handled here), everything else from the
 * static files; the security headers on every answer.
 */
#ifndef ZLW_HANDLER_H
#define ZLW_HANDLER_H

#include <microhttpd.h>

#include "session.h"
#include "static.h"

struct zlw_handler;

/* Borrows all three; they outlive the handler. */
struct zlw_handler *zlw_handler_new(const char *control_socket, struct zlw_sessions *sessions,
				    struct zlw_static *files);
void zlw_handler_free(struct zlw_handler *h);

/* libmicrohttpd's callbacks, with the handler as their cls:
 * MHD_OPTION_URI_LOG_CALLBACK, the access handler and
 * MHD_OPTION_NOTIFY_COMPLETED. */
void *zlw_handler_uri(void *cls, const char *uri, struct MHD_Connection *c);
enum MHD_Result zlw_handler_access(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **req);
void zlw_handler_done(void *cls, struct MHD_Connection *c, void **req,
		      enum MHD_RequestTerminationCode why);

#endif
