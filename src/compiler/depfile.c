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
