/* zccache stats [--json] [--zero] */
#include "../util/compat.h"
#include "cli.h"
#include "../config/config.h"
#include "../daemon/daemon.h"
#include "../stats/stats.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <stdio.h>
#include <string.h>

static const char *const families[] = { "gcc", "clang" };

static int64_t named(struct stats *st, const char *family, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.%s", family, what);
	return *stats_named(st, name);
}

static void print_json(struct stats *st, const struct config *cfg)
{
	printf("{\"hits\":%lld,\"misses\":%lld,\"uncacheable\":{", (long long)st->value[STAT_HIT],
	       (long long)st->value[STAT_MISS]);
	for (int s = STAT_FIRST_UNCACHEABLE; s <= STAT_LAST_UNCACHEABLE; s++)
		printf("%s\"%s\":%lld", s == STAT_FIRST_UNCACHEABLE ? "" : ",",
		       stat_name((enum counter)s), (long long)st->value[s]);
	printf("},\"errors\":{");
	for (int s = STAT_FIRST_ERROR; s <= STAT_LAST_ERROR; s++)
		printf("%s\"%s\":%lld", s == STAT_FIRST_ERROR ? "" : ",", stat_name((enum counter)s),
		       (long long)st->value[s]);
	printf("},\"cache_bytes\":%lld,\"cache_files\":%lld,\"max_size_bytes\":%llu,\"families\":{",
	       (long long)st->value[STAT_CACHE_BYTES], (long long)st->value[STAT_CACHE_FILES],
	       (unsigned long long)cfg->max_size);
	for (size_t i = 0; i < ZC_ARRAY_SIZE(families); i++)
		printf("%s\"%s\":{\"hits\":%lld,\"misses\":%lld}", i ? "," : "", families[i],
		       (long long)named(st, families[i], "hits"),
		       (long long)named(st, families[i], "misses"));
	printf("}}\n");
}

static void print_text(struct stats *st, const struct config *cfg)
{
	int64_t hits = st->value[STAT_HIT], misses = st->value[STAT_MISS];
	struct strbuf size = STRBUF_INIT, max = STRBUF_INIT;

	printf("cache directory     %s\n", cfg->cache_dir);
	printf("cache hits          %lld", (long long)hits);
	if (hits + misses)
		printf(" (%.1f %%)", 100.0 * (double)hits / (double)(hits + misses));
	printf("\ncache misses        %lld\n", (long long)misses);
	for (size_t i = 0; i < ZC_ARRAY_SIZE(families); i++) {
		int64_t h = named(st, families[i], "hits"), m = named(st, families[i], "misses");
		if (h || m)
			printf("  %-17s %lld hits, %lld misses\n", families[i], (long long)h,
			       (long long)m);
	}
	printf("uncacheable:\n");
	for (int s = STAT_FIRST_UNCACHEABLE; s <= STAT_LAST_UNCACHEABLE; s++)
		if (st->value[s])
			printf("  %-40s %lld\n", stat_label((enum counter)s), (long long)st->value[s]);
	printf("errors:\n");
	for (int s = STAT_FIRST_ERROR; s <= STAT_LAST_ERROR; s++)
		if (st->value[s])
			printf("  %-40s %lld\n", stat_label((enum counter)s), (long long)st->value[s]);
	format_size((uint64_t)st->value[STAT_CACHE_BYTES], &size);
	if (cfg->max_size)
		format_size(cfg->max_size, &max);
	else
		strbuf_addstr(&max, "unlimited");
	printf("cache size          %s of %s (%lld files)\n", size.buf, max.buf,
	       (long long)st->value[STAT_CACHE_FILES]);
	strbuf_release(&size);
	strbuf_release(&max);
}

int cmd_stats(int argc, char **argv)
{
	struct config cfg;
	struct stats st = STATS_INIT;
	bool json = false, zero = false;
	int ret = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--zero") || !strcmp(argv[i], "-z"))
			zero = true;
		else {
			error("stats: unknown option '%s'", argv[i]);
			return 2;
		}
	}
	if (config_load(&cfg) < 0)
		goto out;
	if (!cfg.cache_dir) {
		error("no cache directory: neither ZCCACHE_DIR nor HOME is set");
		goto out;
	}
	/* A running daemon keeps recent counts in memory: have it write them. */
	daemon_flush_stats(&cfg);
	if (zero) {
		if (mkdir_p(cfg.cache_dir, 0700) < 0 || stats_zero(cfg.cache_dir) < 0)
			goto out;
		printf("statistics zeroed\n");
		ret = 0;
		goto out;
	}
	if (stats_read(cfg.cache_dir, &st) < 0)
		goto out;
	if (json)
		print_json(&st, &cfg);
	else
		print_text(&st, &cfg);
	ret = 0;
out:
	stats_release(&st);
	config_release(&cfg);
	return ret;
}
