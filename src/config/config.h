/*
 * config.h - zccache's settings: one table, three sources.
 *
 * Each setting is read from its ZCCACHE_* environment variable, else from
 * $ZCCACHE_DIR/zccache.conf ("key = value" lines, '#' comments), else from
 * its default; every value remembers where it came from, for `zccache config`.
 * cache_dir itself cannot come from the file that lives inside it.
 *
 * The wrapper calls config_load() once per compile; it costs a getenv per
 * setting plus one small file read when the file exists.
 */
#ifndef ZC_CONFIG_H
#define ZC_CONFIG_H

#include "../util/compat.h"
#include "../util/strbuf.h"

enum config_origin { ORIGIN_DEFAULT, ORIGIN_FILE, ORIGIN_ENV };

enum config_item {
	CONF_CACHE_DIR,
	CONF_MAX_SIZE,
	CONF_COMPRESSION_LEVEL,
	CONF_DISABLE,
	CONF_READ_ONLY,
	CONF_RECACHE,
	CONF_LOG_FILE,
	CONF_DEBUG,
	CONF_IDLE_TIMEOUT,
	CONF_DAEMON,
	CONF_NR_ITEMS
};

struct config {
	char *cache_dir;       /* NULL when neither set nor derivable ($HOME unset) */
	uint64_t max_size;     /* bytes; 0 = unlimited */
	int compression_level; /* 0 = stored raw; else zstd level */
	bool disable;          /* pass every compile straight to the compiler */
	bool read_only;        /* serve hits, never store */
	bool recache;          /* never hit, store afresh */
	char *log_file;        /* "" = no debug log */
	bool debug;            /* log the hashed key fields */
	unsigned idle_timeout; /* seconds the daemon waits idle before exiting; 0 = never */
	bool daemon;           /* compiles go through the daemon (ZCCACHE_NODAEMON=1: no) */
	enum config_origin origin[CONF_NR_ITEMS];
	char *file_path;       /* the config file consulted (may not exist) */
};

/* Fills cfg. Returns -1 with error() naming file and line on a bad file or
 * a bad environment value; cfg then still holds usable values. */
int config_load(struct config *cfg);
/* The same for another process's environment (the daemon serving a client);
 * env is a NULL-terminated "NAME=value" list, NULL meaning our own. */
int config_load_env(struct config *cfg, char *const *env);
void config_release(struct config *cfg);

/* For `zccache config`: one "key = value (origin)" line per setting. */
void config_dump(const struct config *cfg, struct strbuf *out);

/* "5Gi", "500M", "1024" -> bytes; -1 on a malformed size. */
int parse_size(const char *s, uint64_t *out);
/* Sets key = value in the cache directory's config file (created when
 * missing; the other lines are kept). */
int config_file_set(const struct config *cfg, const char *key, const char *value);
/* Bytes as "1.2 GiB". */
void format_size(uint64_t bytes, struct strbuf *out);

#endif
