/*
 * xlsx.c - the report as a workbook (libxlsxwriter): one sheet per
 * section, each table under its title with a header row; numbers stay
 * numbers (bytes as whole numbers with thousands separators, shares with
 * two decimals), so the data office re-uses them in Excel or WPS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "report-int.h"

struct fmts {
	lxw_format *title, *head, *bold, *num, *dec, *text, *time;
};

static void sheet_name(json_t *sec, size_t i, char *buf, size_t len)
{
	const char *t = json_string_value(json_object_get(sec, "title")) ?: "";
	size_t n = 0;
	char *p;

	/* Excel's limits: 31 characters, none of []:*?/\ */
	snprintf(buf, len, "%s", t);
	for (p = buf; *p; p++)
		if (strchr("[]:*?/\\", *p))
			*p = ' ';
	for (p = buf; *p && n < 31; n++)
		p += (*p & 0x80) ? ((*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4) : 1;
	*p = 0;
	if (!*buf)
		snprintf(buf, len, "%zu", i + 1);
}

static void cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, json_t *v, const char *kind,
		 struct fmts *f)
{
	if (json_is_integer(v) && !strcmp(kind, "time")) {
		/* a date and time Excel knows as one (local, as the PDF shows it) */
		time_t t = (time_t)(json_integer_value(v) / 1000000);
		struct tm tm;
		lxw_datetime dt;
		localtime_r(&t, &tm);
		dt = (lxw_datetime){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				     tm.tm_min, tm.tm_sec };
		worksheet_write_datetime(ws, r, c, &dt, f->time);
	} else if (json_is_integer(v))
		worksheet_write_number(ws, r, c, (double)json_integer_value(v), f->num);
	else if (json_is_real(v))
		worksheet_write_number(ws, r, c, json_real_value(v), f->dec);
	else if (json_is_string(v))
		worksheet_write_string(ws, r, c, json_string_value(v), f->text);
	else if (!strcmp(kind, "change") || !strcmp(kind, "num") || !strcmp(kind, "pct") ||
		 !strcmp(kind, "pp"))
		worksheet_write_string(ws, r, c, "—", f->text);
}

static lxw_row_t table(lxw_worksheet *ws, lxw_row_t r, json_t *t, struct fmts *f, double *width,
		       const char *lang)
{
	char title[256];
	json_t *cols = json_object_get(t, "columns"), *c, *row, *v;
	size_t i, k;

	worksheet_write_string(ws, r++, 0, json_string_value(json_object_get(t, "title")), f->bold);
	json_array_foreach(cols, k, c) {
		snprintf(title, sizeof(title), "%s%s", json_string_value(json_object_get(c, "title")),
			 !strcmp(json_string_value(json_object_get(c, "kind")) ?: "", "bytes") ?
			 zl_rs(lang, "unit.bytes_suffix") : "");
		worksheet_write_string(ws, r, (lxw_col_t)k, title, f->head);
		if (k < 16 && width[k] < strlen(title) * 0.8 + 4)
			width[k] = strlen(title) * 0.8 + 4;
	}
	r++;
	json_array_foreach(json_object_get(t, "rows"), i, row) {
		json_array_foreach(row, k, v) {
			const char *kind = json_string_value(json_object_get(json_array_get(cols, k),
									     "kind")) ?: "text";
			cell(ws, r, (lxw_col_t)k, v, kind, f);
			if (k < 16 && json_is_string(v) && width[k] < strlen(json_string_value(v)) * 0.8 + 2)
				width[k] = strlen(json_string_value(v)) * 0.8 + 2;
			if (k < 16 && json_is_integer(v) && width[k] < 18)
				width[k] = 18;
		}
		r++;
	}
	if (!json_array_size(json_object_get(t, "rows")))
		worksheet_write_string(ws, r++, 0, zl_rs(lang, "txt.nodata"), NULL);
	return r + 1;
}

int zl_report_xlsx(json_t *m, FILE *out, char *err, size_t errlen)
{
	char path[] = "/tmp/zhulan-report-XXXXXX", name[128], buf[65536];
	lxw_workbook_options wo = { .constant_memory = LXW_FALSE, .tmpdir = "/tmp" };
	lxw_doc_properties props = { 0 };
	lxw_workbook *wb;
	struct fmts f;
	json_t *sec, *b;
	size_t i, k, n;
	int fd, rc = 0;
	FILE *in;

	if ((fd = mkstemp(path)) < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file", path);
		return -1;
	}
	close(fd);
	if (!(wb = workbook_new_opt(path, &wo))) {
		unlink(path);
		snprintf(err, errlen, "cannot create the workbook");
		return -1;
	}
	props.title = (char *)json_string_value(json_object_get(m, "title"));
	props.author = (char *)json_string_value(json_object_get(m, "by"));
	props.company = (char *)"Zhulan";
	workbook_set_properties(wb, &props);
	f.title = workbook_add_format(wb);
	format_set_bold(f.title);
	format_set_font_size(f.title, 14);
	f.bold = workbook_add_format(wb);
	format_set_bold(f.bold);
	f.head = workbook_add_format(wb);
	format_set_bold(f.head);
	format_set_bg_color(f.head, 0xDDE4EE);
	format_set_border(f.head, LXW_BORDER_THIN);
	format_set_text_wrap(f.head);
	f.num = workbook_add_format(wb);
	format_set_num_format(f.num, "#,##0");
	format_set_border(f.num, LXW_BORDER_THIN);
	f.dec = workbook_add_format(wb);
	format_set_num_format(f.dec, "0.00");
	format_set_border(f.dec, LXW_BORDER_THIN);
	f.time = workbook_add_format(wb);
	format_set_num_format(f.time, "yyyy-mm-dd hh:mm");
	format_set_border(f.time, LXW_BORDER_THIN);
	f.text = workbook_add_format(wb);
	format_set_border(f.text, LXW_BORDER_THIN);
	json_array_foreach(json_object_get(m, "sections"), i, sec) {
		double width[16] = { 0 };
		lxw_worksheet *ws;
		lxw_row_t r = 2;

		sheet_name(sec, i, name, sizeof(name));
		ws = workbook_add_worksheet(wb, name);
		worksheet_write_string(ws, 0, 0, json_string_value(json_object_get(sec, "title")), f.title);
		json_array_foreach(json_object_get(sec, "blocks"), k, b) {
			const char *type = json_string_value(json_object_get(b, "type")) ?: "";
			if (!strcmp(type, "text"))
				worksheet_write_string(ws, r++, 0, json_string_value(json_object_get(b, "text")),
						       NULL);
			else if (!strcmp(type, "table"))
				r = table(ws, r + 1, b, &f, width,
					  json_string_value(json_object_get(m, "lang")));
			else if (!strcmp(type, "signature")) {
				static const char *const keys[] = { "sig.prepared", "sig.reviewed", "sig.date" };
				for (n = 0; n < 3; n++)
					worksheet_write_string(ws, r++, 0, zl_rs(json_string_value(
						json_object_get(m, "lang")), keys[n]), f.bold);
			}
		}
		for (k = 0; k < 16; k++)
			worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, width[k] ? width[k] : 12, NULL);
	}
	if (workbook_close(wb) != LXW_NO_ERROR) {
		unlink(path);
		snprintf(err, errlen, "cannot write the workbook");
		return -1;
	}
	if (!(in = fopen(path, "rb"))) {
		unlink(path);
		snprintf(err, errlen, "%s: cannot read the workbook back", path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	unlink(path);
	if (rc < 0)
		snprintf(err, errlen, "cannot write the workbook");
	return rc;
}
