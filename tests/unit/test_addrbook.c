/*
 * test_addrbook.c - the address book: CSV rows (quotes, CRLF, BOM,
 * headers, comments), each refusal with its exact "line N:" message,
 * duplicates, lookups by IPv4/IPv6/MAC, matches by host, owner and
 * department, neighbour addresses for MAC rows, and (as root, in a network
 * namespace of its own) the kernel's neighbour table.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "addrbook.h"
#include "tap.h"

static struct zl_addrbook_rows rows;
static struct zl_addrbook_errors errs;

/* Parse text afresh into the globals; returns parse_csv's result. */
static int parse(const char *text)
{
	zl_addrbook_rows_free(&rows);
	zl_addrbook_errors_free(&errs);
	return zl_addrbook_parse_csv(text, strlen(text), &rows, &errs);
}

/* r, or a row of "(missing)" so that a failed lookup fails its test. */
static const struct zl_addrbook_row *present(const struct zl_addrbook_row *r)
{
	static const struct zl_addrbook_row missing = {
		.line = ~0u, .family = -1, .address = "(missing)", .mac = "(missing)",
		.hwaddr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, .ip = { 0xff },
		.name = "(missing)", .owner = "(missing)", .department = "(missing)",
	};

	return r ? r : &missing;
}

static const struct zl_addrbook_row *row(size_t i)
{
	return present(i < rows.n ? &rows.v[i] : NULL);
}

static const char *msg(size_t i)
{
	return i < errs.n ? errs.v[i].text : NULL;
}

/* Parse one bad row after a good one; return its single message. */
static const char *refusal(const char *text)
{
	if (parse(text) < 0 || errs.n_errors != 1 || errs.n != 1 || rows.n != 1)
		return "(not exactly one error and one good row)";
	return msg(0);
}

static struct zl_addrbook *book_of(const char *text)
{
	if (parse(text) < 0 || errs.n_errors)
		return NULL;
	return zl_addrbook_new(rows.v, rows.n);
}

static const uint8_t *ip_of(int family, const char *s)
{
	static uint8_t b[16];

	memset(b, 0, sizeof(b));
	if (inet_pton(family, s, b) != 1)
		fprintf(stderr, "bad test address %s\n", s);
	return b;
}

/* Binary lookup of a text address, never NULL (see present). */
static const struct zl_addrbook_row *at_ip(const struct zl_addrbook *b, int family,
					   const char *ip)
{
	return present(zl_addrbook_lookup_ip(b, family, ip_of(family, ip)));
}

static const char example[] =
	"address,name,owner,department\n"
	"192.0.2.10,fin-pc-01,张三,财政局\n"
	"2001:db8:10::10,fin-pc-01,张三,财政局\n"
	"52:54:00:12:34:56,edu-laptop-7,李四,教育局\n";

static void test_good_rows(void)
{
	is_int(parse(example), 0, "the example parses");
	is_int(rows.n, 3, "three rows, the header is not one");
	is_int(errs.n_errors + errs.n_warnings, 0, "no errors or warnings");
	is_str(row(0)->address, "192.0.2.10", "row 1 address");
	is_int(row(0)->family, AF_INET, "row 1 is IPv4");
	is_str(row(0)->name, "fin-pc-01", "row 1 name");
	is_str(row(0)->owner, "张三", "row 1 owner in Chinese");
	is_str(row(0)->department, "财政局", "row 1 department in Chinese");
	is_int(row(0)->line, 2, "row 1 is on line 2");
	is_str(row(0)->mac, "", "an address row has no MAC");
	is_int(row(1)->family, AF_INET6, "row 2 is IPv6");
	ok(!memcmp(row(1)->ip, ip_of(AF_INET6, "2001:db8:10::10"), 16), "row 2 binary address");
	is_int(row(2)->family, 0, "row 3 is a MAC row");
	is_str(row(2)->mac, "52:54:00:12:34:56", "row 3 MAC text");
	ok(!memcmp(row(2)->hwaddr, "\x52\x54\x00\x12\x34\x56", 6), "row 3 MAC bytes");
	is_str(row(2)->address, "", "a MAC row has no address");
	is_int(row(2)->line, 4, "row 3 is on line 4");
}

