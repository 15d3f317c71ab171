/*
 * pdf.c - the report as an A4 PDF (cairo's PDF surface, pango's layout,
 * Noto Sans CJK): a cover with the table of contents, the sections with
 * their tables and charts, a header and "第 N 页 共 M 页" on every page, the
 * PDF's title, author and subject, and an outline for the viewer.
 *
 * Laid out twice: the first pass, drawn into nothing, finds the number of
 * pages and the page each section starts on; the second draws them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "charts.h"
#include "report-int.h"

#define FONT "Noto Sans CJK SC"
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN_X 56.0
#define TOP 70.0
#define BOTTOM (PAGE_H - 64.0)
#define TEXT_W (PAGE_W - 2 * MARGIN_X)
#define CELL_PAD 3.0

struct pdf {
	cairo_surface_t *surf;
	cairo_t *cr;
	json_t *m;
	const char *lang;
	double y;
	int page, pages, sec_page[16], drawing;
};

static PangoLayout *layout(struct pdf *p, const char *s, double size, int bold, double width,
			   PangoAlignment align)
{
	PangoLayout *l = pango_cairo_create_layout(p->cr);
	PangoFontDescription *d = pango_font_description_from_string(FONT);

	pango_font_description_set_absolute_size(d, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(d, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, d);
	pango_font_description_free(d);
	if (width > 0)
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, s ? s : "", -1);
	return l;
}

/* Draw text at (x, y); returns its height. */
static double text_at(struct pdf *p, const char *s, double x, double y, double size, int bold,
		      double width, PangoAlignment align)
{
	PangoLayout *l = layout(p, s, size, bold, width, align);
	int w, h;

	pango_layout_get_pixel_size(l, &w, &h);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	return h;
}

static double text_height(struct pdf *p, const char *s, double size, int bold, double width)
{
	PangoLayout *l = layout(p, s, size, bold, width, PANGO_ALIGN_LEFT);
	int w, h;

	pango_layout_get_pixel_size(l, &w, &h);
	g_object_unref(l);
	return h;
}

static void footer(struct pdf *p)
{
	char buf[96];

	cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
	snprintf(buf, sizeof(buf), zl_rs(p->lang, "page"), p->page, p->pages);
	text_at(p, buf, MARGIN_X, PAGE_H - 44, 9, 0, TEXT_W, PANGO_ALIGN_CENTER);
}

static void new_page(struct pdf *p)
{
	char head[512];

	if (p->page)
		cairo_show_page(p->cr);
	p->page++;
	p->y = TOP;
	footer(p);
	if (p->page == 1)
		return;
	snprintf(head, sizeof(head), "%s　%s", json_string_value(json_object_get(p->m, "title")),
		 json_string_value(json_object_get(p->m, "period")));
	cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
	text_at(p, head, MARGIN_X, 36, 8, 0, TEXT_W, PANGO_ALIGN_RIGHT);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN_X, 52);
	cairo_line_to(p->cr, PAGE_W - MARGIN_X, 52);
	cairo_stroke(p->cr);
}

static void ensure(struct pdf *p, double h)
{
	if (p->y + h > BOTTOM)
		new_page(p);
}

static void paragraph(struct pdf *p, const char *s, double size, int bold)
{
	double h = text_height(p, s, size, bold, TEXT_W);

	ensure(p, h + 6);
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	p->y += text_at(p, s, MARGIN_X, p->y, size, bold, TEXT_W, PANGO_ALIGN_LEFT) + 6;
}

/* ---- cells ---- */

static void thousands(long long v, char *buf, size_t len)
{
	char tmp[32];
	int n, i, k = 0, neg = v < 0;
	unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	n = snprintf(tmp, sizeof(tmp), "%llu", u);
	if (neg && k + 1 < (int)len)
		buf[k++] = '-';
	for (i = 0; i < n && k + 2 < (int)len; i++) {
		buf[k++] = tmp[i];
		if ((n - i - 1) % 3 == 0 && i < n - 1)
			buf[k++] = ',';
	}
	buf[k] = 0;
}

