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

int depfile_retarget(const char *text, size_t len, const char *old_target,
		     const char *new_target, struct strbuf *out)
{
	struct strbuf old_esc = STRBUF_INIT;
	int ret = -1;

	depfile_escape_target(old_target, &old_esc);
	if (len <= old_esc.len || memcmp(text, old_esc.buf, old_esc.len) ||
	    text[old_esc.len] != ':')
		goto out;
	depfile_escape_target(new_target, out);
	strbuf_add(out, text + old_esc.len, len - old_esc.len);
	ret = 0;
out:
	strbuf_release(&old_esc);
	return ret;
}
