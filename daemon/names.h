/*
 * names.h - how long the address book's names may be, for every copy.
 *
 * A host name, owner (person) or department is at most ZL_NAME_CHARS
 * characters (Unicode code points of UTF-8 text), so long county
 * department names such as 县人民政府办公室（县外事办公室、县政府研究室）
 * fit. A UTF-8 character takes at most 4 bytes, so ZL_NAME_SIZE bytes
 * hold any valid name and its NUL: every array that copies one of these
 * names (the address book's rows, the access log's queued records, the
 * incidents' rows, the rollups' keys, ...) is ZL_NAME_SIZE bytes, so a
 * valid name is never cut. zl_text_copy() and zl_text_cut() cut text that
 * does not fit at a character boundary.
 */
#ifndef ZL_NAMES_H
#define ZL_NAMES_H

#include <stddef.h>
#include <string.h>

#define ZL_NAME_CHARS 64                     /* characters in a name */
#define ZL_NAME_SIZE (ZL_NAME_CHARS * 4 + 1) /* bytes of an array holding one */

/*
 * After snprintf() (or a copy) into s of 'size' bytes: when the text
 * filled s and its last character lost bytes, drop what is left of that
 * character, so a cut never splits one.
 */
static inline void zl_text_cut(char *s, size_t size)
{
	size_t n = strnlen(s, size), i = n, need;
	unsigned char c;

	if (n + 1 < size)
		return;
	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (n - (i - 1) < need)
		s[i - 1] = 0;
}

/* Copy NUL-terminated UTF-8 src into dst of 'size' (> 0) bytes, cut at a
 * character boundary if it does not fit. */
static inline void zl_text_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memmove(dst, src, n);
	dst[n] = 0;
	zl_text_cut(dst, size);
}

#endif