static void bytes_text(double v, char *buf, size_t len)
{
	static const char *const u[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	int i = 0;

	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.2f %s" : "%.0f %s", v, u[i]);
}

static void cell_text(json_t *v, const char *kind, char *buf, size_t len)
{
	if (json_is_null(v) || !v) {
		snprintf(buf, len, "—");
	} else if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (!strcmp(kind, "bytes")) {
		bytes_text(json_number_value(v), buf, len);
	} else if (!strcmp(kind, "change")) {
		snprintf(buf, len, "%+.2f%%", json_number_value(v));
	} else if (!strcmp(kind, "pp")) {
		snprintf(buf, len, "%+.2f", json_number_value(v));  /* the title says 百分点 */
	} else if (!strcmp(kind, "time") && json_is_integer(v)) {
		time_t t = (time_t)(json_integer_value(v) / 1000000);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	} else if (json_is_real(v)) {
		snprintf(buf, len, "%.2f", json_real_value(v));
	} else {
		thousands((long long)json_integer_value(v), buf, len);
	}
}

/* ---- tables ---- */

static int numeric(const char *kind)
{
	return strcmp(kind, "text") != 0;
}

static double row_height(struct pdf *p, json_t *cols, json_t *row, const double *w, int head)
{
	double h = 0, t;
	char buf[512];
	json_t *c;
	size_t k;

	json_array_foreach(cols, k, c) {
		if (head)
			snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(c, "title")));
		else
			cell_text(json_array_get(row, k), json_string_value(json_object_get(c, "kind")),
				  buf, sizeof(buf));
		t = text_height(p, buf, head ? 8 : 8.5, head, w[k] - 2 * CELL_PAD);
		if (t > h)
			h = t;
	}
	return h + 2 * CELL_PAD;
}

static void draw_row(struct pdf *p, json_t *cols, json_t *row, const double *w, double h, int head)
{
	double x = MARGIN_X;
	char buf[512];
	json_t *c;
	size_t k;

	if (head) {
		cairo_set_source_rgb(p->cr, 0.87, 0.89, 0.93);
		cairo_rectangle(p->cr, MARGIN_X, p->y, TEXT_W, h);
		cairo_fill(p->cr);
	}
	json_array_foreach(cols, k, c) {
		const char *kind = json_string_value(json_object_get(c, "kind")) ?: "text";
		if (head)
			snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(c, "title")));
		else
			cell_text(json_array_get(row, k), kind, buf, sizeof(buf));
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		text_at(p, buf, x + CELL_PAD, p->y + CELL_PAD, head ? 8 : 8.5, head, w[k] - 2 * CELL_PAD,
			head ? PANGO_ALIGN_CENTER : numeric(kind) ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
		cairo_set_source_rgb(p->cr, 0.55, 0.55, 0.55);
		cairo_set_line_width(p->cr, 0.4);
		cairo_rectangle(p->cr, x, p->y, w[k], h);
		cairo_stroke(p->cr);
		x += w[k];
	}
	p->y += h;
}

static double text_width(struct pdf *p, const char *s, double size, int bold)
{
	PangoLayout *l = layout(p, s, size, bold, -1, PANGO_ALIGN_LEFT);
	int tw, th;

	pango_layout_get_pixel_size(l, &tw, &th);
	g_object_unref(l);
	return tw;
}

/*
 * Column widths: by the widest text of each column, scaled to the page;
 * then a column whose short cells (numbers, dates, names) would wrap gets
 * their width, taken from the widest column, which wraps instead.
 */
static void widths(struct pdf *p, json_t *cols, json_t *rows, double *w)
{
	size_t n = json_array_size(cols), i, k, widest = 0;
	double sum = 0, need[16] = { 0 }, tw, extra;
	char buf[512];
	json_t *row, *c;

	json_array_foreach(cols, k, c) {
		const char *title = json_string_value(json_object_get(c, "title")) ?: "";
		/* a long header may wrap; a short one ("检测天数") reads better whole */
		w[k] = text_width(p, title, 8, 1) / (strlen(title) > 18 ? 1.6 : 1.0) + 2 * CELL_PAD + 4;
		if (strlen(title) <= 18 && w[k] > need[k])
			need[k] = w[k];
	}
	json_array_foreach(rows, i, row) {
		if (i >= 200)
			break;
		json_array_foreach(cols, k, c) {
			cell_text(json_array_get(row, k), json_string_value(json_object_get(c, "kind")),
				  buf, sizeof(buf));
			tw = text_width(p, buf, 8.5, 0) + 2 * CELL_PAD + 2;
			if (tw > w[k])
				w[k] = tw;
			if (strlen(buf) <= 24 && tw > need[k])
				need[k] = tw;
		}
	}
	for (k = 0; k < n; k++) {
		sum += w[k];
		if (w[k] > w[widest])
			widest = k;
	}
	for (k = 0; k < n; k++)
		w[k] = w[k] * TEXT_W / sum;
	for (k = 0; k < n; k++)
		if (k != widest && w[k] < need[k] && (extra = need[k] - w[k]) < w[widest] / 2) {
			w[k] += extra;
			w[widest] -= extra;
		}
}