static void test_headers(void)
{
	parse("地址,主机名,负责人,部门\n192.0.2.10,a,b,c\n");
	ok(rows.n == 1 && errs.n_errors == 0, "a Chinese header is skipped");
	parse("IP,Name,Owner,Dept\n192.0.2.10,a,b,c\n");
	ok(rows.n == 1 && errs.n_errors == 0, "\"IP\" is a header");
	parse("192.0.2.10,a,b,c\n192.0.2.11,d,e,f\n");
	is_int(rows.n, 2, "without a header the first line is a row");
	is_int(row(0)->line, 1, "and keeps line 1");
	parse("192.0.2.300,a,b,c\n192.0.2.11,d,e,f\n");
	is_str(msg(0), "line 1: \"192.0.2.300\" is not an IPv4/IPv6 address or a MAC",
	       "a mistyped first address is a bad row, not a header");
	parse("# exported from the asset system\n\naddress,name,owner,department\n192.0.2.10,a,b,c\n");
	ok(rows.n == 1 && errs.n_errors == 0 && row(0)->line == 4,
	   "comments and blank lines before the header");
	parse("address,name\n192.0.2.10,a,b,c\n");
	is_str(msg(0), "line 1: the header has 2 fields, expected 4 (address,name,owner,department)",
	       "a header with the wrong fields is reported");
	is_int(rows.n, 1, "and the rows still load");
	parse("address,name,owner,department\naddress,name,owner,department\n");
	is_str(msg(0), "line 2: \"address\" is not an IPv4/IPv6 address or a MAC",
	       "only the first line can be a header");
}

static void test_quotes(void)
{
	parse("\"192.0.2.10\",\"pc, with comma\",\"王\"\"五\"\"\",\"\"\n"
	      "192.0.2.11, \"spaced\" ,x,\"\"\"quoted\"\"\"\n");
	is_int(rows.n, 2, "quoted rows parse");
	is_str(row(0)->name, "pc, with comma", "a comma inside quotes");
	is_str(row(0)->owner, "王\"五\"", "\"\" is a quote");
	is_str(row(0)->department, "", "an empty quoted department");
	is_str(row(1)->name, "spaced", "white space around quotes is tolerated");
	is_str(row(1)->department, "\"quoted\"", "a field that is all quotes");

	parse("192.0.2.10,a,b,\"two\nlines\"\n192.0.2.11,c,d,e\n");
	is_str(msg(0), "line 1: the department contains a control character",
	       "a line break inside quotes is read, then refused in a name");
	ok(rows.n == 1 && row(0)->line == 3, "the row after a quoted line break is on line 3");

	parse("192.0.2.10,\"a\nb\nc\",b,c,extra\n192.0.2.11,c,d,e\n");
	is_str(msg(0), "line 1: expected 4 fields (address,name,owner,department), found 5",
	       "a multi-line row is reported at its first line");
	is_int(row(0)->line, 4, "and the next row's line counts the breaks");

	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,\"unclosed,b,c\n192.0.2.12,x,y,z\n"),
	       "line 2: a quoted field is not closed", "an unclosed quote");
	is_str(refusal("192.0.2.10,\"a\"x,b,c\n192.0.2.11,d,e,f\n"),
	       "line 1: unexpected text after a closing quote", "text after a closing quote");
	is_int(row(0)->line, 2, "the next line is read after that error");
}

static void test_line_ends(void)
{
	parse("address,name,owner,department\r\n192.0.2.10,pc,张三,财政局\r\n\r\n"
	      "192.0.2.11,pc2,李四,教育局\r\n");
	is_int(rows.n, 2, "CRLF rows");
	is_str(row(0)->department, "财政局", "no CR left in the last field");
	is_int(row(1)->line, 4, "CRLF lines counted");
	parse("192.0.2.10,pc,张三,财政局");
	is_int(rows.n, 1, "a last line without a line end");

	parse("\xef\xbb\xbf" "address,name,owner,department\n192.0.2.10,a,b,c\n");
	ok(rows.n == 1 && errs.n_errors == 0, "a BOM before the header is skipped");
	parse("\xef\xbb\xbf" "192.0.2.10,a,b,c\n");
	ok(rows.n == 1 && errs.n_errors == 0, "a BOM before a data row is skipped");
	is_str(row(0)->address, "192.0.2.10", "and not part of the address");

	parse("192.0.2.10,a,b,c\n\n   \n,,,\n# 192.0.2.99,no,no,no\n  # indented comment\n"
	      "192.0.2.11,d,e,f\n");
	ok(rows.n == 2 && errs.n_errors == 0, "blank, empty-field and comment lines are skipped");
	is_int(row(1)->line, 7, "their lines are counted");
	is_int(parse(""), 0, "an empty text is fine");
	is_int(rows.n, 0, "and has no rows");
}

