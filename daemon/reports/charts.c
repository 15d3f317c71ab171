/*
 * charts.c - bars, lines and stacked areas for the PDF (charts.h). Colours
 * are muted and distinct in grey too, for a report that is printed.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "charts.h"

static const double palette[][3] = {
	{ 0.18, 0.33, 0.59 }, { 0.77, 0.35, 0.07 }, { 0.33, 0.51, 0.21 },
	{ 0.50, 0.38, 0.00 }, { 0.44, 0.19, 0.63 }, { 0.55, 0.55, 0.55 },
};
#define NCOLOURS (sizeof(palette) / sizeof(palette[0]))

/* Text at (x, y); align 0 left, 1 centre, 2 right of x; returns its width. */
static double label(cairo_t *cr, const char *font, double size, int bold, const char *s,
		    double x, double y, int align, double maxw)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *d = pango_font_description_from_string(font);
	int w, h;

	pango_font_description_set_absolute_size(d, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(d, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, d);
	if (maxw > 0) {
		pango_layout_set_width(l, (int)(maxw * PANGO_SCALE));
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_text(l, s ? s : "", -1);
	pango_layout_get_pixel_size(l, &w, &h);
	cairo_move_to(cr, align == 1 ? x - w / 2.0 : align == 2 ? x - w : x, y - h / 2.0);
	pango_cairo_show_layout(cr, l);
	pango_font_description_free(d);
	g_object_unref(l);
	return w;
}

/* A "nice" axis maximum and its step for v. */
static double nice_max(double v, double *step)
{
	double e, f;

	if (v <= 0)
		v = 1;
	e = pow(10, floor(log10(v / 5)));
	f = v / 5 / e;
	*step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
	return ceil(v / *step) * *step;
}

static void fmt_tick(double v, double step, char *buf, size_t len)
{
	snprintf(buf, len, step >= 1 ? "%.0f" : step >= 0.1 ? "%.1f" : "%.2f", v);
}

static void colour(cairo_t *cr, size_t i)
{
	cairo_set_source_rgb(cr, palette[i % NCOLOURS][0], palette[i % NCOLOURS][1],
			     palette[i % NCOLOURS][2]);
}

static void legend(cairo_t *cr, const char *font, json_t *series, double x, double y)
{
	json_t *s;
	size_t i;

	json_array_foreach(series, i, s) {
		colour(cr, i);
		cairo_rectangle(cr, x, y - 4, 10, 8);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		x += 14 + label(cr, font, 8, 0, json_string_value(json_object_get(s, "name")),
				x + 14, y, 0, 120) + 12;
	}
}

/* Horizontal bars: one per label, names on the left. */
static void hbars(cairo_t *cr, const char *font, double x, double y, double w, double h,
		  json_t *labels, json_t *values)
{
	size_t n = json_array_size(labels), i;
	double max = 0, step, lw = 110, bh, v;
	char buf[32];

	for (i = 0; i < n; i++)
		if ((v = json_number_value(json_array_get(values, i))) > max)
			max = v;
	max = nice_max(max, &step);
	bh = h / (double)(n ? n : 1);
	for (v = 0; v <= max + step / 2; v += step) {
		double gx = x + lw + (w - lw - 40) * v / max;
		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, gx, y);
		cairo_line_to(cr, gx, y + h);
		cairo_set_line_width(cr, 0.5);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		fmt_tick(v, step, buf, sizeof(buf));
		label(cr, font, 7, 0, buf, gx, y + h + 7, 1, 0);
	}
	for (i = 0; i < n; i++) {
		double by = y + bh * (double)i;
		v = json_number_value(json_array_get(values, i));
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		label(cr, font, 8, 0, json_string_value(json_array_get(labels, i)), x + lw - 4,
		      by + bh / 2, 2, lw - 8);
		colour(cr, 0);
		cairo_rectangle(cr, x + lw, by + bh * 0.15, (w - lw - 40) * v / max, bh * 0.7);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		snprintf(buf, sizeof(buf), "%.2f", v);
		label(cr, font, 7, 0, buf, x + lw + (w - lw - 40) * v / max + 3, by + bh / 2, 0, 0);
	}
}

/* The value axis and grid of a vertical plot; returns the axis maximum. */
static double vaxis(cairo_t *cr, const char *font, double x, double y, double w, double h,
		    double max)
{
	double step, v;
	char buf[32];

	max = nice_max(max, &step);
	for (v = 0; v <= max + step / 2; v += step) {
		double gy = y + h - h * v / max;
		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_set_line_width(cr, 0.5);
		cairo_move_to(cr, x, gy);
		cairo_line_to(cr, x + w, gy);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		fmt_tick(v, step, buf, sizeof(buf));
		label(cr, font, 7, 0, buf, x - 4, gy, 2, 0);
	}
	return max;
}

