/* zccache clear | zccache trim: whole-cache maintenance. */
#include "../util/compat.h"
#include "cli.h"
#include "../config/config.h"
#include "../daemon/daemon.h"
#include "../stats/stats.h"
#include "../store/store.h"
#include "../util/log.h"

#include <stdio.h>

static int open_store(int argc, char **argv, struct config *cfg, struct store *st)
{
	if (argc > 1) {
		error("%s: unexpected argument '%s'", argv[0], argv[1]);
		return -1;
	}
	if (config_load(cfg) < 0 || store_open(st, cfg) < 0)
		return -1;
	if (!st->writable)
		return error("%s", st->not_writable);
	/* The daemon's counts in memory include sizes: write them first. */
	daemon_flush_stats(cfg);
	return 0;
}

int cmd_clear(int argc, char **argv)
{
	struct config cfg = { 0 };
	struct store st = { 0 };
	int ret = 1;

	if (open_store(argc, argv, &cfg, &st) < 0 || store_clear(&st) < 0 ||
	    stats_set_size(st.dir, 0, 0) < 0)
		goto out;
	printf("cleared %s\n", st.dir);
	ret = 0;
out:
	store_release(&st);
	config_release(&cfg);
	return ret;
}

int cmd_trim(int argc, char **argv)
{
	struct config cfg = { 0 };
	struct store st = { 0 };
	struct strbuf size = STRBUF_INIT;
	int64_t bytes = 0, files = 0;
	int ret = 1;

	if (open_store(argc, argv, &cfg, &st) < 0 ||
	    store_trim(&st, cfg.max_size, &bytes, &files) < 0 ||
	    stats_set_size(st.dir, bytes, files) < 0)
		goto out;
	format_size((uint64_t)bytes, &size);
	printf("cache size %s (%lld files)\n", size.buf, (long long)files);
	ret = 0;
out:
	strbuf_release(&size);
	store_release(&st);
	config_release(&cfg);
	return ret;
}