/* buf = n copies of the UTF-8 character c */
static void repeat(char *buf, size_t size, const char *c, int n)
{
	size_t o = 0;

	while (n-- > 0)
		o += (size_t)snprintf(buf + o, size - o, "%s", c);
}

/* names.h: text that does not fit is cut between characters, never inside one */
static void test_text_cut(void)
{
	char b[8];

	zl_text_copy(b, 8, "ab县人民");       /* 2 + 3 + 3 + 3 bytes */
	is_str(b, "ab县", "7 bytes of room hold 县 and not half of 人");
	zl_text_copy(b, 6, "ab县人民");
	is_str(b, "ab县", "5 bytes of room hold 县 exactly");
	zl_text_copy(b, 5, "ab县人民");
	is_str(b, "ab", "4 bytes of room drop 县 whole");
	zl_text_copy(b, 6, "ab\xf0\xa0\x80\x80x");
	is_str(b, "ab", "a 4-byte character is dropped whole");
	zl_text_copy(b, 8, "abcdefghij");
	is_str(b, "abcdefg", "ASCII is cut at the size");
	memcpy(b, "县人民政府", 7);             /* as snprintf cuts: 县人 and 民's first byte */
	b[7] = 0;
	zl_text_cut(b, sizeof(b));
	is_str(b, "县人", "zl_text_cut drops a character's leftover bytes");
	memcpy(b, "ab县人民", 7);
	b[7] = 0;
	zl_text_cut(b, sizeof(b));
	is_str(b, "ab县", "and of a character cut after its second byte");
}

