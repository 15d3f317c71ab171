/*
 * test_json.c - a DNS exchange through the engine (real nDPI) written as a
 * --flows-json line, read back with jansson and checked field by field.
 */
#include <regex.h>
#include <stdlib.h>
#include <netinet/in.h>

#include <jansson.h>

#include "engine.h"
#include "flowjson.h"
#include "frames.h"
#include "tap.h"

static FILE *out;
static const struct zl_engine *eng;

static void on_end(const struct zl_flow *f, void *ud)
{
	(void)ud;
	zl_flow_json_write(out, zl_engine_classifier(eng), f);
}

/* A DNS query (and, with answer, its response) for www.example.com A. */
static size_t dns_msg(uint8_t *b, int answer)
{
	static const uint8_t q[] = "\x03www\x07" "example\x03" "com";
	size_t n = 12;

	memset(b, 0, 12);
	fb_put16(b, 0x1234);
	fb_put16(b + 2, answer ? 0x8180 : 0x0100);
	fb_put16(b + 4, 1);
	fb_put16(b + 6, answer ? 1 : 0);
	memcpy(b + n, q, sizeof(q)); n += sizeof(q);   /* includes the root 0 */
	fb_put16(b + n, 1); fb_put16(b + n + 2, 1); n += 4;
	if (answer) {
		static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
					      203, 0, 113, 80 };
		memcpy(b + n, rr, sizeof(rr));
		n += sizeof(rr);
	}
	return n;
}

int main(void)
{
	struct zl_engine_events ev = { .flow_end = on_end };
	struct zl_engine_opts o;
	struct zl_engine *e;
	uint8_t d[256], l4[300], ip[400];
	char *buf = NULL, err[256];
	size_t len = 0, n;
	json_error_t jerr;
	json_t *j;
	regex_t re;

	out = open_memstream(&buf, &len);
	zl_engine_opts_default(&o);
	e = zl_engine_new(&o, &ev, err, sizeof(err));
	eng = e;
	n = mk_udp(l4, 33000, 53, d, dns_msg(d, 0));
	n = mk_ip6(ip, "2001:db8:1::10", "2001:db8:f::53", IPPROTO_UDP, NULL, 0, l4, n);
	zl_engine_frame(e, ZL_LINK_RAW, ip, (uint32_t)n, (uint32_t)n, 1700000000123456ull, 0);
	n = mk_udp(l4, 53, 33000, d, dns_msg(d, 1));
	n = mk_ip6(ip, "2001:db8:f::53", "2001:db8:1::10", IPPROTO_UDP, NULL, 0, l4, n);
	zl_engine_frame(e, ZL_LINK_RAW, ip, (uint32_t)n, (uint32_t)n, 1700000000223456ull, 0);
	zl_engine_flush(e, ZL_END_EOF);
	fclose(out);

	ok(len > 0 && buf[len - 1] == '\n', "one line written");
	ok(strchr(buf, '\n') == buf + len - 1, "exactly one line");
	j = json_loads(buf, 0, &jerr);
	ok(j != NULL, "the line is JSON");
	is_str(json_string_value(json_object_get(j, "proto")), "UDP", "proto");
	is_str(json_string_value(json_object_get(j, "src_ip")), "2001:db8:1::10", "src_ip is the client");
	is_int(json_integer_value(json_object_get(j, "src_port")), 33000, "src_port");
	is_str(json_string_value(json_object_get(j, "dst_ip")), "2001:db8:f::53", "dst_ip");
	is_int(json_integer_value(json_object_get(j, "dst_port")), 53, "dst_port");
	is_int(json_integer_value(json_object_get(j, "ip_version")), 6, "ip_version");
	is_int(json_integer_value(json_object_get(j, "vlan")), 0, "vlan");
	is_str(json_string_value(json_object_get(j, "app")), "DNS", "app");
	is_int(json_integer_value(json_object_get(j, "app_id")), 5, "app_id (nDPI's DNS)");
	is_str(json_string_value(json_object_get(j, "category")), "Network", "category");
	is_str(json_string_value(json_object_get(j, "host")), "www.example.com", "host is the query");
	ok(json_is_array(json_object_get(j, "risks")), "risks is an array");
	is_int(json_integer_value(json_object_get(j, "packets")), 2, "packets");
	is_int(json_integer_value(json_object_get(j, "src2dst_packets")), 1, "src2dst_packets");
	is_int(json_integer_value(json_object_get(j, "dst2src_packets")), 1, "dst2src_packets");
	ok(json_integer_value(json_object_get(j, "dst2src_bytes")) >
	   json_integer_value(json_object_get(j, "src2dst_bytes")), "the answer is bigger");
	is_str(json_string_value(json_object_get(j, "first_seen")), "2023-11-14T22:13:20.123456Z", "first_seen RFC 3339 UTC");
	is_str(json_string_value(json_object_get(j, "last_seen")), "2023-11-14T22:13:20.223456Z", "last_seen");
	is_str(json_string_value(json_object_get(j, "end_reason")), "eof", "end_reason");
	regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$", REG_EXTENDED);
	ok(!regexec(&re, json_string_value(json_object_get(j, "first_seen")), 0, NULL, 0), "timestamp matches RFC 3339");
	regfree(&re);
	json_decref(j);
	free(buf);
	zl_engine_free(e);
	return done_testing();
}
