/*
 * ctl_report.c - zhulanctl report (ctl_report.h): ask the daemon for a
 * report (POST /v1/reports: a job), follow the job (GET
 * /v1/reports/jobs/N; its progress on a terminal), then download the file
 * (GET /v1/reports/N) into PATH and check its SHA-256 against the
 * archive's; CSV into a directory: the ZIP's files written there.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "ctl_report.h"

/* GET path into the file out; the HTTP status, the SHA-256 header in sha. */
static size_t header(char *b, size_t sz, size_t n, void *ud)
{
	size_t len = sz * n;

	if (len > 16 && !strncasecmp(b, "X-Zhulan-SHA256:", 16))
		sscanf(b + 16, " %64s", (char *)ud);
	return len;
}

/* GET path (body NULL) or POST the JSON body, the answer into out; a report
 * may take a while to build, so the time limit is generous. */
static long request(const char *sock, const char *path, const char *body, FILE *out, char sha[65])
{
	struct curl_slist *hdr = NULL;
	CURL *c = curl_easy_init();
	char url[256];
	long code = 0;

	snprintf(url, sizeof(url), "http://zhulan%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, sha);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 900L);
	if (curl_easy_perform(c) != CURLE_OK)
		code = -1;
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	return code;
}

static int file_sha256(const char *path, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f || sodium_init() < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&st, buf, n);
	fclose(f);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return 0;
}

/* Report N into output; the exit status. */
static int fetch(const char *sock, long long id, const char *output)
{
	char path[64], sha[65] = "", got[65];
	FILE *out = fopen(output, "wb");
	long code;

	if (!out) {
		perror(output);
		return 2;
	}
	snprintf(path, sizeof(path), "/v1/reports/%lld", id);
	code = request(sock, path, NULL, out, sha);
	fclose(out);
	if (code != 200) {
		fprintf(stderr, "zhulanctl: report %lld: %s\n", id, code < 0 ? "zhulan is not running" :
			code == 403 ? "this role may not download it" : code == 404 ? "no such report" :
			"the daemon refused");
		remove(output);
		return code < 0 ? 2 : 1;
	}
	if (file_sha256(output, got) < 0 || strcmp(got, sha)) {
		fprintf(stderr, "zhulanctl: %s: its SHA-256 is not the archive's (%s)\n", output, sha);
		return 1;
	}
	printf("%s: report %lld, SHA-256 %s\n", output, id, sha);
	return 0;
}

static unsigned le16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* The report's ZIP (its files stored, csvzip.c) into dir; the files written
 * or -1 (said on stderr). */
