/*
 * capture.c - the libpcap adapter.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "decode.h"

struct zl_capture {
	pcap_t *p;
	char *name;
	int link;
	int live;
	int pcapng;
	int poll_fd;                /* immediate mode: we wait ourselves, with a timeout */
	int timeout_ms;
	uint64_t packets;
	uint64_t last_good_offset;  /* classic pcap: offset after the last whole record */
	char *iobuf;
	char err[PCAP_ERRBUF_SIZE + 256];
};

static struct zl_capture *cap_new(const char *name)
{
	struct zl_capture *c = calloc(1, sizeof(*c));

	if (c && !(c->name = strdup(name))) {
		free(c);
		c = NULL;
	}
	return c;
}

static int check_link(struct zl_capture *c, char *err, size_t errlen)
{
	c->link = pcap_datalink(c->p);
	if (!zl_decode_link_supported(c->link)) {
		const char *n = pcap_datalink_val_to_name(c->link);
		snprintf(err, errlen, "%s: unsupported link type %d (%s)",
			 c->name, c->link, n ? n : "unknown");
		return -1;
	}
	return 0;
}

struct zl_capture *zl_capture_open_file(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct zl_capture *c;
	struct stat st;
	uint32_t magic = 0;
	FILE *fp;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a capture file", path);
		return NULL;
	}
	if (!(c = cap_new(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	/* Our own FILE with a 1 MiB buffer: libpcap reads record by record
	 * through stdio, and the default 4 KiB buffer costs a read() every few
	 * packets. */
	fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		zl_capture_close(c);
		return NULL;
	}
	c->iobuf = malloc(1 << 20);
	if (c->iobuf)
		setvbuf(fp, c->iobuf, _IOFBF, 1 << 20);
	if (fread(&magic, 4, 1, fp) == 1)
		c->pcapng = magic == 0x0a0d0d0a;
	rewind(fp);
	c->p = pcap_fopen_offline_with_tstamp_precision(fp,
			PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!c->p) {
		fclose(fp);
		/* libpcap says "unknown file format" for what is not a capture. */
		if (st.st_size == 0)
			snprintf(err, errlen, "%s: empty file, not a capture", path);
		else if (strstr(ebuf, "unknown file format"))
			snprintf(err, errlen, "%s: not a pcap or pcapng capture", path);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		zl_capture_close(c);
		return NULL;
	}
	if (check_link(c, err, errlen) < 0) {
		zl_capture_close(c);
		return NULL;
	}
	c->last_good_offset = 24;  /* classic pcap's file header */
	return c;
}

struct zl_capture *zl_capture_open_live(const char *ifname,
					const struct zl_live_opts *o,
					char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct zl_capture *c = cap_new(ifname);
	int rc;

	if (!c) {
		snprintf(err, errlen, "%s: out of memory", ifname);
		return NULL;
	}
	c->live = 1;
	c->p = pcap_create(ifname, ebuf);
	if (!c->p) {
		snprintf(err, errlen, "%s: %s", ifname, ebuf);
		zl_capture_close(c);
		return NULL;
	}
	pcap_set_snaplen(c->p, o && o->snaplen ? o->snaplen : 65535);
	pcap_set_buffer_size(c->p, (o && o->buffer_mb ? o->buffer_mb : 32) << 20);
	pcap_set_promisc(c->p, o ? o->promisc : 1);
	pcap_set_timeout(c->p, o && o->timeout_ms ? o->timeout_ms : 100);
	pcap_set_immediate_mode(c->p, o && o->immediate);
	rc = pcap_activate(c->p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", ifname, pcap_geterr(c->p));
		zl_capture_close(c);
		return NULL;
	}
	if (check_link(c, err, errlen) < 0) {
		zl_capture_close(c);
		return NULL;
	}
	/* libpcap may wait for a packet forever on a quiet link (immediate
	 * mode; TPACKET_V3 blocks retire only with packets in them): read
	 * without blocking and poll here, at most 100 ms, so the caller can
	 * still expire idle flows. Latency is the ring's: the kernel makes
	 * the fd readable when it hands a block (or a packet) over. */
	c->poll_fd = -1;
	c->timeout_ms = 100;
	if (pcap_setnonblock(c->p, 1, ebuf) == 0)
		c->poll_fd = pcap_get_selectable_fd(c->p);
	return c;
}

void zl_capture_close(struct zl_capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);  /* closes our FILE too */
	free(c->iobuf);
	free(c->name);
	free(c);
}

int zl_capture_link(const struct zl_capture *c)
{
	return c->link;
}

const char *zl_capture_name(const struct zl_capture *c)
{
	return c->name;
}

int zl_capture_next(struct zl_capture *c, struct zl_frame *fr)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(c->p, &h, &data);

	if (rc == 0 && c->live && c->poll_fd >= 0) {
		struct pollfd pfd = { c->poll_fd, POLLIN, 0 };
		if (poll(&pfd, 1, c->timeout_ms) > 0)
			rc = pcap_next_ex(c->p, &h, &data);
	}

	switch (rc) {
	case 1:
		c->packets++;
		fr->data = data;
		fr->caplen = h->caplen;
		fr->wirelen = h->len;
		fr->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		c->last_good_offset += 16 + (uint64_t)h->caplen;
		return ZL_CAP_PACKET;
	case 0:
		return ZL_CAP_TIMEOUT;
	case PCAP_ERROR_BREAK:
		return c->live ? ZL_CAP_TIMEOUT : ZL_CAP_EOF;
	default:
		if (c->live)
			snprintf(c->err, sizeof(c->err), "%s: %s", c->name,
				 pcap_geterr(c->p));
		else
			snprintf(c->err, sizeof(c->err),
				 "%s: stopped after packet %llu (byte offset %llu): %s",
				 c->name, (unsigned long long)c->packets,
				 (unsigned long long)(c->pcapng ? (uint64_t)ftell(pcap_file(c->p)) :
						      c->last_good_offset),
				 pcap_geterr(c->p));
		return ZL_CAP_ERROR;
	}
}

const char *zl_capture_error(const struct zl_capture *c)
{
	return c->err;
}

void zl_capture_breakloop(struct zl_capture *c)
{
	pcap_breakloop(c->p);
}

void zl_capture_stats(struct zl_capture *c, struct zl_capture_stats *s)
{
	struct pcap_stat ps;

	memset(s, 0, sizeof(*s));
	s->packets = c->packets;
	if (c->live && pcap_stats(c->p, &ps) == 0) {
		s->kernel_received = ps.ps_recv;
		s->kernel_dropped = ps.ps_drop;
		s->if_dropped = ps.ps_ifdrop;
	}
}
