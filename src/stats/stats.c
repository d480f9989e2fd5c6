/*
 * The stats file: text, one "name value" line per counter, so that a human
 * can read it and a newer zccache can read an older file. Unknown names are
 * kept (a later version's counters survive an older binary's update).
 */
#include "../util/compat.h"
#include "stats.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STATS_FILE "stats"
#define MAX_STATS_FILE (1 << 20)

static const struct {
	const char *name;
	const char *label;
} stat_defs[STAT_NR] = {
	[STAT_HIT] = { "hits", "cache hits" },
	[STAT_MISS] = { "misses", "cache misses" },
	[STAT_UNC_LINKING] = { "linking", "called for linking" },
	[STAT_UNC_PREPROCESSING] = { "preprocessing", "called for preprocessing (-E)" },
	[STAT_UNC_MULTIPLE_SOURCES] = { "multiple_sources", "multiple source files" },
	[STAT_UNC_NO_SOURCE] = { "no_source", "no input file" },
	[STAT_UNC_STDIN_SOURCE] = { "stdin_source", "source read from stdin" },
	[STAT_UNC_DEPENDENCY_ONLY] = { "dependency_only", "dependencies only (-M/-MM)" },
	[STAT_UNC_SAVE_TEMPS] = { "save_temps", "-save-temps" },
	[STAT_UNC_BAD_RESPONSE_FILE] = { "bad_response_file", "unreadable response file" },
	[STAT_UNC_UNSUPPORTED_OPTION] = { "unsupported_option", "unsupported compiler option" },
	[STAT_UNC_TIME_MACROS] = { "time_macros", "__DATE__, __TIME__ or __TIMESTAMP__ used" },
	[STAT_UNC_PROFILE_USE] = { "profile_use", "profile data used" },
	[STAT_UNC_PCH_CREATION] = { "pch_creation", "precompiled header created" },
	[STAT_UNC_UNSUPPORTED_LANGUAGE] = { "unsupported_language", "unsupported source language" },
	[STAT_UNC_INCBIN] = { "incbin", "assembler .incbin or .include" },
	[STAT_UNC_COMPILE_FAILED] = { "compile_failed", "compile failed" },
	[STAT_UNC_OUTPUT_TO_STDOUT] = { "output_to_stdout", "output to stdout" },
	[STAT_UNC_NON_REGULAR_OUTPUT] = { "non_regular_output", "output is not a regular file" },
	[STAT_UNC_UNSUPPORTED_ENVIRONMENT] = { "unsupported_environment",
					       "unsupported environment variable" },
	[STAT_UNC_MODIFIED_DURING_COMPILE] = { "modified_during_compile",
					       "input file modified during the compile" },
	[STAT_UNC_NOT_A_COMPILE] = { "not_a_compile", "not a compile (-v, --version, ...)" },
	[STAT_UNC_MISSING_OUTPUT] = { "missing_output", "compiler produced no output" },
	[STAT_UNC_PRAGMA_DEPENDENCY] = { "pragma_dependency", "#pragma GCC dependency used" },
	[STAT_UNC_COMPUTED_HAS_INCLUDE] = { "computed_has_include",
					    "__has_include of a name only the preprocessor knows" },
	[STAT_UNC_UNEXPLAINED_HEADER] = { "unexplained_header",
					  "a header under no search directory (a resolved symlink)" },
	[STAT_UNC_OUTPUT_IS_INPUT] = { "output_is_input", "an output is the source (-o a.c)" },
	[STAT_UNC_COMPILER_CONFIG] = { "compiler_config",
				       "the compiler may read a configuration file (clang *.cfg)" },
	[STAT_ERR_CACHE_UNUSABLE] = { "cache_unusable", "cache directory unusable" },
	[STAT_ERR_STORE_FAILED] = { "store_failed", "failed to store an entry" },
	[STAT_ERR_CORRUPT_ENTRY] = { "corrupt_entry", "corrupt entries dropped" },
	[STAT_ERR_CONFIG] = { "config_error", "bad configuration" },
	[STAT_ERR_INTERNAL] = { "internal_error", "internal errors" },
	[STAT_CACHE_BYTES] = { "cache_bytes", "cache size" },
	[STAT_CACHE_FILES] = { "cache_files", "files in cache" },
};

const char *stat_name(enum counter s)
{
	return stat_defs[s].name;
}

const char *stat_label(enum counter s)
{
	return stat_defs[s].label;
}

void stats_release(struct stats *st)
{
	strvec_clear(&st->extra_names);
	free(st->extra_values);
	memset(st, 0, sizeof(*st));
}

int64_t *stats_named(struct stats *st, const char *name)
{
	for (int i = 0; i < STAT_NR; i++)
		if (!strcmp(stat_defs[i].name, name))
			return &st->value[i];
	for (size_t i = 0; i < st->extra_names.nr; i++)
		if (!strcmp(st->extra_names.v[i], name))
			return &st->extra_values[i];
	strvec_push(&st->extra_names, name);
	st->extra_values = xrealloc(st->extra_values,
				    st->extra_names.nr * sizeof(*st->extra_values));
	st->extra_values[st->extra_names.nr - 1] = 0;
	return &st->extra_values[st->extra_names.nr - 1];
}

void stats_delta_add(struct stats_delta *d, enum counter s, int64_t by)
{
	for (int i = 0; i < d->nr_fixed; i++) {
		if (d->fixed[i] == s) {
			d->fixed_by[i] += by;
			return;
		}
	}
	if (d->nr_fixed >= (int)ZC_ARRAY_SIZE(d->fixed))
		die("BUG: too many counters in one delta");
	d->fixed[d->nr_fixed] = s;
	d->fixed_by[d->nr_fixed++] = by;
}

