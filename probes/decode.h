/*
 * decode.h - turn one captured frame into a zl_pkt: addresses, ports and
 * where the IP packet starts, never reading past the captured length.
 *
 * The decoder is stateless: fragments are only described here (id, offset,
 * more-fragments); attributing non-first fragments to a flow is the flow
 * engine's job (engine.c).
 */
#ifndef ZL_DECODE_H
#define ZL_DECODE_H

#include <stdint.h>
#include <stddef.h>

/* Link types as libpcap's pcap_datalink() reports them (DLT_*). */
enum zl_link {
	ZL_LINK_NULL = 0,        /* BSD loopback, host-order AF */
	ZL_LINK_ETHERNET = 1,
	ZL_LINK_PPP = 9,
	ZL_LINK_RAW = 12,        /* DLT_RAW on Linux (LINKTYPE_RAW 101) */
	ZL_LINK_RAW_BSD = 14,    /* DLT_RAW on some BSDs */
	ZL_LINK_PPP_SERIAL = 50,
	ZL_LINK_C_HDLC = 104,
	ZL_LINK_LOOP = 108,      /* OpenBSD loopback, network-order AF */
	ZL_LINK_LINUX_SLL = 113,
	ZL_LINK_IPV4 = 228,
	ZL_LINK_IPV6 = 229,
	ZL_LINK_LINUX_SLL2 = 276,
};

/* Why a frame could not be decoded; counted per reason. */
enum zl_derr {
	ZL_DERR_OK = 0,
	ZL_DERR_LINK_TRUNC,      /* shorter than its link header */
	ZL_DERR_VLAN_TRUNC,
	ZL_DERR_NOT_IP,          /* ARP, STP, LLDP...: not an error, counted */
	ZL_DERR_IP_TRUNC,        /* shorter than the IP header */
	ZL_DERR_IP_VERSION,      /* version field neither 4 nor 6 */
	ZL_DERR_IP_HLEN,         /* IPv4 IHL < 5 or past the packet */
	ZL_DERR_IP_LEN,          /* total/payload length shorter than headers */
	ZL_DERR_IP6_EXT_TRUNC,   /* an IPv6 extension header runs past the end */
	ZL_DERR_L4_TRUNC,        /* TCP/UDP/ICMP header cut */
	ZL_DERR_TCP_HLEN,        /* TCP data offset < 5 or past the segment */
	ZL_DERR_TUNNEL_DEPTH,    /* too many nested IP-in-IP headers */
	ZL_DERR_MAX
};

const char *zl_derr_name(int reason);

enum zl_frag {
	ZL_FRAG_NONE = 0,
	ZL_FRAG_FIRST,           /* offset 0, more fragments: L4 header present */
	ZL_FRAG_LATER,           /* offset > 0: no L4 header, never parse one */
};

/* A decoded packet. Pointers borrow the caller's frame buffer. */
struct zl_pkt {
	uint64_t ts_us;          /* capture time, microseconds since the epoch */
	uint32_t caplen, wirelen;
	uint16_t vlan;           /* innermost 802.1Q id, 0 if untagged */
	uint8_t ip_version;      /* 4 or 6 */
	uint8_t l4proto;         /* IPPROTO_* after extension headers */
	uint8_t src[16], dst[16];/* IPv4 in the first 4 bytes, rest zero */
	uint16_t sport, dport;   /* host order; 0 without ports */
	uint8_t tcp_flags;       /* TCP flags byte; 0 for other protocols */
	uint8_t frag;            /* enum zl_frag */
	uint32_t frag_id;        /* IPv4 id or IPv6 fragment identification */
	uint32_t tcp_seq, tcp_ack;
	const uint8_t *l2src;    /* the frame's source MAC (Ethernet, Linux
				    cooked with a 6-byte address), else NULL */
	const uint8_t *ip;       /* start of the (innermost) IP header */
	uint32_t ip_caplen;      /* captured bytes from ip to the frame end */
	uint32_t ip_len;         /* IP length as the header says (<= ip_caplen) */
	uint32_t l4_off;         /* offset of the L4 header from ip */
	uint32_t payload_len;    /* L4 payload bytes (from the IP length) */
};

/*
 * Decode one frame of link type 'link'. Returns ZL_DERR_OK and fills *p, or
 * a ZL_DERR_* reason. The frame must hold caplen readable bytes.
 */
int zl_decode(int link, const uint8_t *frame, uint32_t caplen,
	      uint32_t wirelen, uint64_t ts_us, struct zl_pkt *p);

/* Whether the decoder understands link type 'link'. */
int zl_decode_link_supported(int link);

#endif