static void test_refusals(void)
{
	char text[1024], name[300];
	int i;

	is_str(refusal("192.0.2.10,a,b,c\n\n\n\n\n\n192.0.2.300,fin-pc,张三,财政局\n"),
	       "line 7: \"192.0.2.300\" is not an IPv4/IPv6 address or a MAC", "a bad address");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.0/24,net,张三,财政局\n"),
	       "line 2: \"192.0.2.0/24\" is not an IPv4/IPv6 address or a MAC "
	       "(a network is not allowed here)", "a network");
	is_str(refusal("192.0.2.10,a,b,c\n2001:db8::zz,a,b,c\n"),
	       "line 2: \"2001:db8::zz\" is not an IPv4/IPv6 address or a MAC", "a bad IPv6 address");
	is_str(refusal("192.0.2.10,a,b,c\n,a,b,c\n"), "line 2: the address or MAC is empty",
	       "an empty address");
	is_str(refusal("192.0.2.10,a,b,c\n\n\n\n\n\n\n\n192.0.2.11,fin,张三\n"),
	       "line 9: expected 4 fields (address,name,owner,department), found 3",
	       "three fields");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a,b,c,d\n"),
	       "line 2: expected 4 fields (address,name,owner,department), found 5", "five fields");

	/* names are counted in characters: 64 of any width fit, 65 do not */
	memset(name, 'n', 64);
	name[64] = 0;
	snprintf(text, sizeof(text), "192.0.2.10,%s,b,c\n", name);
	ok(parse(text) == 0 && rows.n == 1 && !strcmp(rows.v[0].name, name),
	   "a 64-character ASCII name is kept");
	snprintf(text, sizeof(text), "192.0.2.10,a,b,c\n192.0.2.11,%sn,b,c\n", name);
	is_str(refusal(text), "line 2: the host name is 65 characters long, at most 64",
	       "a 65-character name is refused");
	for (i = 0; i < 2; i++) {
		/* 县: 3 bytes; U+20000: 4 bytes, so 64 of them are 256 bytes */
		const char *c = i ? "\xf0\xa0\x80\x80" : "县";

		repeat(name, sizeof(name), c, 64);
		snprintf(text, sizeof(text), "192.0.2.11,a,b,%s\n", name);
		ok(parse(text) == 0 && rows.n == 1 && !strcmp(rows.v[0].department, name),
		   "64 characters of %zu bytes are kept whole", strlen(c));
		snprintf(text, sizeof(text), "192.0.2.10,a,b,c\n192.0.2.11,a,b,%s%s\n", name, c);
		is_str(refusal(text), "line 2: the department is 65 characters long, at most 64",
		       "65 characters of %zu bytes are too long", strlen(c));
	}
	ok(parse("192.0.2.11,a,b,县人民政府办公室（县外事办公室、县政府研究室）\n") == 0 &&
	   rows.n == 1 && !strcmp(rows.v[0].department, "县人民政府办公室（县外事办公室、县政府研究室）"),
	   "a 23-character county department (69 bytes) is kept");
	memset(name, 'n', 64);
	name[64] = 0;
	snprintf(text, sizeof(text), "192.0.2.11,  %s  ,b,c\n", name);
	ok(parse(text) == 0 && rows.n == 1, "the limit applies after trimming");

	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a,\xff,c\n"),
	       "line 2: the owner is not valid UTF-8 (byte 1)", "a stray byte");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,ab\xc0\xaf,b,c\n"),
	       "line 2: the host name is not valid UTF-8 (byte 3)", "an overlong encoding");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a,b,\xe0\x80\xaf\n"),
	       "line 2: the department is not valid UTF-8 (byte 1)", "a 3-byte overlong encoding");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a,b,\xf4\x90\x80\x80\n"),
	       "line 2: the department is not valid UTF-8 (byte 1)", "past U+10FFFF");
	ok(parse("192.0.2.11,a,b,\xf0\x9f\x90\xbc\n") == 0 && rows.n == 1,
	   "a 4-byte character is valid");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a,b,\xed\xa0\x80\n"),
	       "line 2: the department is not valid UTF-8 (byte 1)", "a surrogate");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a,\xe5\xbc,c\n"),
	       "line 2: the owner is not valid UTF-8 (byte 1)", "a truncated character");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,a\tb,c,d\n"),
	       "line 2: the host name contains a control character", "a tab inside a name");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.11,,,财政局\n"),
	       "line 2: a row needs a host name or an owner", "neither name nor owner");
	ok(parse("192.0.2.11,,张三,财政局\n") == 0 && rows.n == 1 && !errs.n_errors,
	   "an empty name with an owner is kept");
	ok(parse("192.0.2.11,pc,,\n") == 0 && rows.n == 1 && !errs.n_errors,
	   "a name without owner or department is kept");
	is_str(refusal("192.0.2.10,a,b,c\n192.0.2.\xff\x01\",a,b,c\n"),
	       "line 2: \"192.0.2.\\xff\\x01\\x22\" is not an IPv4/IPv6 address or a MAC",
	       "hostile bytes are escaped in messages");
	ok(zl_addrbook_parse_csv("192.0.2.10,a\0b,c,d\n", 19, &rows, &errs) == -EINVAL,
	   "parsing into non-empty rows is refused");
	zl_addrbook_rows_free(&rows);
	zl_addrbook_errors_free(&errs);
	ok(zl_addrbook_parse_csv("192.0.2.10,a\0b,c,d\n", 19, &rows, &errs) == 0 &&
	   errs.n_errors == 1 && rows.n == 0, "a NUL byte inside a field is refused");
	is_str(msg(0), "line 1: field 2 contains a NUL byte", "and named");
}

static void test_normalising(void)
{
	parse("2001:DB8:0:0::1,a,b,c\n::ffff:192.0.2.1,b,c,d\n52-54-00-AB-cd-EF,c,d,e\n"
	      "  192.0.2.10　,　张三的电脑　,张三,财政局\n");
	is_int(rows.n, 4, "four rows");
	is_str(row(0)->address, "2001:db8::1", "IPv6 normalised");
	is_str(row(1)->address, "::ffff:192.0.2.1", "an IPv4-mapped address stays IPv6");
	is_str(row(2)->mac, "52:54:00:ab:cd:ef", "MAC with dashes, mixed case, normalised");
	is_str(row(3)->address, "192.0.2.10", "address trimmed, U+3000 too");
	is_str(row(3)->name, "张三的电脑", "name trimmed of ASCII and ideographic spaces");
	is_str(refusal("192.0.2.10,a,b,c\n52:54-00:12:34:56,a,b,c\n"),
	       "line 2: \"52:54-00:12:34:56\" is not an IPv4/IPv6 address or a MAC",
	       "mixed MAC separators");
	is_str(refusal("192.0.2.10,a,b,c\n52:54:00:12:34,a,b,c\n"),
	       "line 2: \"52:54:00:12:34\" is not an IPv4/IPv6 address or a MAC", "a short MAC");
	is_str(refusal("192.0.2.10,a,b,c\n01:00:5E:00:00:01,a,b,c\n"),
	       "line 2: 01:00:5e:00:00:01 is a multicast MAC, not a host's", "a multicast MAC");
	is_str(refusal("192.0.2.10,a,b,c\n00-00-00-00-00-00,a,b,c\n"),
	       "line 2: 00:00:00:00:00:00 is not a host's MAC", "the zero MAC");
}

