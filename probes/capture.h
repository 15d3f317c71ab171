/*
 * capture.h - packet sources through libpcap: live interfaces and pcap /
 * pcapng files (any byte order, micro- or nanosecond). The only module
 * that includes pcap.h.
 */
#ifndef ZL_CAPTURE_H
#define ZL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct zl_capture;

struct zl_frame {
	const uint8_t *data;    /* borrowed until the next zl_capture_next */
	uint32_t caplen, wirelen;
	uint64_t ts_us;
};

struct zl_live_opts {
	int snaplen;            /* default 65535 */
	int buffer_mb;          /* kernel ring size, default 32 */
	int promisc;            /* default 1 */
	int timeout_ms;         /* longest a packet waits in the ring, default 100 */
	int immediate;          /* hand each packet over at once rather than in
				 * ring blocks (policy acts on the first packets
				 * of a flow; costs more wake-ups under load) */
};

enum zl_capture_rc {
	ZL_CAP_PACKET = 1,
	ZL_CAP_TIMEOUT = 0,     /* live: no packet within the timeout */
	ZL_CAP_EOF = -1,        /* file: clean end */
	ZL_CAP_ERROR = -2,      /* read error: see zl_capture_error() */
};

/* Open a capture file. NULL and a "FILE: reason" message on failure. */
struct zl_capture *zl_capture_open_file(const char *path, char *err, size_t errlen);
/* Open a live interface. NULL and a message on failure. */
struct zl_capture *zl_capture_open_live(const char *ifname,
					const struct zl_live_opts *o,
					char *err, size_t errlen);
void zl_capture_close(struct zl_capture *c);

int zl_capture_link(const struct zl_capture *c);
const char *zl_capture_name(const struct zl_capture *c);
int zl_capture_next(struct zl_capture *c, struct zl_frame *fr);
/* After ZL_CAP_ERROR: what went wrong and where (packet number, offset). */
const char *zl_capture_error(const struct zl_capture *c);
/* Live: make a blocked zl_capture_next return (from another thread). */
void zl_capture_breakloop(struct zl_capture *c);

struct zl_capture_stats {
	uint64_t packets;       /* delivered to us */
	uint64_t kernel_received;
	uint64_t kernel_dropped;
	uint64_t if_dropped;
};
void zl_capture_stats(struct zl_capture *c, struct zl_capture_stats *s);

#endif
