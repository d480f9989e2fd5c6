/* zccache config: every setting, its value and its origin. */
#include "../util/compat.h"
#include "cli.h"
#include "../config/config.h"
#include "../util/log.h"

#include <stdio.h>

int cmd_config(int argc, char **argv)
{
	struct config cfg;
	struct strbuf out = STRBUF_INIT;
	int ret = 1;

	if (argc > 1) {
		error("config: unexpected argument '%s'", argv[1]);
		return 2;
	}
	if (config_load(&cfg) < 0)
		goto out;
	config_dump(&cfg, &out);
	fputs(out.buf, stdout);
	ret = 0;
out:
	strbuf_release(&out);
	config_release(&cfg);
	return ret;
}
