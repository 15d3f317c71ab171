/*
 * test_page.c - what the site checks read in a page: title, the
 * normalised content hash (a timestamp or the client's address must not
 * make two fetches differ, other words must), links and the site's own
 * domain.
 */
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "tap.h"

static int same_hash(const char *a, const char *b)
{
	char ha[65], hb[65];
	if (zl_page_hash(a, strlen(a), ha) || zl_page_hash(b, strlen(b), hb))
		return -1;
	return !strcmp(ha, hb);
}

static void test_title(void)
{
	const char *p = "<html><head><title>\n  大竹县人民政府\n   门户网站 </title></head><body>x</body></html>";
	char t[64];

	zl_page_title(p, strlen(p), t, sizeof(t));
	is_str(t, "大竹县人民政府 门户网站", "title: whitespace collapsed and trimmed");
	zl_page_title("<p>no title", 11, t, sizeof(t));
	is_str(t, "", "no title: empty");
	zl_page_title(p, strlen(p), t, 8);
	ok(strlen(t) < 8, "title cut to the buffer");
}

static void test_normalise(void)
{
	const char *a = "<html><head><title>News</title><script>var nonce='8f3a9c';</script></head>"
			"<body><p>Updated 2026-11-29 20:20:36, 1234 visitors</p>"
			"<p>Your address: 192.0.2.10.</p></body></html>";
	const char *b = "<html><head><title>News</title><script>var nonce='zz77qq';</script></head>"
			"<body><p>Updated 2026-11-30   08:01:02, 99 visitors</p>\n"
			"<p>Your address:\n2001:db8:10::10.</p></body></html>";
	const char *c = "<html><head><title>News</title></head>"
			"<body><p>Under construction, 1234 visitors</p>"
			"<p>Your address: 192.0.2.10.</p></body></html>";
	char *n = zl_page_normalise(a, strlen(a));

	is_str(n, "NewsUpdated--::,visitorsYouraddress:", "normalised text: digits, address, "
	       "whitespace and scripts gone");
	free(n);
	is_int(same_hash(a, b), 1, "a timestamp, a counter, the client's address and a script nonce "
	       "do not change the hash");
	is_int(same_hash(a, c), 0, "other words change the hash");
	is_int(same_hash("<p>Welcome</p>", "<p>Welcome.</p>"), 0, "punctuation counts");
	is_int(same_hash("<p>Wel come</p>", "<div>Wel\ncome</div>"), 1,
	       "whitespace and markup do not count");
	is_int(same_hash("<p>a 2001:db8::1 b</p>", "<p>a [2001:db8::1] b</p>"), 1,
	       "a bracketed address is an address");
	is_int(same_hash("<p>build abc:de</p>", "<p>build abd:de</p>"), 0,
	       "a word with colons that is no address is kept");
	n = zl_page_normalise("", 0);
	is_str(n, "", "an empty page normalises to nothing");
	free(n);
}

struct got {
	char *u[32];
	int n, stop_at;
};

static int take(const char *url, void *ud)
{
	struct got *g = ud;
	g->u[g->n++] = strdup(url);
	return g->stop_at && g->n == g->stop_at;
}

static void clear(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		free(g->u[i]);
	memset(g, 0, sizeof(*g));
}

