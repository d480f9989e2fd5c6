#include "../util/compat.h"
#include "config.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONFIG_FILE_NAME "zccache.conf"
#define MAX_CONFIG_FILE (1 << 20)

enum item_type { TYPE_PATH, TYPE_SIZE, TYPE_LEVEL, TYPE_BOOL, TYPE_STRING, TYPE_SECONDS };

struct item_def {
	const char *key;
	const char *env;
	enum item_type type;
	const char *def;
	const char *help;
};

/* One line per setting; the order is the order of `zccache config`. */
static const struct item_def items[CONF_NR_ITEMS] = {
	[CONF_CACHE_DIR] = { "cache_dir", "ZCCACHE_DIR", TYPE_PATH, NULL,
			     "where the cache lives" },
	[CONF_MAX_SIZE] = { "max_size", "ZCCACHE_MAXSIZE", TYPE_SIZE, "5Gi",
			    "size limit; least recently used entries go first" },
	[CONF_COMPRESSION_LEVEL] = { "compression_level", "ZCCACHE_COMPRESSION_LEVEL",
				     TYPE_LEVEL, "1", "zstd level; 0 stores raw" },
	[CONF_DISABLE] = { "disable", "ZCCACHE_DISABLE", TYPE_BOOL, "false",
			   "run every compile without the cache" },
	[CONF_READ_ONLY] = { "read_only", "ZCCACHE_READONLY", TYPE_BOOL, "false",
			     "serve hits but never store" },
	[CONF_RECACHE] = { "recache", "ZCCACHE_RECACHE", TYPE_BOOL, "false",
			   "never hit; compile and store afresh" },
	[CONF_LOG_FILE] = { "log_file", "ZCCACHE_LOGFILE", TYPE_STRING, "",
			    "debug log saying why each compile missed" },
	[CONF_DEBUG] = { "debug", "ZCCACHE_DEBUG", TYPE_BOOL, "false",
			 "also log every hashed key field" },
	[CONF_IDLE_TIMEOUT] = { "idle_timeout", "ZCCACHE_IDLE_TIMEOUT", TYPE_SECONDS, "600",
				"seconds the daemon stays up without requests; 0 = never" },
	[CONF_DAEMON] = { "daemon", "ZCCACHE_DAEMON", TYPE_BOOL, "true",
			  "serve compiles through the resident daemon; ZCCACHE_NODAEMON=1 = off" },
};

static const char *origin_names[] = { "default", "file", "environment" };

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	double mult = 1;

	/* Digits and a dot only: strtod would also take "nan", "inf",
	 * "1e30" and hexadecimal. */
	if (!isdigit((unsigned char)*s) || s[strspn(s, "0123456789.")] == 'x' ||
	    s[strspn(s, "0123456789.")] == 'e' || s[strspn(s, "0123456789.")] == 'E')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end) {
		static const char units[] = "KMGT";
		const char *u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return -1;
		int power = (int)(u - units) + 1;
		bool binary = end[1] == 'i';
		const char *rest = end + 1 + binary;
		if (*rest == 'B' || *rest == 'b')
			rest++;
		if (*rest)
			return -1;
		for (int i = 0; i < power; i++)
			mult *= binary ? 1024 : 1000;
	}
	/* 0.5 bytes, or past what 64 bits hold: a mistake, not "no limit". */
	if ((v > 0 && v * mult < 1) || v * mult >= 18446744073709551616.0)
		return -1;
	*out = (uint64_t)(v * mult);
	return 0;
}

int config_file_set(const struct config *cfg, const char *key, const char *value)
{
	struct strbuf old = STRBUF_INIT, text = STRBUF_INIT;
	char *tmp_dir = NULL;
	bool replaced = false;
	int ret = -1;

	if (!cfg->cache_dir || !cfg->file_path) {
		error("no cache directory: neither ZCCACHE_DIR nor HOME is set");
		goto out;
	}
	struct stat st;
	if (stat(cfg->file_path, &st) == 0 && read_file(cfg->file_path, &old, 1 << 20) < 0)
		goto out;
	/* Every line kept as it is but the setting's own. */
	for (const char *line = old.buf; line && *line;) {
		size_t len = strcspn(line, "\n");
		const char *k = line + strspn(line, " \t");
		size_t klen = strcspn(k, " \t=");
		bool ours = klen == strlen(key) && !strncmp(k, key, klen) &&
			    k[klen + strspn(k + klen, " \t")] == '=';
		if (ours && !replaced) {
			strbuf_addf(&text, "%s = %s\n", key, value);
			replaced = true;
		} else if (!ours) {
			strbuf_add(&text, line, len);
			strbuf_addch(&text, '\n');
		}
		line += len + (line[len] == '\n');
	}
	if (!replaced)
		strbuf_addf(&text, "%s = %s\n", key, value);
	tmp_dir = xasprintf("%s/tmp", cfg->cache_dir);
	if (mkdir_p(tmp_dir, 0700) < 0 ||
	    write_file_atomic(tmp_dir, cfg->file_path, text.buf, text.len, 0600) < 0)
		goto out;
	ret = 0;
out:
	free(tmp_dir);
	strbuf_release(&old);
	strbuf_release(&text);
	return ret;
}