static void test_duplicates(void)
{
	parse("address,name,owner,department\n"
	      "2001:db8::1,old,张三,财政局\n"
	      "192.0.2.10,pc,李四,教育局\n"
	      "2001:DB8:0::1,new,王五,财政局\n"
	      "52:54:00:12:34:56,m1,a,b\n"
	      "52-54-00-12-34-56,m2,a,b\n");
	is_int(rows.n, 3, "duplicates merged");
	is_int(errs.n_errors, 0, "no errors");
	is_int(errs.n_warnings, 2, "two warnings");
	is_str(msg(0), "line 4: 2001:db8::1 is also on line 2; line 4 wins",
	       "the warning names both lines");
	ok(errs.n && errs.v[0].warning && errs.v[0].line == 4, "marked as a warning on line 4");
	is_str(msg(1), "line 6: 52:54:00:12:34:56 is also on line 5; line 6 wins", "a duplicate MAC");
	is_str(row(0)->name, "new", "the later row wins");
	is_int(row(0)->line, 4, "with its own line");
	is_str(row(1)->address, "192.0.2.10", "in the earlier row's place");
	is_str(row(2)->name, "m2", "the later MAC row wins");
}

static void test_many_messages(void)
{
	static char text[200 * 40];
	size_t o = 0;
	int i;

	for (i = 0; i < 150; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "192.0.2.%d,a,b\n", i);
	parse(text);
	is_int(errs.n_errors, 150, "every bad row is counted");
	is_int(errs.n, ZL_ADDRBOOK_MAX_MSGS, "the first ZL_ADDRBOOK_MAX_MSGS are kept");
	is_str(msg(99), "line 100: expected 4 fields (address,name,owner,department), found 3",
	       "the last kept message");
}

static int collect(const struct zl_addrbook_row *r, void *arg)
{
	char *out = arg;

	strcat(out, r->name[0] ? r->name : r->owner);
	strcat(out, ";");
	return 0;
}

static int stop(const struct zl_addrbook_row *r, void *arg)
{
	return 1;
}

static void test_lookup_match(void)
{
	struct zl_addrbook *b = book_of(
		"address,name,owner,department\n"
		"192.0.2.10,fin-pc-01,张三,财政局\n"
		"2001:db8:10::10,fin-pc-01,张三,财政局\n"
		"52:54:00:12:34:56,edu-laptop-7,李四,教育局\n"
		"198.51.100.5,Printer,Alice,IT\n"
		"203.0.113.9,,alice,财政局分局\n");
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint8_t v4[16];
	char got[512] = "";

	ok(b != NULL, "a book is built");
	if (!b)
		return;
	is_int(zl_addrbook_count(b), 5, "five rows");
	is_str(present(zl_addrbook_at(b, 4))->owner, "alice", "rows by index in file order");
	ok(zl_addrbook_at(b, 5) == NULL, "past the end is NULL");
	is_str(at_ip(b, AF_INET, "192.0.2.10")->name, "fin-pc-01",
	       "lookup by IPv4");
	memcpy(v4, ip_of(AF_INET, "192.0.2.10"), 16);
	memset(v4 + 4, 0xee, 12);
	ok(zl_addrbook_lookup_ip(b, AF_INET, v4) != NULL, "IPv4 lookup reads only 4 bytes");
	ok(zl_addrbook_lookup_ip(b, AF_INET, ip_of(AF_INET, "192.0.2.11")) == NULL,
	   "an unknown IPv4 address");
	is_str(at_ip(b, AF_INET6, "2001:db8:10::10")->owner, "张三",
	       "lookup by IPv6");
	ok(zl_addrbook_lookup_ip(b, AF_INET6, ip_of(AF_INET6, "2001:db8:10::11")) == NULL,
	   "an unknown IPv6 address");
	ok(zl_addrbook_lookup_ip(b, AF_PACKET, v4) == NULL, "an unknown family");
	is_str(present(zl_addrbook_lookup_mac(b, mac))->department, "教育局", "lookup by MAC");
	ok(zl_addrbook_lookup_mac(b, (const uint8_t *)"\x52\x54\x00\x12\x34\x57") == NULL,
	   "an unknown MAC");
	ok(zl_addrbook_lookup_ip(b, AF_INET, ip_of(AF_INET, "192.0.2.77")) == NULL,
	   "a MAC row has no address before a neighbour refresh");
	is_str(present(zl_addrbook_lookup(b, "2001:DB8:10:0::10"))->address, "2001:db8:10::10",
	       "lookup by text, IPv6");
	is_str(present(zl_addrbook_lookup(b, " 52-54-00-12-34-56 "))->name, "edu-laptop-7",
	       "lookup by text, MAC");
	ok(zl_addrbook_lookup(b, "fin-pc-01") == NULL, "lookup by text of a non-address");

	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_DEPARTMENT, "财政局", collect, got), 2,
	       "two rows in 财政局");
	is_str(got, "fin-pc-01;fin-pc-01;", "财政局 only, not 财政局分局");
	got[0] = 0;
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_OWNER, "ALICE", collect, got), 2,
	       "owner matches ASCII case-insensitively");
	is_str(got, "Printer;alice;", "both Alices");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_OWNER, "李四", collect, got), 1, "a Chinese owner");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_HOST, "FIN-PC-01", collect, got), 2,
	       "host name case-insensitive");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_HOST, "fin-pc", collect, got), 0, "no prefix match");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_DEPARTMENT, "财政", collect, got), 0,
	       "no CJK prefix match");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_DEPARTMENT, "it", collect, got), 1, "IT as it");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_DEPARTMENT, "财政局", stop, NULL), 1,
	       "the callback stops the match");
	is_int(zl_addrbook_match(b, ZL_ADDRBOOK_HOST, "", collect, got), 1, "an empty name matches");
	zl_addrbook_free(b);
}