static void table(struct pdf *p, json_t *t)
{
	json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows"), *row;
	double w[16], hh, rh;
	size_t i;

	if (json_array_size(cols) > 16)
		return;
	if (!json_array_size(rows)) {
		/* no rows: the title and a line that says so, not an empty grid */
		ensure(p, 40);
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		p->y += text_at(p, json_string_value(json_object_get(t, "title")), MARGIN_X, p->y, 10, 1,
				TEXT_W, PANGO_ALIGN_LEFT) + 4;
		cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
		p->y += text_at(p, zl_rs(p->lang, "txt.nodata"), MARGIN_X + CELL_PAD, p->y, 8.5, 0,
				TEXT_W, PANGO_ALIGN_LEFT) + 14;
		return;
	}
	widths(p, cols, rows, w);
	hh = row_height(p, cols, NULL, w, 1);
	ensure(p, 20 + hh + row_height(p, cols, json_array_get(rows, 0), w, 0));
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	p->y += text_at(p, json_string_value(json_object_get(t, "title")), MARGIN_X, p->y, 10, 1,
			TEXT_W, PANGO_ALIGN_LEFT) + 4;
	draw_row(p, cols, NULL, w, hh, 1);
	json_array_foreach(rows, i, row) {
		rh = row_height(p, cols, row, w, 0);
		if (p->y + rh > BOTTOM) {
			new_page(p);
			draw_row(p, cols, NULL, w, hh, 1);  /* the header again */
		}
		draw_row(p, cols, row, w, rh, 0);
	}
	p->y += 14;
}

static void signature(struct pdf *p)
{
	static const char *const keys[] = { "sig.prepared", "sig.reviewed", "sig.date" };
	double x = MARGIN_X, w = TEXT_W / 3;
	size_t i;

	ensure(p, 120);
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	p->y += text_at(p, zl_rs(p->lang, "sig.note"), MARGIN_X, p->y, 9, 0, TEXT_W,
			PANGO_ALIGN_LEFT) + 40;
	for (i = 0; i < 3; i++, x += w) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s：", zl_rs(p->lang, keys[i]));
		text_at(p, buf, x, p->y - 14, 11, 0, w, PANGO_ALIGN_LEFT);
		cairo_set_line_width(p->cr, 0.7);
		cairo_move_to(p->cr, x + 52, p->y);
		cairo_line_to(p->cr, x + w - 14, p->y);
		cairo_stroke(p->cr);
	}
	p->y += 30;
}

/* ---- the cover and its table of contents ---- */

static void cover(struct pdf *p)
{
	static const char *const meta[] = { "meta.period", "meta.generated", "meta.by", "meta.persons" };
	const char *vals[4];
	json_t *sec;
	size_t i;
	char buf[512];

	vals[0] = json_string_value(json_object_get(p->m, "period"));
	vals[1] = json_string_value(json_object_get(p->m, "generated"));
	vals[2] = json_string_value(json_object_get(p->m, "by"));
	vals[3] = zl_rs(p->lang, json_is_true(json_object_get(p->m, "persons")) ?
			"meta.persons_yes" : "meta.persons_no");
	p->y = 150;
	cairo_set_source_rgb(p->cr, 0.05, 0.05, 0.05);
	p->y += text_at(p, json_string_value(json_object_get(p->m, "title")), MARGIN_X, p->y, 22, 1,
			TEXT_W, PANGO_ALIGN_CENTER) + 10;
	cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
	p->y += text_at(p, json_string_value(json_object_get(p->m, "subtitle")), MARGIN_X, p->y, 10,
			0, TEXT_W, PANGO_ALIGN_CENTER) + 40;
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	for (i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "%s：", zl_rs(p->lang, meta[i]));
		text_at(p, buf, MARGIN_X + 90, p->y, 11, 0, 110, PANGO_ALIGN_RIGHT);
		p->y += text_at(p, vals[i] && *vals[i] ? vals[i] : "—", MARGIN_X + 205, p->y, 11, 0,
				TEXT_W - 205, PANGO_ALIGN_LEFT) + 8;
	}
	p->y += 40;
	p->y += text_at(p, zl_rs(p->lang, "toc"), MARGIN_X, p->y, 14, 1, TEXT_W,
			PANGO_ALIGN_CENTER) + 14;
	json_array_foreach(json_object_get(p->m, "sections"), i, sec) {
		double x;
		text_at(p, json_string_value(json_object_get(sec, "title")), MARGIN_X + 60, p->y, 11, 0,
			TEXT_W - 120, PANGO_ALIGN_LEFT);
		snprintf(buf, sizeof(buf), "%d", i < 16 ? p->sec_page[i] : 0);
		text_at(p, buf, MARGIN_X + 60, p->y, 11, 0, TEXT_W - 120, PANGO_ALIGN_RIGHT);
		/* dotted leader */
		cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
		for (x = MARGIN_X + 190; x < PAGE_W - MARGIN_X - 90; x += 5)
			cairo_rectangle(p->cr, x, p->y + 11, 0.8, 0.8);
		cairo_fill(p->cr);
		cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
		p->y += 22;
	}
}

