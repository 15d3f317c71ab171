/*
 * csvzip.c - the report as CSV: one file per table ("02-by_department.csv":
 * the section's number and the table's id), UTF-8 with a BOM, formula-safe
 * (daemon/api/csv.h), numbers exact; the files in one ZIP (stored, not
 * compressed: Windows' Explorer and every unzip open it), so that one
 * download holds the whole report.
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

static void csv_cell(FILE *f, json_t *v)
{
	if (json_is_integer(v))
		zl_csv_number(f, (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.4f", json_real_value(v));
	else if (json_is_string(v))
		zl_csv_text(f, json_string_value(v));
}

/* One table as CSV text (malloc'd). */
static char *table_csv(json_t *t, const char *lang, size_t *len)
{
	char title[256];
	json_t *c, *row, *v;
	char *buf = NULL;
	size_t i, k;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	zl_csv_bom(f);
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
			csv_cell(f, v);
		}
		zl_csv_end_row(f);
	}
	fclose(f);
	return buf;
}

int zl_report_csvzip(json_t *m, FILE *out, char *err, size_t errlen)
{
	struct zip z = { .f = out };
	json_t *sec, *b;
	size_t i, k, len;
	time_t now = time(NULL);
	struct tm tm;
	char name[96], *csv;
	int rc = 0;

	localtime_r(&now, &tm);
	z.dtime = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	z.ddate = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	json_array_foreach(json_object_get(m, "sections"), i, sec)
		json_array_foreach(json_object_get(sec, "blocks"), k, b) {
			if (strcmp(json_string_value(json_object_get(b, "type")) ?: "", "table"))
				continue;
			snprintf(name, sizeof(name), "%02zu-%s.csv", i + 1,
				 json_string_value(json_object_get(b, "id")));
			if (!(csv = table_csv(b, json_string_value(json_object_get(m, "lang")), &len)) || zip_add(&z, name, csv, len) < 0)
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