static int unzip_to(const char *zip, const char *dir)
{
	unsigned char *b = NULL, *p;
	char path[4096], name[256];
	size_t len = 0, off = 0, nl, el, sz;
	FILE *f = fopen(zip, "rb"), *o;
	struct stat st;
	int n = 0;

	if (!f || fstat(fileno(f), &st) < 0 || !(b = malloc((size_t)st.st_size + 1)) ||
	    (len = fread(b, 1, (size_t)st.st_size, f)) != (size_t)st.st_size) {
		fprintf(stderr, "zhulanctl: %s: cannot read it\n", zip);
		goto fail;
	}
	while (off + 30 <= len && le32(b + off) == 0x04034b50) {
		p = b + off;
		sz = le32(p + 18);
		nl = le16(p + 26);
		el = le16(p + 28);
		if (le16(p + 8) != 0 || off + 30 + nl + el + sz > len || !nl || nl >= sizeof(name)) {
			fprintf(stderr, "zhulanctl: %s: not a report's ZIP\n", zip);
			goto fail;
		}
		memcpy(name, p + 30, nl);
		name[nl] = 0;
		if (strchr(name, '/') || name[0] == '.' || memchr(name, 0, nl)) {
			fprintf(stderr, "zhulanctl: %s: a file named \"%s\" is refused\n", zip, name);
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (!(o = fopen(path, "wb")) || fwrite(p + 30 + nl + el, 1, sz, o) != sz ||
		    fclose(o) != 0) {
			fprintf(stderr, "zhulanctl: %s: %s\n", path, strerror(errno));
			goto fail;
		}
		printf("%s\n", path);
		n++;
		off += 30 + nl + el + sz;
	}
	fclose(f);
	free(b);
	return n;
fail:
	if (f)
		fclose(f);
	free(b);
	return -1;
}

/* Follow job id until it ends: the report's id, or -1 (said on stderr). */
static long long wait_job(const char *sock, long long id, zl_ctl_call_fn call)
{
	struct timespec ts = { 0, 300 * 1000000L };
	char path[64], last[128] = "";
	int tty = isatty(2);
	const char *state;
	long long report = -1;
	json_t *ans, *job;
	long code;

	snprintf(path, sizeof(path), "/v1/reports/jobs/%lld", id);
	for (;;) {
		ans = call(sock, "GET", path, NULL, &code);
		job = json_object_get(ans, "job");
		state = json_string_value(json_object_get(job, "state")) ?: "";
		if (code != 200) {
			fprintf(stderr, "zhulanctl: job %lld: %s\n", id,
				json_string_value(json_object_get(ans, "error")) ?: "the daemon refused");
			break;
		}
		if (tty) {
			char now[128];
			snprintf(now, sizeof(now), "%3d%%  %s", (int)json_integer_value(
				 json_object_get(job, "percent")), json_string_value(json_object_get(
				 job, "step_title")) ?: "");
			if (strcmp(now, last))
				fprintf(stderr, "\r%-60s", now);
			snprintf(last, sizeof(last), "%s", now);
		}
		if (!strcmp(state, "done")) {
			report = (long long)json_integer_value(json_object_get(job, "report"));
			break;
		}
		if (!strcmp(state, "failed")) {
			fprintf(stderr, "%szhulanctl: the report could not be made: %s\n", tty ? "\n" : "",
				json_string_value(json_object_get(job, "error")) ?: "?");
			break;
		}
		json_decref(ans);
		nanosleep(&ts, NULL);
	}
	if (tty && report >= 0)
		fputc('\n', stderr);
	json_decref(ans);
	return report;
}

static void print_list(json_t *list)
{
	json_t *r;
	size_t i;

	printf("%-6s %-22s %-6s %-4s %-12s %10s  %-20s %s\n", "ID", "PERIOD", "FORMAT", "LANG",
	       "EDITION", "BYTES", "GENERATED", "BY");
	json_array_foreach(list, i, r)
		printf("%-6lld %-22s %-6s %-4s %-12s %10lld  %-20s %s\n",
		       (long long)json_integer_value(json_object_get(r, "id")),
		       json_string_value(json_object_get(r, "period")),
		       json_string_value(json_object_get(r, "format")),
		       json_string_value(json_object_get(r, "lang")),
		       json_is_true(json_object_get(r, "persons")) ? "persons" : "departments",
		       (long long)json_integer_value(json_object_get(r, "bytes")),
		       json_string_value(json_object_get(r, "ts")),
		       json_string_value(json_object_get(r, "who")));
}

int zl_ctl_report(const char *sock, int json, int argc, char **argv, zl_ctl_call_fn call)
{
	static const struct option lo[] = {
		{ "month", required_argument, NULL, 'm' }, { "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' }, { "format", required_argument, NULL, 'F' },
		{ "lang", required_argument, NULL, 'l' }, { "output", required_argument, NULL, 'o' },
		{ "persons", no_argument, NULL, 'p' }, { NULL, 0, NULL, 0 },
	};
	const char *month = NULL, *from = NULL, *to = NULL, *format = "pdf", *lang = "zh",
		   *output = NULL;
	json_t *req, *ans;
	char *body, zip[4200];
	struct stat st;
	long long id;
	long code;
	int c, persons = 0, rc, todir;

	optind = 0;  /* 0: glibc starts over (permuting), argv[0] being "report" */
	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case 'm': month = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'F': format = optarg; break;
		case 'l': lang = optarg; break;
		case 'o': output = optarg; break;
		case 'p': persons = 1; break;
		default: goto usage;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (optind < argc && !strcmp(argv[optind], "list") && optind + 1 == argc) {
		ans = call(sock, "GET", "/v1/reports", NULL, &code);
		if (code != 200)
			fprintf(stderr, "zhulanctl: %s\n", json_string_value(json_object_get(ans, "error")));
		else if (json)
			json_dumpf(ans, stdout, JSON_INDENT(2)), putchar('\n');
		else
			print_list(json_object_get(ans, "reports"));
		json_decref(ans);
		curl_global_cleanup();
		return code == 200 ? 0 : 1;
	}
	if (optind + 2 == argc && !strcmp(argv[optind], "get") && output) {
		rc = fetch(sock, strtoll(argv[optind + 1], NULL, 10), output);
		curl_global_cleanup();
		return rc;
	}
	if (optind != argc || !output || !(month ? !from && !to : from && to)) {
		curl_global_cleanup();
		goto usage;
	}
	/* CSV into a directory: "DIR/" or one that exists */
	todir = output[strlen(output) - 1] == '/' || (stat(output, &st) == 0 && S_ISDIR(st.st_mode));
	if (todir && strcmp(format, "csv")) {
		fprintf(stderr, "zhulanctl: --output %s: a directory takes --format csv only\n", output);
		curl_global_cleanup();
		return 2;
	}
	if (todir && mkdir(output, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "zhulanctl: %s: %s\n", output, strerror(errno));
		curl_global_cleanup();
		return 2;
	}
	req = json_pack("{s:s, s:s, s:b}", "format", format, "lang", lang, "persons", persons);
	if (month)
		json_object_set_new(req, "month", json_string(month));
	else
		json_object_set_new(req, "from", json_string(from)),
		json_object_set_new(req, "to", json_string(to));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	ans = call(sock, "POST", "/v1/reports", body, &code);
	free(body);
	if (code < 0)
		fprintf(stderr, "zhulanctl: zhulan is not running (cannot connect to %s)\n", sock);
	else if (code != 202)
		fprintf(stderr, "zhulanctl: %s\n", json_string_value(json_object_get(ans, "error")) ?:
			"the daemon refused");
	id = code == 202 ? (long long)json_integer_value(json_object_get(json_object_get(ans, "job"),
									 "id")) : -1;
	json_decref(ans);
	if (id < 0 || (id = wait_job(sock, id, call)) < 0) {
		curl_global_cleanup();
		return code < 0 ? 2 : 1;
	}
	if (!todir) {
		rc = fetch(sock, id, output);
	} else {
		/* the ZIP beside its files for the check, then its files alone */
		snprintf(zip, sizeof(zip), "%s/.zhulan-report-%lld.zip", output, id);
		rc = fetch(sock, id, zip);
		if (rc == 0 && unzip_to(zip, output) < 0)
			rc = 1;
		remove(zip);
	}
	curl_global_cleanup();
	return rc;
usage:
	fprintf(stderr, "usage: zhulanctl report (--month YYYY-MM | --from T --to T) "
		"[--format pdf|xlsx|csv] [--lang zh|en] [--persons] --output PATH|DIR/\n"
		"       zhulanctl report list | report get N --output PATH\n");
	return 2;
}