static void body(struct pdf *p)
{
	json_t *sec, *b;
	size_t i, k;
	char link[64];

	p->page = 0;
	new_page(p);
	cover(p);
	json_array_foreach(json_object_get(p->m, "sections"), i, sec) {
		/* a section starts on a new page unless a third of one is left */
		if (p->page == 1 || p->y > TOP + (BOTTOM - TOP) * 2 / 3)
			new_page(p);
		else
			p->y += 16;
		if (i < 16)
			p->sec_page[i] = p->page;
		if (p->drawing) {
			snprintf(link, sizeof(link), "page=%d", p->page);
			cairo_pdf_surface_add_outline(p->surf, CAIRO_PDF_OUTLINE_ROOT,
						      json_string_value(json_object_get(sec, "title")),
						      link, 0);
		}
		cairo_set_source_rgb(p->cr, 0.1, 0.15, 0.3);
		p->y += text_at(p, json_string_value(json_object_get(sec, "title")), MARGIN_X, p->y, 15,
				1, TEXT_W, PANGO_ALIGN_LEFT) + 4;
		cairo_set_line_width(p->cr, 1.2);
		cairo_move_to(p->cr, MARGIN_X, p->y);
		cairo_line_to(p->cr, PAGE_W - MARGIN_X, p->y);
		cairo_stroke(p->cr);
		p->y += 10;
		json_array_foreach(json_object_get(sec, "blocks"), k, b) {
			const char *type = json_string_value(json_object_get(b, "type")) ?: "";
			if (!strcmp(type, "text"))
				paragraph(p, json_string_value(json_object_get(b, "text")), 10, 0);
			else if (!strcmp(type, "table"))
				table(p, b);
			else if (!strcmp(type, "chart")) {
				ensure(p, 230);
				zl_chart_draw(p->cr, FONT, MARGIN_X, p->y, TEXT_W, 220, b);
				p->y += 234;
			} else if (!strcmp(type, "signature"))
				signature(p);
		}
	}
	cairo_show_page(p->cr);
}

static cairo_status_t discard(void *ud, const unsigned char *d, unsigned int n)
{
	return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t to_file(void *ud, const unsigned char *d, unsigned int n)
{
	return fwrite(d, 1, n, ud) == n ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int zl_report_pdf(json_t *m, FILE *f, char *err, size_t errlen)
{
	struct pdf p = { .m = m, .lang = json_string_value(json_object_get(m, "lang")) ?: "zh" };
	cairo_status_t st;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		p.surf = cairo_pdf_surface_create_for_stream(pass ? to_file : discard, f, PAGE_W, PAGE_H);
		p.cr = cairo_create(p.surf);
		p.drawing = pass;
		if (pass) {
			cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE,
						       json_string_value(json_object_get(m, "title")));
			cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_AUTHOR,
						       json_string_value(json_object_get(m, "by")));
			cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_SUBJECT,
						       zl_rs(p.lang, "meta.subject"));
			cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "Zhulan");
		}
		body(&p);
		p.pages = p.page;
		cairo_destroy(p.cr);
		cairo_surface_finish(p.surf);
		st = cairo_surface_status(p.surf);
		cairo_surface_destroy(p.surf);
		if (st != CAIRO_STATUS_SUCCESS) {
			snprintf(err, errlen, "PDF: %s", cairo_status_to_string(st));
			return -1;
		}
	}
	return 0;
}

void zl_report_cleanup(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
