/*
 * csvzip.c - the report as CSV: one file per section ("02-traffic.csv": the
 * section's number and id) holding its tables one after the other, each
 * under a row with its title and followed by a blank row; UTF-8 with a
 * BOM, formula-safe (daemon/api/csv.h), numbers exact; the files in one
 * ZIP (stored, not compressed: Windows' Explorer and every unzip open it),
 * so that one download holds the whole report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "csv.h"
#include "report-int.h"

struct zentry {
	char name[96];
	uint32_t crc, size, offset;
};

struct zip {
	FILE *f;
	uint32_t off;
	struct zentry *v;
	size_t n, cap;
	uint16_t dtime, ddate;
};

static void le16(struct zip *z, unsigned v)
{
	fputc(v & 0xff, z->f);
	fputc((v >> 8) & 0xff, z->f);
	z->off += 2;
}

static void le32(struct zip *z, uint32_t v)
{
	le16(z, v & 0xffff);
	le16(z, v >> 16);
}

static void zbytes(struct zip *z, const void *p, size_t n)
{
	fwrite(p, 1, n, z->f);
	z->off += (uint32_t)n;
}

/* A file's local header and data; its central entry is written at the end. */
static int zip_add(struct zip *z, const char *name, const char *data, size_t len)
{
	struct zentry *e;

	if (z->n == z->cap) {
		struct zentry *w = realloc(z->v, (z->cap = z->cap ? z->cap * 2 : 32) * sizeof(*w));
		if (!w)
			return -1;
		z->v = w;
	}
	e = &z->v[z->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->crc = (uint32_t)crc32(0L, (const Bytef *)data, (uInt)len);
	e->size = (uint32_t)len;
	e->offset = z->off;
	le32(z, 0x04034b50);
	le16(z, 20);
	le16(z, 0x0800);              /* names are UTF-8 */
	le16(z, 0);                   /* stored */
	le16(z, z->dtime);
	le16(z, z->ddate);
	le32(z, e->crc);
	le32(z, e->size);
	le32(z, e->size);
	le16(z, (unsigned)strlen(e->name));
	le16(z, 0);
	zbytes(z, e->name, strlen(e->name));
	zbytes(z, data, len);
	return 0;
}

static void zip_end(struct zip *z)
{
	uint32_t start = z->off, size;
	size_t i;

	for (i = 0; i < z->n; i++) {
		struct zentry *e = &z->v[i];
		le32(z, 0x02014b50);
		le16(z, 20);
		le16(z, 20);
		le16(z, 0x0800);
		le16(z, 0);
		le16(z, z->dtime);
		le16(z, z->ddate);
		le32(z, e->crc);
		le32(z, e->size);
		le32(z, e->size);
		le16(z, (unsigned)strlen(e->name));
		le16(z, 0);
		le16(z, 0);
		le16(z, 0);
		le16(z, 0);
		le32(z, 0);
		le32(z, e->offset);
		zbytes(z, e->name, strlen(e->name));
	}
	size = z->off - start;
	le32(z, 0x06054b50);
	le16(z, 0);
	le16(z, 0);
	le16(z, (unsigned)z->n);
	le16(z, (unsigned)z->n);
	le32(z, size);
	le32(z, start);
	le16(z, 0);
}

static void csv_cell(FILE *f, json_t *v, const char *kind)
{
	char buf[32];

	if (json_is_integer(v) && !strcmp(kind, "time")) {
		/* a time as the reader's clock shows it, not microseconds */
		time_t t = (time_t)(json_integer_value(v) / 1000000);
		struct tm tm;
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		zl_csv_text(f, buf);
	} else if (json_is_integer(v)) {
		zl_csv_number(f, (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		fprintf(f, "%.4f", json_real_value(v));
	} else if (json_is_string(v)) {
		zl_csv_text(f, json_string_value(v));
	}
}

/* One table: its title row, its columns' row, its rows, a blank line. */
static void table_csv(FILE *f, json_t *t, const char *lang)
{
	char title[256];
	json_t *c, *row, *v;
	size_t i, k;

	zl_csv_text(f, json_string_value(json_object_get(t, "title")));
	zl_csv_end_row(f);
	json_array_foreach(json_object_get(t, "columns"), k, c) {
		if (k)
			zl_csv_sep(f);
		snprintf(title, sizeof(title), "%s%s", json_string_value(json_object_get(c, "title")),
			 !strcmp(json_string_value(json_object_get(c, "kind")) ?: "", "bytes") ?
			 zl_rs(lang, "unit.bytes_suffix") : "");
		zl_csv_text(f, title);
	}
	zl_csv_end_row(f);
	json_array_foreach(json_object_get(t, "rows"), i, row) {
		json_array_foreach(row, k, v) {
			if (k)
				zl_csv_sep(f);
			csv_cell(f, v, json_string_value(json_object_get(json_array_get(
				json_object_get(t, "columns"), k), "kind")) ?: "text");
		}
		zl_csv_end_row(f);
	}
	if (!json_array_size(json_object_get(t, "rows"))) {
		zl_csv_text(f, zl_rs(lang, "txt.nodata"));
		zl_csv_end_row(f);
	}
	zl_csv_end_row(f);
}

/* One section as CSV text (malloc'd): its title, its texts (a row each),
 * its tables one after the other; charts are left out (their figures are
 * in the tables); the signature block as its three lines to fill in. */
static char *section_csv(json_t *sec, const char *lang, size_t *len)
{
	json_t *b;
	char *buf = NULL;
	const char *type;
	size_t k;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	zl_csv_bom(f);
	zl_csv_text(f, json_string_value(json_object_get(sec, "title")));
	zl_csv_end_row(f);
	zl_csv_end_row(f);
	json_array_foreach(json_object_get(sec, "blocks"), k, b) {
		type = json_string_value(json_object_get(b, "type")) ?: "";
		if (!strcmp(type, "text")) {
			zl_csv_text(f, json_string_value(json_object_get(b, "text")));
			zl_csv_end_row(f);
			zl_csv_end_row(f);
		} else if (!strcmp(type, "table")) {
			table_csv(f, b, lang);
		} else if (!strcmp(type, "signature")) {
			static const char *const keys[] = { "sig.prepared", "sig.reviewed", "sig.date" };
			size_t i;
			for (i = 0; i < 3; i++) {
				zl_csv_text(f, zl_rs(lang, keys[i]));
				zl_csv_sep(f);
				zl_csv_text(f, "");
				zl_csv_end_row(f);
			}
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int zl_report_csvzip(json_t *m, FILE *out, char *err, size_t errlen)
{
	struct zip z = { .f = out };
	const char *lang = json_string_value(json_object_get(m, "lang"));
	json_t *sec;
	size_t i, len;
	time_t now = time(NULL);
	struct tm tm;
	char name[96], *csv;
	int rc = 0;

	localtime_r(&now, &tm);
	z.dtime = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	z.ddate = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	json_array_foreach(json_object_get(m, "sections"), i, sec) {
		/* 01-summary.csv ... 08-signature.csv */
		snprintf(name, sizeof(name), "%02zu-%s.csv", i + 1,
			 json_string_value(json_object_get(sec, "id")));
		if (!(csv = section_csv(sec, lang, &len)) || zip_add(&z, name, csv, len) < 0)
			rc = -1;
		free(csv);
	}
	zip_end(&z);
	free(z.v);
	if (rc < 0 || ferror(out)) {
		snprintf(err, errlen, "cannot write the CSV files");
		return -1;
	}
	return 0;
}
