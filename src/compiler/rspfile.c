#include "../util/compat.h"
#include "rspfile.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <ctype.h>

#define MAX_RSP_DEPTH 16
#define MAX_RSP_SIZE (16u << 20)

int split_response_text(const char *text, struct strvec *out)
{
	struct strbuf arg = STRBUF_INIT;
	const char *p = text;
	int ret = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		char quote = 0;
		strbuf_reset(&arg);
		for (; *p; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && p[1])
					strbuf_addch(&arg, *++p);
				else
					strbuf_addch(&arg, *p);
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				strbuf_addch(&arg, *++p);
			} else if (*p == '\\') {
				ret = error("a response file ends in a lone backslash");
				strbuf_addch(&arg, *p);
			} else if (isspace((unsigned char)*p)) {
				break;
			} else {
				strbuf_addch(&arg, *p);
			}
		}
		strvec_push(out, arg.buf);
	}
	strbuf_release(&arg);
	return ret;
}

static int expand(char *const *argv, size_t argc, struct strvec *out, int depth)
{
	for (size_t i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '@' || !a[1]) {
			strvec_push(out, a);
			continue;
		}
		if (depth >= MAX_RSP_DEPTH)
			return error("response files nested too deeply at '%s'", a + 1);
		struct strbuf text = STRBUF_INIT;
		struct strvec inner = STRVEC_INIT;
		int ret = read_file(a + 1, &text, MAX_RSP_SIZE);
		if (!ret)
			ret = split_response_text(text.buf, &inner);
		if (!ret)
			ret = expand(inner.v, inner.nr, out, depth + 1);
		strvec_clear(&inner);
		strbuf_release(&text);
		if (ret)
			return -1;
	}
	return 0;
}

int expand_response_files(char *const *argv, size_t argc, struct strvec *out)
{
	return expand(argv, argc, out, 0);
}
