/*
 * test_ruletext.c - a behaviour rule back to its text (GET /v1/behaviour):
 * a subject of long department names is cut between characters, so the
 * rule still has its JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "ruletext.h"
#include "tap.h"

int main(void)
{
	char dept[ZL_NAME_SIZE] = "", want[1024] = "";
	struct zl_endpoint ep[3];
	struct zl_name app = { .s = "Douyin" };
	struct zl_bh_rule r = { .action = ZL_BH_BLOCK, .object = ZL_BH_APP, .names = &app,
				.n_names = 1, .from = { .v = ep, .n = 3 } };
	const char *subject;
	json_t *j;
	int i;

	for (i = 0; i < ZL_NAME_CHARS; i++)
		strcat(dept, "县");
	for (i = 0; i < 3; i++) {
		memset(&ep[i], 0, sizeof(ep[i]));
		ep[i].type = ZL_EP_DEPARTMENT;
		ep[i].name = dept;
	}
	/* three departments of 64 characters: 619 bytes, more than the
	 * subject's 511; the cut falls inside the third name's 29th 县 */
	snprintf(want, sizeof(want), "department \"%s\", department \"%s\", department \"%s\"",
		 dept, dept, dept);
	j = zl_bh_rule_json(&r);
	ok(j != NULL, "a rule from three 64-character departments has its JSON");
	subject = json_string_value(json_object_get(j, "subject"));
	ok(subject && strlen(subject) == 426 + 28 * 3 && !strncmp(subject, want, strlen(subject)),
	   "... its subject cut before the character that did not fit (%zu bytes)",
	   subject ? strlen(subject) : 0);
	is_str(json_string_value(json_object_get(j, "object")), "app Douyin", "... and its object");
	json_decref(j);

	ep[0].name = "县人民政府办公室（县外事办公室、县政府研究室）";
	r.from.n = 1;
	j = zl_bh_rule_json(&r);
	is_str(json_string_value(json_object_get(j, "subject")),
	       "department \"县人民政府办公室（县外事办公室、县政府研究室）\"",
	       "one long department is whole");
	json_decref(j);
	return done_testing();
}