static void test_links(void)
{
	const char *p =
		"<html><body>"
		"<a href='/news/index.html#top'>news</a>"
		"<a href=\"gk/list.html?a=1&amp;b=2\">open gov</a>"
		"<a href='../up.html'>up</a>"
		"<a href='  https://WWW.Example.org/x  '>ext</a>"
		"<a href='mailto:office@dazhu.example'>mail</a>"
		"<a href='javascript:void(0)'>js</a>"
		"<a href='#section'>same page</a>"
		"<a>no href</a>"
		"<map><area href='/map.html'></map>"
		"<iframe src='//cdn.dazhu.example/frame.html'></iframe>"
		"<p><a href='/broken.html'>unclosed <b>markup"
		"<a href='ftp://files.dazhu.example/f'>ftp</a>"
		"<a href='/路径/页.html'>chinese path</a>";
	struct got g = { 0 };
	int n = zl_page_links(p, strlen(p), "http://www.dazhu.example/dir/page.html", take, &g);

	is_int(n, 8, "links: a, area and iframe, http(s) only");
	is_int(g.n, 8, "each passed once");
	if (g.n == 8) {
		is_str(g.u[0], "http://www.dazhu.example/news/index.html", "root-relative, fragment gone");
		is_str(g.u[1], "http://www.dazhu.example/dir/gk/list.html?a=1&b=2",
		       "relative, entities decoded");
		is_str(g.u[2], "http://www.dazhu.example/up.html", "../ resolved");
		is_str(g.u[3], "https://WWW.Example.org/x", "absolute, whitespace trimmed");
		is_str(g.u[4], "http://www.dazhu.example/map.html", "area href");
		is_str(g.u[5], "http://cdn.dazhu.example/frame.html", "iframe src, scheme-relative");
		is_str(g.u[6], "http://www.dazhu.example/broken.html", "a link in broken markup");
		ok(!strncmp(g.u[7], "http://www.dazhu.example/%e8%b7%af", 34) ||
		   !strncmp(g.u[7], "http://www.dazhu.example/%E8%B7%AF", 34),
		   "a non-ASCII path is percent-encoded (%s)", g.u[7]);
	}
	clear(&g);

	const char *b = "<html><head><base href='http://news.dazhu.example/2026/'></head>"
			"<body><a href='a.html'>a</a><a href='b.html'>b</a><a href='c.html'>c</a></body></html>";
	g.stop_at = 2;
	n = zl_page_links(b, strlen(b), "https://www.dazhu.example/", take, &g);
	is_int(g.n, 2, "the callback stops the walk");
	is_str(g.n ? g.u[0] : NULL, "http://news.dazhu.example/2026/a.html", "<base href> is the base");
	clear(&g);
	is_int(zl_page_links("", 0, "http://x.example/", take, &g), -1, "an empty page has no links");
	is_int(zl_page_links("<a href=/x>", 11, "not a url", take, &g), -1, "a bad base URL is refused");
}

static void test_hosts(void)
{
	char h[256], d[256];

	is_int(zl_page_url_host("https://WWW.Dazhu.Gov.Example./x", h, sizeof(h)), 0, "host of a URL");
	is_str(h, "www.dazhu.gov.example", "lower case, root dot gone");
	is_int(zl_page_url_host("http://[2001:DB8:F::10]:8080/", h, sizeof(h)), 0, "IPv6 literal");
	is_str(h, "2001:db8:f::10", "without brackets");
	is_int(zl_page_url_host("ftp://files.example/", h, sizeof(h)), -1, "ftp is not a site");
	is_int(zl_page_url_host("www.example", h, sizeof(h)), -1, "no scheme, no site");

	zl_page_site_domain("www.dazhu.gov.cn", d, sizeof(d));
	is_str(d, "dazhu.gov.cn", "the site's domain: www. dropped");
	zl_page_site_domain("www.cn", d, sizeof(d));
	is_str(d, "www.cn", "www.cn keeps its www");
	ok(zl_page_same_site("dazhu.gov.cn", "dazhu.gov.cn"), "the domain itself is the site's");
	ok(zl_page_same_site("dazhu.gov.cn", "news.dazhu.gov.cn"), "a name under it is the site's");
	ok(!zl_page_same_site("dazhu.gov.cn", "notdazhu.gov.cn"), "a name ending alike is not");
	ok(!zl_page_same_site("dazhu.gov.cn", "www.gov.cn"), "the province's portal is not");
	ok(!zl_page_same_site("dazhu.gov.cn", "gov.cn"), "the parent is not");
}

int main(void)
{
	zl_page_init();
	test_title();
	test_normalise();
	test_links();
	test_hosts();
	return done_testing();
}