static void xlabels(cairo_t *cr, const char *font, double x, double y, double w, json_t *labels,
		    int centred)
{
	size_t n = json_array_size(labels), i, every = n > 16 ? (n + 15) / 16 : 1;
	double dx = w / (double)(centred ? (n ? n : 1) : (n > 1 ? n - 1 : 1));

	cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
	for (i = 0; i < n; i += every)
		label(cr, font, 7, 0, json_string_value(json_array_get(labels, i)),
		      x + dx * (double)i + (centred ? dx / 2 : 0), y + 8, 1, 0);
}

/* Vertical bars (one series), lines (any), stacked areas (any). */
static void plot(cairo_t *cr, const char *font, const char *kind, double x, double y, double w,
		 double h, json_t *labels, json_t *series)
{
	size_t n = json_array_size(labels), ns = json_array_size(series), i, k;
	int area = !strcmp(kind, "area"), bar = !strcmp(kind, "bar");
	double max = 0, v, dx, base[1024] = { 0 }, top[1024];
	json_t *s;

	if (n > 1024)
		n = 1024;
	for (i = 0; i < n; i++) {
		double sum = 0;
		json_array_foreach(series, k, s) {
			v = json_number_value(json_array_get(json_object_get(s, "values"), i));
			sum = area ? sum + v : (v > sum ? v : sum);
		}
		if (sum > max)
			max = sum;
	}
	max = vaxis(cr, font, x, y, w, h, max);
	dx = w / (double)(bar ? (n ? n : 1) : (n > 1 ? n - 1 : 1));
	json_array_foreach(series, k, s) {
		json_t *vals = json_object_get(s, "values");
		for (i = 0; i < n; i++)
			top[i] = base[i] + json_number_value(json_array_get(vals, i));
		colour(cr, k);
		if (bar) {
			for (i = 0; i < n; i++)
				cairo_rectangle(cr, x + dx * (double)i + dx * 0.15, y + h - h * top[i] / max,
						dx * 0.7, h * top[i] / max);
			cairo_fill(cr);
		} else if (area) {
			cairo_move_to(cr, x, y + h - h * top[0] / max);
			for (i = 1; i < n; i++)
				cairo_line_to(cr, x + dx * (double)i, y + h - h * top[i] / max);
			for (i = n; i-- > 0;)
				cairo_line_to(cr, x + dx * (double)i, y + h - h * base[i] / max);
			cairo_close_path(cr);
			cairo_fill(cr);
			memcpy(base, top, n * sizeof(*base));
		} else {
			cairo_set_line_width(cr, 1.5);
			for (i = 0; i < n; i++)
				(i ? cairo_line_to : cairo_move_to)(cr, x + dx * (double)i,
								    y + h - h * top[i] / max);
			cairo_stroke(cr);
		}
	}
	(void)ns;
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	cairo_set_line_width(cr, 0.8);
	cairo_move_to(cr, x, y);
	cairo_line_to(cr, x, y + h);
	cairo_line_to(cr, x + w, y + h);
	cairo_stroke(cr);
	xlabels(cr, font, x, y + h, w, labels, bar);
}

void zl_chart_draw(cairo_t *cr, const char *font, double x, double y, double w, double h,
		   json_t *c)
{
	const char *kind = json_string_value(json_object_get(c, "kind")) ?: "bar";
	json_t *labels = json_object_get(c, "labels"), *series = json_object_get(c, "series");
	json_t *first = json_object_get(json_array_get(series, 0), "values");
	size_t i, longest = 0;

	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
	cairo_set_line_width(cr, 0.5);
	cairo_rectangle(cr, x, y, w, h);
	cairo_stroke(cr);
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	label(cr, font, 10, 1, json_string_value(json_object_get(c, "title")), x + w / 2, y + 12, 1, 0);
	cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
	label(cr, font, 8, 0, json_string_value(json_object_get(c, "unit")), x + w - 8, y + 12, 2, 0);
	if (!json_array_size(labels)) {
		label(cr, font, 9, 0, "—", x + w / 2, y + h / 2, 1, 0);
		cairo_restore(cr);
		return;
	}
	for (i = 0; i < json_array_size(labels); i++)
		if (strlen(json_string_value(json_array_get(labels, i)) ?: "") > longest)
			longest = strlen(json_string_value(json_array_get(labels, i)) ?: "");
	if (!strcmp(kind, "bar") && longest > 3)
		hbars(cr, font, x + 8, y + 28, w - 16, h - 48, labels, first);
	else
		plot(cr, font, kind, x + 44, y + 28, w - 60, h - (json_array_size(series) > 1 ? 64 : 50),
		     labels, series);
	if (json_array_size(series) > 1)
		legend(cr, font, series, x + 44, y + h - 10);
	cairo_restore(cr);
}
