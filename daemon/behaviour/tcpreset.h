/*
 * tcpreset.h - send a TCP reset on a raw socket (IPPROTO_RAW, opened with
 * CAP_NET_RAW): the behaviour engine resets both ends of a blocked flow.
 */
#ifndef ZL_TCPRESET_H
#define ZL_TCPRESET_H

#include <stdint.h>

/* A reset from from:fport to to:tport (addresses in network order, 4 or
 * 16 bytes by family) with sequence number seq, on raw socket fd. 0 or -1. */
int zl_tcp_reset(int fd, int family, const uint8_t *from, uint16_t fport,
		 const uint8_t *to, uint16_t tport, uint32_t seq);

#endif
