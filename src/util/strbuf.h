/*
 * strbuf.h - growable byte buffers and string vectors.
 *
 * A strbuf is never NULL-data: after STRBUF_INIT or strbuf_init() its buf
 * points at a NUL-terminated (possibly empty) string, and it stays
 * NUL-terminated after every call. It may hold binary data too (len counts
 * the bytes). strbuf_detach() is the only way to take ownership of the bytes.
 * Allocation failure is fatal (die), as in git: a compiler cache that runs
 * out of memory cannot do anything useful.
 *
 * A strvec is a NULL-terminated vector of malloc'd strings, ready for exec.
 */
#ifndef ZC_STRBUF_H
#define ZC_STRBUF_H

#include "compat.h"
#include <stdarg.h>

extern char strbuf_empty[];

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the bytes and leaves sb empty and reusable. */
void strbuf_release(struct strbuf *sb);
/* Hands the bytes to the caller (who frees them); sb is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) ZC_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends a little-endian integer (the byte order of every format we write). */
void strbuf_add_u32(struct strbuf *sb, uint32_t v);
void strbuf_add_u64(struct strbuf *sb, uint64_t v);

struct strvec {
	char **v;
	size_t nr;
	size_t alloc;
};
#define STRVEC_INIT { NULL, 0, 0 }

void strvec_push(struct strvec *sv, const char *s);
/* Pushes the first len bytes of s (which need no NUL). */
void strvec_push_len(struct strvec *sv, const char *s, size_t len);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) ZC_PRINTF(2, 3);
void strvec_pushv(struct strvec *sv, char *const *v, size_t n);
void strvec_clear(struct strvec *sv);
/* Sorts the strings (strcmp order) and drops repeats. */
void strvec_sort_unique(struct strvec *sv);

/* malloc wrappers that die on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) ZC_PRINTF(1, 2);

/* Appends in without colour and hyperlink escapes (CSI and OSC sequences):
 * what a compiler writes when its stderr is not a terminal. */
void strip_terminal_escapes(const struct strbuf *in, struct strbuf *out);

/* Little-endian readers over a bounded cursor; they fail (return -1) rather
 * than read past the end, so corrupt data can never crash a reader. */
struct reader {
	const unsigned char *p;
	const unsigned char *end;
};
int read_u32(struct reader *r, uint32_t *v);
int read_u64(struct reader *r, uint64_t *v);
int read_bytes(struct reader *r, size_t n, const unsigned char **out);
/* A u32 length followed by that many bytes; *out is NOT NUL-terminated. */
int read_lstr(struct reader *r, const char **out, size_t *len);
void strbuf_add_lstr(struct strbuf *sb, const char *s, size_t len);

#endif