void stats_delta_family(struct stats_delta *d, const char *name)
{
	if (d->nr_extra >= (int)ZC_ARRAY_SIZE(d->extra))
		die("BUG: too many named counters in one delta");
	d->extra[d->nr_extra++] = name;
}

static void parse_stats(const char *text, struct stats *st)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *sp = memchr(line, ' ', len);
		if (sp && sp > line) {
			char *name = xstrndup(line, (size_t)(sp - line));
			*stats_named(st, name) = strtoll(sp + 1, NULL, 10);
			free(name);
		}
		line += len + (nl ? 1 : 0);
	}
}

static void format_stats(const struct stats *st, struct strbuf *out)
{
	for (int i = 0; i < STAT_NR; i++)
		if (st->value[i])
			strbuf_addf(out, "%s %lld\n", stat_defs[i].name, (long long)st->value[i]);
	for (size_t i = 0; i < st->extra_names.nr; i++)
		if (st->extra_values[i])
			strbuf_addf(out, "%s %lld\n", st->extra_names.v[i],
				    (long long)st->extra_values[i]);
}

/* Locks the stats file, applies fn to its contents, writes it back. */
static int update_stats(const char *cache_dir, void (*fn)(struct stats *, const void *),
			const void *arg, struct stats *after)
{
	char *path = xasprintf("%s/%s", cache_dir, STATS_FILE);
	struct strbuf sb = STRBUF_INIT;
	struct stats st = STATS_INIT;
	int fd = -1, ret = -1;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		error("cannot open '%s':", path);
		goto out;
	}
	if (flock(fd, LOCK_EX) < 0) {
		error("cannot lock '%s':", path);
		goto out;
	}
	if (read_fd(fd, &sb, MAX_STATS_FILE) < 0)
		goto out;
	parse_stats(sb.buf, &st);
	fn(&st, arg);
	size_t old_len = sb.len;
	strbuf_reset(&sb);
	format_stats(&st, &sb);
	size_t new_len = sb.len;
	/* Written in place: pad to the old length first, so that a crash
	 * before the truncate leaves blank lines, never a torn line. */
	while (sb.len < old_len)
		strbuf_addch(&sb, '\n');
	if (pwrite(fd, sb.buf, sb.len, 0) != (ssize_t)sb.len || ftruncate(fd, (off_t)new_len) < 0) {
		error("cannot write '%s':", path);
		goto out;
	}
	ret = 0;
	if (after) {
		stats_release(after);
		*after = st;
		memset(&st, 0, sizeof(st));
	}
out:
	if (fd >= 0)
		close(fd); /* also releases the lock */
	stats_release(&st);
	strbuf_release(&sb);
	free(path);
	return ret;
}

static void apply_delta(struct stats *st, const void *arg)
{
	const struct stats_delta *d = arg;

	for (int i = 0; i < d->nr_fixed; i++) {
		st->value[d->fixed[i]] += d->fixed_by[i];
		if (d->fixed[i] >= STAT_CACHE_BYTES && st->value[d->fixed[i]] < 0)
			st->value[d->fixed[i]] = 0;
	}
	for (int i = 0; i < d->nr_extra; i++)
		(*stats_named(st, d->extra[i]))++;
}

int stats_bump(const char *cache_dir, const struct stats_delta *d, struct stats *after)
{
	return update_stats(cache_dir, apply_delta, d, after);
}

void stats_accumulate(struct stats *acc, const struct stats_delta *d)
{
	for (int i = 0; i < d->nr_fixed; i++)
		acc->value[d->fixed[i]] += d->fixed_by[i];
	for (int i = 0; i < d->nr_extra; i++)
		(*stats_named(acc, d->extra[i]))++;
}

static void apply_sums(struct stats *st, const void *arg)
{
	const struct stats *add = arg;

	for (int i = 0; i < STAT_NR; i++) {
		st->value[i] += add->value[i];
		if (i >= STAT_CACHE_BYTES && st->value[i] < 0)
			st->value[i] = 0;
	}
	for (size_t i = 0; i < add->extra_names.nr; i++)
		*stats_named(st, add->extra_names.v[i]) += add->extra_values[i];
}

int stats_bump_sums(const char *cache_dir, const struct stats *add, struct stats *after)
{
	return update_stats(cache_dir, apply_sums, add, after);
}

static void apply_zero(struct stats *st, const void *arg)
{
	(void)arg;
	for (int i = 0; i < STAT_CACHE_BYTES; i++)
		st->value[i] = 0;
	for (size_t i = 0; i < st->extra_names.nr; i++)
		st->extra_values[i] = 0;
}

int stats_zero(const char *cache_dir)
{
	return update_stats(cache_dir, apply_zero, NULL, NULL);
}

static void apply_size(struct stats *st, const void *arg)
{
	const int64_t *v = arg;
	st->value[STAT_CACHE_BYTES] = v[0];
	st->value[STAT_CACHE_FILES] = v[1];
}

int stats_set_size(const char *cache_dir, int64_t bytes, int64_t files)
{
	int64_t v[2] = { bytes, files };
	return update_stats(cache_dir, apply_size, v, NULL);
}

int stats_read(const char *cache_dir, struct stats *st)
{
	char *path = xasprintf("%s/%s", cache_dir, STATS_FILE);
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno != ENOENT)
			ret = error("cannot open '%s':", path);
		goto out;
	}
	/* A shared lock: never read a half-written file. */
	if (flock(fd, LOCK_SH) < 0 || read_fd(fd, &sb, MAX_STATS_FILE) < 0) {
		ret = error("cannot read '%s'", path);
		goto out;
	}
	parse_stats(sb.buf, st);
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&sb);
	free(path);
	return ret;
}
