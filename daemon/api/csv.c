/*
 * csv.c - CSV for spreadsheets: quoted text, formulas made inert.
 */
#include <string.h>

#include "csv.h"

/* Full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20): some spreadsheets
 * read them as their ASCII forms when a cell is typed or imported. */
static const char *const wide_starters[] = {
	"\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d", "\xef\xbc\xa0",
};

int zl_csv_formula_like(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	/* tab, CR and LF start a formula on their own, or hide one after them */
	if (*s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	while (*s == ' ')
		s++;
	if (*s && strchr("=+-@\t\r\n", *s))
		return 1;
	for (i = 0; i < sizeof(wide_starters) / sizeof(wide_starters[0]); i++)
		if (!strncmp(s, wide_starters[i], strlen(wide_starters[i])))
			return 1;
	return 0;
}

void zl_csv_text(FILE *f, const char *s)
{
	if (!s)
		s = "";
	fputc('"', f);
	if (zl_csv_formula_like(s))
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void zl_csv_number(FILE *f, long long n)
{
	fprintf(f, "%lld", n);
}

void zl_csv_sep(FILE *f)
{
	fputc(',', f);
}

void zl_csv_end_row(FILE *f)
{
	fputs("\r\n", f);
}

void zl_csv_bom(FILE *f)
{
	fputs("\xef\xbb\xbf", f);
}
