#include "compat.h"
#include "strbuf.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty[1];

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_empty;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;

	strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;

	if (want < sb->len)
		die("strbuf overflow");
	if (sb->alloc && want <= sb->alloc)
		return;
	if (!sb->alloc)
		sb->buf = NULL;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n * 3 / 2 + 16;
	sb->buf = xrealloc(sb->buf, n);
	sb->alloc = n;
	sb->buf[sb->len] = '\0';
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc) {
		if (len)
			die("BUG: strbuf_setlen beyond an empty buffer");
		return;
	}
	if (len >= sb->alloc)
		die("BUG: strbuf_setlen beyond allocation");
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	strbuf_add(sb, &ch, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	/* Try the room there is; grow once if it was too small. */
	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		die("BUG: bad format");
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_add_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	strbuf_add(sb, b, sizeof(b));
}

void strbuf_add_u64(struct strbuf *sb, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	strbuf_add(sb, b, sizeof(b));
}

void strbuf_add_lstr(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_add_u32(sb, (uint32_t)len);
	strbuf_add(sb, s, len);
}

/* Appends s, which sv owns from now on. */
static void strvec_push_owned(struct strvec *sv, char *s)
{
	if (sv->nr + 2 > sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 16;
		sv->v = xrealloc(sv->v, sv->alloc * sizeof(*sv->v));
	}
	sv->v[sv->nr++] = s;
	sv->v[sv->nr] = NULL;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_owned(sv, xstrdup(s));
}

void strvec_push_len(struct strvec *sv, const char *s, size_t len)
{
	strvec_push_owned(sv, xstrndup(s, len));
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strvec_push(sv, sb.buf);
	strbuf_release(&sb);
}

void strvec_pushv(struct strvec *sv, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strvec_push(sv, v[i]);
}

void strvec_clear(struct strvec *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->nr = sv->alloc = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strvec_sort_unique(struct strvec *sv)
{
	size_t kept = 0;

	if (!sv->nr)
		return;
	qsort(sv->v, sv->nr, sizeof(*sv->v), cmp_str);
	for (size_t i = 0; i < sv->nr; i++) {
		if (kept && !strcmp(sv->v[kept - 1], sv->v[i])) {
			free(sv->v[i]);
			continue;
		}
		sv->v[kept++] = sv->v[i];
	}
	sv->nr = kept;
	sv->v[kept] = NULL;
}

int read_bytes(struct reader *r, size_t n, const unsigned char **out)
{
	if ((size_t)(r->end - r->p) < n)
		return -1;
	*out = r->p;
	r->p += n;
	return 0;
}

int read_u32(struct reader *r, uint32_t *v)
{
	const unsigned char *b;
	if (read_bytes(r, 4, &b))
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

int read_u64(struct reader *r, uint64_t *v)
{
	const unsigned char *b;
	if (read_bytes(r, 8, &b))
		return -1;
	*v = 0;
	for (int i = 7; i >= 0; i--)
		*v = (*v << 8) | b[i];
	return 0;
}

int read_lstr(struct reader *r, const char **out, size_t *len)
{
	uint32_t n;
	const unsigned char *b;
	if (read_u32(r, &n) || read_bytes(r, n, &b))
		return -1;
	*out = (const char *)b;
	*len = n;
	return 0;
}

/* Colour and hyperlink escapes, for replaying coloured diagnostics to a
 * stream that is not a terminal (what the compiler itself would do). */
void strip_terminal_escapes(const struct strbuf *in, struct strbuf *out)
{
	for (size_t i = 0; i < in->len; i++) {
		char ch = in->buf[i];
		if (ch == '\033' && i + 1 < in->len && in->buf[i + 1] == '[') {
			i += 2;
			while (i < in->len && !(in->buf[i] >= 0x40 && in->buf[i] <= 0x7e))
				i++;
			continue;
		}
		if (ch == '\033' && i + 1 < in->len && in->buf[i + 1] == ']') {
			i += 2;
			while (i < in->len && in->buf[i] != '\a' &&
			       !(in->buf[i] == '\033' && i + 1 < in->len && in->buf[i + 1] == '\\'))
				i++;
			if (i < in->len && in->buf[i] == '\033')
				i++;
			continue;
		}
		strbuf_addch(out, ch);
	}
}