static void test_new(void)
{
	struct zl_addrbook_row r[3];
	struct zl_addrbook *b;
	char err[200];
	size_t i;
	int fail = 0;

	is_int(zl_addrbook_row_set(&r[0], "192.0.2.10", "a", "张三", "财政局", err, sizeof(err)), 0,
	       "row_set: a good row");
	is_int(zl_addrbook_row_set(&r[1], "192.0.2.10", "b", "李四", "", err, sizeof(err)), 0,
	       "row_set: the same address again");
	is_int(zl_addrbook_row_set(&r[2], "192.0.2.300", "b", "c", "d", err, sizeof(err)), -EINVAL,
	       "row_set: a bad address");
	is_str(err, "\"192.0.2.300\" is not an IPv4/IPv6 address or a MAC", "row_set: the reason");
	b = zl_addrbook_new(r, 2);
	ok(b && zl_addrbook_count(b) == 1, "new: duplicates merged");
	is_str(b ? present(zl_addrbook_lookup(b, "192.0.2.10"))->name : NULL, "b",
	       "new: the later row wins");
	zl_addrbook_free(b);
	r[1].family = 99;
	errno = 0;
	ok(zl_addrbook_new(r, 2) == NULL && errno == EINVAL, "new: a row not made by row_set");
	b = zl_addrbook_new(NULL, 0);
	ok(b && zl_addrbook_count(b) == 0, "new: an empty book");
	ok(b && zl_addrbook_lookup(b, "192.0.2.10") == NULL, "an empty book finds nothing");
	zl_addrbook_free(b);
	zl_addrbook_free(NULL);

	/* enough rows to grow the parser's and size the book's tables */
	zl_addrbook_rows_free(&rows);
	for (i = 0; i < 5000; i++) {
		char a[64];

		snprintf(a, sizeof(a), "2001:db8:%zx::%zx", 1 + i / 100, 1 + i);
		if (zl_addrbook_row_set(&r[0], a, "h", "o", "d", err, sizeof(err)) < 0 ||
		    zl_addrbook_rows_add(&rows, &r[0]) < 0)
			fail++;
	}
	b = zl_addrbook_new(rows.v, rows.n);
	for (i = 0; b && i < 5000; i++) {
		char a[64];
		const struct zl_addrbook_row *f;

		snprintf(a, sizeof(a), "2001:db8:%zx::%zx", 1 + i / 100, 1 + i);
		f = zl_addrbook_lookup(b, a);
		fail += !f || strcmp(f->address, a);
	}
	ok(b && zl_addrbook_count(b) == 5000 && !fail, "5000 IPv6 rows, each found");
	zl_addrbook_free(b);
}

static struct zl_addrbook_neigh nb(int family, const char *ip, const char *mac)
{
	struct zl_addrbook_neigh n;
	struct zl_addrbook_row r;
	char err[100];

