/*
 * charts.h - the report's charts, drawn with cairo and labelled with
 * pango: bars (vertical for short labels such as hours, horizontal for
 * names), lines and stacked areas, each with its title, unit, axis and
 * legend. A chart is a model block (report.h).
 */
#ifndef ZL_CHARTS_H
#define ZL_CHARTS_H

#include <cairo.h>
#include <jansson.h>

/* Draw chart c in the box (x, y, w, h) with the font family 'font'. */
void zl_chart_draw(cairo_t *cr, const char *font, double x, double y, double w, double h,
		   json_t *c);

#endif
