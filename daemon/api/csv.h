/*
 * csv.h - CSV for spreadsheets (the access-log export, the monthly
 * reports): RFC 4180 quoting, CRLF rows, and text that a spreadsheet would
 * run as a formula made inert.
 *
 * Text comes from packets (a Host header, a TLS SNI), so any LAN host can
 * choose it. A text field is always written quoted; when it would start a
 * formula - its first character, or its first after leading spaces, is
 * one of = + - @ (or their full-width forms), a tab, CR or LF - a ' is put
 * inside the quotes before it, so the cell reads as the text itself.
 */
#ifndef ZL_CSV_H
#define ZL_CSV_H

#include <stdio.h>

/* Does a spreadsheet read this text as a formula? */
int zl_csv_formula_like(const char *s);
/* One field, no separator: text (quoted, guarded) or a number as is. */
void zl_csv_text(FILE *f, const char *s);
void zl_csv_number(FILE *f, long long n);
/* Between fields, and at the end of a row. */
void zl_csv_sep(FILE *f);
void zl_csv_end_row(FILE *f);
/* The UTF-8 byte-order mark, so that Excel does not read the file as GBK. */
void zl_csv_bom(FILE *f);

#endif