	memset(&n, 0, sizeof(n));
	n.addr.family = family;
	memcpy(n.addr.ip, ip_of(family, ip), 16);
	if (zl_addrbook_row_set(&r, mac, "x", "", "", err, sizeof(err)) == 0)
		memcpy(n.hwaddr, r.hwaddr, 6);
	return n;
}

static void test_neigh_set(void)
{
	struct zl_addrbook *b = book_of(
		"52:54:00:12:34:56,edu-laptop-7,李四,教育局\n"
		"192.0.2.78,fixed,王五,财政局\n"
		"52:54:00:aa:bb:cc,other,赵六,教育局\n");
	struct zl_addrbook_neigh v[6];
	const struct zl_addrbook_ip *ips;
	const struct zl_addrbook_row *m;
	char text[INET6_ADDRSTRLEN];

	ok(b != NULL, "a book with MAC rows");
	if (!b)
		return;
	m = zl_addrbook_at(b, 0);
	v[0] = nb(AF_INET, "192.0.2.77", "52:54:00:12:34:56");
	v[1] = nb(AF_INET6, "2001:db8:1::77", "52:54:00:12:34:56");
	v[2] = nb(AF_INET, "192.0.2.78", "52:54:00:12:34:56");   /* has its own row */
	v[3] = nb(AF_INET, "192.0.2.79", "52:54:00:99:99:99");   /* not in the book */
	v[4] = nb(AF_INET, "192.0.2.77", "52:54:00:12:34:56");   /* twice (two interfaces) */
	v[5] = nb(AF_INET, "192.0.2.77", "52:54:00:aa:bb:cc");   /* same address, other MAC */
	is_int(zl_addrbook_row_neigh(b, m, &ips), 0, "no neighbour addresses before a refresh");
	is_int(zl_addrbook_neigh_set(b, v, 6), 2, "two addresses recorded");
	is_str(at_ip(b, AF_INET, "192.0.2.77")->name, "edu-laptop-7",
	       "IPv4 lookup finds the MAC row");
	is_str(at_ip(b, AF_INET6, "2001:db8:1::77")->name,
	       "edu-laptop-7", "IPv6 lookup finds the MAC row");
	is_str(at_ip(b, AF_INET, "192.0.2.78")->name, "fixed",
	       "an address's own row wins over the neighbour table");
	ok(zl_addrbook_lookup_ip(b, AF_INET, ip_of(AF_INET, "192.0.2.79")) == NULL,
	   "a neighbour with an unknown MAC is not recorded");
	is_int(zl_addrbook_row_neigh(b, m, &ips), 2, "the MAC row lists two addresses");
	if (!ips || !inet_ntop(AF_INET, ips[0].ip, text, sizeof(text)))
		strcpy(text, "(none)");
	is_str(text, "192.0.2.77", "its IPv4 address");
	is_int(ips ? ips[1].family : -1, AF_INET6, "then its IPv6 address");
	is_int(zl_addrbook_row_neigh(b, zl_addrbook_at(b, 1), &ips), 0, "an address row lists none");
	is_int(zl_addrbook_row_neigh(b, zl_addrbook_at(b, 2), &ips), 0,
	       "an address claimed by the first MAC is not the second's");

	v[0] = nb(AF_INET, "192.0.2.80", "52:54:00:aa:bb:cc");
	is_int(zl_addrbook_neigh_set(b, v, 1), 1, "a second refresh");
	ok(zl_addrbook_lookup_ip(b, AF_INET, ip_of(AF_INET, "192.0.2.77")) == NULL,
	   "replaces the old addresses");
	is_str(at_ip(b, AF_INET, "192.0.2.80")->name, "other",
	       "with the new ones");
	is_int(zl_addrbook_row_neigh(b, m, &ips), 0, "the first MAC row lists none now");
	zl_addrbook_free(b);
}

/* What the child in its own network namespace found. */
struct ns_result {
	int stage;                /* 0: done, 1: no namespace, 2: ip(8) failed */
	int refresh;              /* zl_addrbook_neigh_refresh's result */
	char err[200];
	char v4[64], v6[64], fixed[64];
	int rebuilt, old_untouched;
};