void format_size(uint64_t bytes, struct strbuf *out)
{
	static const char *units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		strbuf_addf(out, "%llu bytes", (unsigned long long)bytes);
	else
		strbuf_addf(out, "%.1f %s", v, units[u]);
}

static int parse_bool(const char *s, bool *out)
{
	static const char *yes[] = { "1", "true", "yes", "on" };
	static const char *no[] = { "0", "false", "no", "off", "" };

	for (size_t i = 0; i < ZC_ARRAY_SIZE(yes); i++)
		if (!strcasecmp(s, yes[i]))
			return *out = true, 0;
	for (size_t i = 0; i < ZC_ARRAY_SIZE(no); i++)
		if (!strcasecmp(s, no[i]))
			return *out = false, 0;
	return -1;
}

/* Sets one item from text; returns -1 (no error() yet) when malformed. */
static int set_item(struct config *cfg, enum config_item id, const char *value)
{
	long level;
	char *end;

	switch (id) {
	case CONF_CACHE_DIR:
		if (!*value)
			return -1;
		free(cfg->cache_dir);
		if (value[0] == '/' && !strstr(value, "/.") && !strstr(value, "//")) {
			cfg->cache_dir = xstrdup(value);
		} else {
			/* Relative to the compile's directory, as ccache's, and
			 * one spelling per directory: the daemon's socket is
			 * named after it (../cache from two places is one). */
			char *cwd = value[0] == '/' ? NULL : get_cwd();
			if (value[0] != '/' && !cwd)
				return -1;
			char *joined = path_join(cwd, value);
			cfg->cache_dir = path_canonical(joined);
			free(joined);
			free(cwd);
		}
		return 0;
	case CONF_MAX_SIZE:
		return parse_size(value, &cfg->max_size);
	case CONF_COMPRESSION_LEVEL:
		errno = 0;
		level = strtol(value, &end, 10);
		if (end == value || *end || errno || level < -7 || level > 19)
			return -1;
		cfg->compression_level = (int)level;
		return 0;
	case CONF_DISABLE:
		return parse_bool(value, &cfg->disable);
	case CONF_READ_ONLY:
		return parse_bool(value, &cfg->read_only);
	case CONF_RECACHE:
		return parse_bool(value, &cfg->recache);
	case CONF_LOG_FILE:
		free(cfg->log_file);
		cfg->log_file = xstrdup(value);
		return 0;
	case CONF_DEBUG:
		return parse_bool(value, &cfg->debug);
	case CONF_IDLE_TIMEOUT:
		errno = 0;
		level = strtol(value, &end, 10);
		if (end == value || *end || errno || level < 0 || level > 7 * 24 * 3600)
			return -1;
		cfg->idle_timeout = (unsigned)level;
		return 0;
	case CONF_DAEMON:
		return parse_bool(value, &cfg->daemon);
	case CONF_NR_ITEMS:
		break;
	}
	return -1;
}

/* getenv() over an explicit environment (NULL: this process's). */
static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	if (!env)
		return getenv(name);
	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static char *default_cache_dir(char *const *env)
{
	const char *xdg = env_get(env, "XDG_CACHE_HOME");
	const char *home = env_get(env, "HOME");

	if (xdg && path_is_absolute(xdg))
		return xasprintf("%s/zccache", xdg);
	if (home && *home)
		return xasprintf("%s/.cache/zccache", home);
	return NULL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int find_item(const char *key)
{
	for (int i = 0; i < CONF_NR_ITEMS; i++)
		if (!strcmp(items[i].key, key))
			return i;
	return -1;
}

static int load_file(struct config *cfg, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0, lineno = 0;
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			ret = error("cannot read '%s':", path);
		goto out;
	}
	if (read_file(path, &sb, MAX_CONFIG_FILE) < 0) {
		ret = -1;
		goto out;
	}
	for (char *line = sb.buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			ret = error("%s:%d: expected 'key = value'", path, lineno);
			continue;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		int id = find_item(key);
		if (id < 0) {
			ret = error("%s:%d: unknown setting '%s'", path, lineno, key);
			continue;
		}
		if (id == CONF_CACHE_DIR) {
			ret = error("%s:%d: cache_dir can only be set by ZCCACHE_DIR", path, lineno);
			continue;
		}
		if (cfg->origin[id] == ORIGIN_ENV)
			continue;
		if (set_item(cfg, (enum config_item)id, value) < 0) {
			ret = error("%s:%d: bad value '%s' for %s", path, lineno, value, key);
			continue;
		}
		cfg->origin[id] = ORIGIN_FILE;
	}
out:
	strbuf_release(&sb);
	return ret;
}

