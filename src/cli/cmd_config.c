/* zccache config: every setting, its value and its origin. */
#include "../util/compat.h"
#include "cli.h"
#include "../config/config.h"
#include "../util/log.h"

#include <stdio.h>
#include <stdlib.h>

/* zccache -M SIZE (--max-size): the size limit, kept in the config file,
 * as ccache -M does. */
int cmd_max_size(int argc, char **argv)
{
	struct config cfg;
	uint64_t size;
	int ret = 2;

	if (argc != 2) {
		error("%s: expected one size (500M, 2G, 0 = no limit)", argv[0]);
		return 2;
	}
	if (parse_size(argv[1], &size) < 0) {
		error("%s: bad size '%s' (500M, 2G, 0 = no limit)", argv[0], argv[1]);
		return 2;
	}
	ret = 1;
	config_load(&cfg); /* a bad line elsewhere is kept, and said */
	if (config_file_set(&cfg, "max_size", argv[1]) < 0)
		goto out;
	if (size)
		printf("Set cache size limit to %s\n", argv[1]);
	else
		printf("Set cache size limit to unlimited\n");
	if (getenv("ZCCACHE_MAXSIZE"))
		printf("(ZCCACHE_MAXSIZE, set in the environment, still decides)\n");
	ret = 0;
out:
	config_release(&cfg);
	return ret;
}

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