static const char ns_setup[] =
	"{ ip link add zl0 type dummy 2>/dev/null || ip link add zl0 type veth peer name zl1; } &&"
	" ip link set zl0 up &&"
	" ip addr add 192.0.2.1/24 dev zl0 &&"
	" ip -6 addr add 2001:db8:1::1/64 dev zl0 nodad &&"
	" ip neigh add 192.0.2.77 lladdr 52:54:00:12:34:56 dev zl0 nud permanent &&"
	" ip neigh add 192.0.2.78 lladdr 52:54:00:12:34:56 dev zl0 nud permanent &&"
	" ip -6 neigh add 2001:db8:1::77 lladdr 52:54:00:12:34:56 dev zl0 nud permanent &&"
	" ip neigh add 192.0.2.79 lladdr 52:54:00:12:34:56 dev zl0 nud failed &&"
	" ip neigh add 192.0.2.80 lladdr 52:54:00:12:34:56 dev zl0 nud incomplete";

static const char *name_at(const struct zl_addrbook *b, int family, const char *ip)
{
	const struct zl_addrbook_row *r = zl_addrbook_lookup_ip(b, family, ip_of(family, ip));

	return r ? r->name : "(none)";
}

static void ns_child(struct ns_result *res)
{
	struct zl_addrbook *b, *nb2;

	if (unshare(CLONE_NEWNET) < 0) {
		res->stage = 1;
		snprintf(res->err, sizeof(res->err), "unshare: %s", strerror(errno));
		return;
	}
	if (system(ns_setup) != 0) {
		res->stage = 2;
		return;
	}
	b = book_of("52:54:00:12:34:56,edu-laptop-7,李四,教育局\n192.0.2.78,fixed,王五,财政局\n");
	if (!b)
		return;
	nb2 = zl_addrbook_neigh_rebuild(b, res->err, sizeof(res->err));
	res->rebuilt = nb2 && !strcmp(name_at(nb2, AF_INET, "192.0.2.77"), "edu-laptop-7");
	res->old_untouched = !zl_addrbook_lookup_ip(b, AF_INET, ip_of(AF_INET, "192.0.2.77"));
	zl_addrbook_free(nb2);
	res->refresh = zl_addrbook_neigh_refresh(b, res->err, sizeof(res->err));
	snprintf(res->v4, sizeof(res->v4), "%s", name_at(b, AF_INET, "192.0.2.77"));
	snprintf(res->v6, sizeof(res->v6), "%s", name_at(b, AF_INET6, "2001:db8:1::77"));
	snprintf(res->fixed, sizeof(res->fixed), "%s", name_at(b, AF_INET, "192.0.2.78"));
	zl_addrbook_free(b);
}

/* The kernel's table, in a network namespace of a child's own. */
static void test_neigh_refresh(void)
{
	struct ns_result res;
	int fd[2], status;
	pid_t pid;

	if (geteuid() != 0) {
		printf("ok %d # SKIP not root\n", ++tap_n);
		return;
	}
	memset(&res, 0, sizeof(res));
	fflush(stdout);
	if (pipe(fd) < 0 || (pid = fork()) < 0) {
		ok(0, "fork for the namespace test: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(fd[0]);
		ns_child(&res);
		_exit(write(fd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(fd[1]);
	memset(&res, 0, sizeof(res));
	res.stage = -1;
	if (read(fd[0], &res, sizeof(res)) != sizeof(res))
		res.stage = -1;
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (res.stage == 1) {
		printf("ok %d # SKIP no network namespace (%s)\n", ++tap_n, res.err);
		return;
	}
	is_int(res.stage, 0, "the namespace and its neighbours are set up");
	is_int(res.refresh, 2, "refresh records 192.0.2.77 and 2001:db8:1::77, not the failed ones: %s", res.err);
	is_str(res.v4, "edu-laptop-7", "the MAC row resolves to 192.0.2.77");
	is_str(res.v6, "edu-laptop-7", "and to 2001:db8:1::77");
	is_str(res.fixed, "fixed", "192.0.2.78 keeps its own row");
	ok(res.rebuilt, "neigh_rebuild gives a new book with the neighbours");
	ok(res.old_untouched, "and leaves the old book as it was");
}

int main(void)
{
	test_good_rows();
	test_headers();
	test_quotes();
	test_line_ends();
	test_refusals();
	test_text_cut();
	test_normalising();
	test_duplicates();
	test_many_messages();
	test_lookup_match();
	test_new();
	test_neigh_set();
	test_neigh_refresh();
	zl_addrbook_rows_free(&rows);
	zl_addrbook_errors_free(&errs);
	return done_testing();
}