int config_load(struct config *cfg)
{
	return config_load_env(cfg, NULL);
}

int config_load_env(struct config *cfg, char *const *env)
{
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < CONF_NR_ITEMS; i++) {
		if (items[i].def && set_item(cfg, (enum config_item)i, items[i].def) < 0)
			die("BUG: bad default for %s", items[i].key);
		cfg->origin[i] = ORIGIN_DEFAULT;
	}
	cfg->cache_dir = default_cache_dir(env);
	for (int i = 0; i < CONF_NR_ITEMS; i++) {
		const char *v = env_get(env, items[i].env);
		if (!v)
			continue;
		if (set_item(cfg, (enum config_item)i, v) < 0) {
			ret = error("bad value '%s' in %s", v, items[i].env);
			continue;
		}
		cfg->origin[i] = ORIGIN_ENV;
	}
	/* ZCCACHE_NODAEMON=1 is the short way to say ZCCACHE_DAEMON=0. */
	const char *nodaemon = env_get(env, "ZCCACHE_NODAEMON");
	bool off = false;
	if (nodaemon && parse_bool(nodaemon, &off) < 0)
		ret = error("bad value '%s' in ZCCACHE_NODAEMON", nodaemon);
	else if (off) {
		cfg->daemon = false;
		cfg->origin[CONF_DAEMON] = ORIGIN_ENV;
	}
	if (cfg->cache_dir) {
		cfg->file_path = xasprintf("%s/%s", cfg->cache_dir, CONFIG_FILE_NAME);
		if (load_file(cfg, cfg->file_path) < 0)
			ret = -1;
	}
	return ret;
}

void config_release(struct config *cfg)
{
	free(cfg->cache_dir);
	free(cfg->log_file);
	free(cfg->file_path);
	memset(cfg, 0, sizeof(*cfg));
}

void config_dump(const struct config *cfg, struct strbuf *out)
{
	for (int i = 0; i < CONF_NR_ITEMS; i++) {
		struct strbuf v = STRBUF_INIT;
		switch ((enum config_item)i) {
		case CONF_CACHE_DIR:
			strbuf_addstr(&v, cfg->cache_dir ? cfg->cache_dir : "(none: HOME is not set)");
			break;
		case CONF_MAX_SIZE:
			if (cfg->max_size)
				format_size(cfg->max_size, &v);
			else
				strbuf_addstr(&v, "unlimited");
			break;
		case CONF_COMPRESSION_LEVEL:
			strbuf_addf(&v, "%d", cfg->compression_level);
			break;
		case CONF_DISABLE:
			strbuf_addstr(&v, cfg->disable ? "true" : "false");
			break;
		case CONF_READ_ONLY:
			strbuf_addstr(&v, cfg->read_only ? "true" : "false");
			break;
		case CONF_RECACHE:
			strbuf_addstr(&v, cfg->recache ? "true" : "false");
			break;
		case CONF_LOG_FILE:
			strbuf_addstr(&v, cfg->log_file);
			break;
		case CONF_DEBUG:
			strbuf_addstr(&v, cfg->debug ? "true" : "false");
			break;
		case CONF_IDLE_TIMEOUT:
			strbuf_addf(&v, "%u", cfg->idle_timeout);
			break;
		case CONF_DAEMON:
			strbuf_addstr(&v, cfg->daemon ? "true" : "false");
			break;
		case CONF_NR_ITEMS:
			break;
		}
		strbuf_addf(out, "(%s) %s = %s\n", origin_names[cfg->origin[i]], items[i].key, v.buf);
		strbuf_release(&v);
	}
	strbuf_addf(out, "# config file: %s\n", cfg->file_path ? cfg->file_path : "(none)");
}
