#include "../util/compat.h"
#include "depfile.h"

#include <string.h>

int depfile_prerequisites(const char *text, size_t len, struct strvec *out)
{
	struct strbuf tok = STRBUF_INIT;
	const char *p = text, *end = text + len;
	bool seen_colon = false;
	int ret = -1;

	while (p < end) {
		/* Separators: blanks and continuations. */
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (*p == '\\' && p + 1 < end && (p[1] == '\n' || p[1] == '\r')) {
			p += 2;
			continue;
		}
		if (*p == '\n') {
			if (seen_colon)
				break; /* end of the first rule */
			p++;
			continue;
		}
		strbuf_reset(&tok);
		while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			if (*p == '\\' && p + 1 < end && (p[1] == ' ' || p[1] == '#' || p[1] == '\\')) {
				strbuf_addch(&tok, p[1]);
				p += 2;
			} else if (*p == '\\' && p + 1 < end && p[1] == '\n') {
				break;
			} else if (*p == '$' && p + 1 < end && p[1] == '$') {
				strbuf_addch(&tok, '$');
				p += 2;
			} else {
				strbuf_addch(&tok, *p++);
			}
		}
		if (!seen_colon) {
			/* "target:" or "target" followed by a lone ":". */
			if (tok.len && tok.buf[tok.len - 1] == ':')
				seen_colon = true;
			else if (!strcmp(tok.buf, ":"))
				seen_colon = true;
			continue;
		}
		if (tok.len)
			strvec_push(out, tok.buf);
	}
	if (seen_colon)
		ret = 0;
	strbuf_release(&tok);
	return ret;
}

void depfile_escape_target(const char *path, struct strbuf *out)
{
	for (const char *p = path; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '#')
			strbuf_addch(out, '\\');
		else if (*p == '$')
			strbuf_addch(out, '$');
		strbuf_addch(out, *p);
	}
}

/* The length of an escaped name as the name itself ("\ " and "$$" are one
 * character each): what clang measures a line by. */
static size_t unescaped_length(const char *name, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++, n++)
		if ((name[i] == '\\' && i + 1 < len && name[i + 1] != '\\') ||
		    (name[i] == '$' && i + 1 < len && name[i + 1] == '$'))
			i++;
	return n;
}

/* Appends one prerequisite (escaped, len bytes) at *col, the compiler's
 * way: a continuation first when it would not fit. */
static void add_wrapped(struct strbuf *out, const char *name, size_t len, enum depfile_wrap wrap,
			size_t *col)
{
	if (wrap == DEPFILE_WRAP_GCC) {
		if (*col + len > 72) {
			strbuf_addstr(out, " \\\n");
			*col = 0;
		}
		*col += 1 + len;
	} else {
		size_t n = unescaped_length(name, len);
		if (*col + n + 1 + 2 > 75) {
			strbuf_addstr(out, " \\\n ");
			*col = 2;
		}
		*col += n + 1;
	}
	strbuf_addch(out, ' ');
	strbuf_add(out, name, len);
}

int depfile_retarget(const char *text, size_t len, const char *old_target,
		     const char *new_target, enum depfile_wrap wrap, struct strbuf *out)
{
	struct strbuf old_esc = STRBUF_INIT;
	const char *p, *end = text + len;
	size_t col;
	int ret = -1;

	depfile_escape_target(old_target, &old_esc);
	if (len <= old_esc.len || memcmp(text, old_esc.buf, old_esc.len) ||
	    text[old_esc.len] != ':')
		goto out;
	depfile_escape_target(new_target, out);
	col = wrap == DEPFILE_WRAP_GCC ? out->len : unescaped_length(out->buf, out->len);
	strbuf_addch(out, ':');
	col++;
	/* The first rule's names, up to the newline that ends it. */
	for (p = text + old_esc.len + 1; p < end;) {
		if (*p == ' ' || *p == '\t') {
			p++;
		} else if (*p == '\\' && p + 1 < end && p[1] == '\n') {
			p += 2;
		} else if (*p == '\n') {
			break;
		} else {
			const char *name = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != '\n') {
				if (*p == '\\' && p + 1 < end && p[1] == '\n')
					break;
				p += *p == '\\' && p + 1 < end ? 2 : 1;
			}
			add_wrapped(out, name, (size_t)(p - name), wrap, &col);
		}
	}
	strbuf_add(out, p, (size_t)(end - p));
	ret = 0;
out:
	strbuf_release(&old_esc);
	return ret;
}
