#include "../util/compat.h"
#include "client.h"
#include "via_daemon.h"
#include "../cache/cache.h"
#include "../compiler/compiler.h"
#include "../compiler/rspfile.h"
#include "../config/config.h"
#include "../daemon/daemon.h"
#include "../proto/proto.h"
#include "../stats/stats.h"
#include "../store/store.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/spawn.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Counts, then replaces this process with the real compiler: the build sees
 * exactly the compiler's behaviour. Returns (an exit code: 126 or 127, as a
 * shell says it) only when the compiler cannot be run. */
static int fallback_exec(struct invocation *inv, struct store *st, enum counter reason)
{
	if (reason && st && st->dir) {
		struct stats_delta d = { 0 };
		stats_delta_add(&d, reason, 1);
		if (stats_bump(st->dir, &d, NULL) < 0)
			zlog("cannot update the stats");
	}
	zlog("running the compiler unchanged%s%s", reason ? ": " : "",
	     reason ? stat_label(reason) : "");
	return run_unchanged(inv->orig_argv.v);
}

/* For die(): whatever went wrong inside zccache, the compile still runs. */
static char **die_argv;
static void exec_on_die(void)
{
	log_close();
	execv(die_argv[0], die_argv);
}

/* Trims the cache when the compile pushed it over its limit. */
static void trim_if_needed(struct store *st, const struct stats *after)
{
	int64_t bytes, files;

	if (!st->max_size || after->value[STAT_CACHE_BYTES] <= (int64_t)st->max_size)
		return;
	if (store_trim(st, st->max_size / 10 * 9, &bytes, &files) == 0)
		stats_set_size(st->dir, bytes, files);
	zlog("trimmed the cache to %lld bytes", (long long)bytes);
}

/* The miss path: run the compiler, replay, record. */
static int compile_and_record(struct invocation *inv, struct cache *c, const struct digest *key,
			      const char *family_misses)
{
	struct run_result run = { STRBUF_INIT, STRBUF_INIT, 0 };
	struct strvec argv = STRVEC_INIT, deps_argv = STRVEC_INIT;
	struct strbuf depfile = STRBUF_INIT;
	const char *reported = NULL;
	int status = 0, fd;
	bool own_depfile = false;

	if (!inv->user_depfile || inv->depfile_partial) {
		fd = create_temp_file(c->store->tmp_dir, "dep.", &depfile);
		if (fd < 0)
			return fallback_exec(inv, c->store, STAT_ERR_STORE_FAILED) << 8;
		close(fd);
		own_depfile = true;
		reported = depfile.buf;
	} else {
		reported = inv->user_depfile;
	}
	inv->family->miss_argv(inv, inv->user_depfile ? NULL : depfile.buf, &argv);
	if (run_capture(argv.v, NULL, &run) < 0) {
		if (own_depfile)
			unlink_if_exists(depfile.buf);
		status = fallback_exec(inv, c->store, STAT_ERR_INTERNAL) << 8;
		goto out;
	}
	status = run.status;
	if (our_additions_broke(&run, own_depfile ? depfile.buf : NULL)) {
		zlog("the compile failed on what zccache added: running it unchanged");
		unlink_if_exists(depfile.buf);
		status = fallback_exec(inv, c->store, STAT_ERR_STORE_FAILED) << 8;
		goto out;
	}
	replay_output(inv->env.v, &run, !inv->color_explicit);
	if (exit_code_of(status) != 0) {
		stats_delta_add(&c->delta, STAT_UNC_COMPILE_FAILED, 1);
		zlog("not stored: the compiler exited with %d", exit_code_of(status));
		goto out;
	}
	if (inv->depfile_partial) {
		/* -MMD leaves system headers out: list them with a second pass. */
		struct run_result deps = { STRBUF_INIT, STRBUF_INIT, 0 };
		inv->family->full_deps_argv(inv, depfile.buf, &deps_argv);
		bool ok = run_capture(deps_argv.v, NULL, &deps) == 0 && exit_code_of(deps.status) == 0;
		run_result_release(&deps);
		if (!ok) {
			zlog("not stored: the dependency pass failed");
			stats_delta_add(&c->delta, STAT_ERR_STORE_FAILED, 1);
			stats_delta_add(&c->delta, STAT_MISS, 1);
			stats_delta_family(&c->delta, family_misses);
			goto out;
		}
	}
	if (cache_record(c, inv, key, &run, reported) != 1) {
		stats_delta_add(&c->delta, STAT_MISS, 1);
		stats_delta_family(&c->delta, family_misses);
	}
out:
	if (own_depfile)
		unlink_if_exists(depfile.buf);
	strbuf_release(&depfile);
	strvec_clear(&argv);
	strvec_clear(&deps_argv);
	run_result_release(&run);
	return status;
}

static int run_cached(struct invocation *inv, struct store *st, const struct config *cfg)
{
	struct cache c;
	struct digest key;
	struct run_result replay = { STRBUF_INIT, STRBUF_INIT, 0 };
	struct stats after = STATS_INIT;
	char family_counter[64];
	int status;

	cache_init(&c, st, cfg);
	if (cache_direct_key(&c, inv, &key) < 0) {
		cache_release(&c);
		return fallback_exec(inv, st, inv->uncacheable ? inv->uncacheable : STAT_ERR_INTERNAL);
	}
	if (cache_lookup(&c, inv, &key, &replay) == LOOKUP_HIT) {
		zlog("hit");
		replay_output(inv->env.v, &replay, !inv->color_explicit);
		status = replay.status << 8; /* an exit status as waitpid reports it */
		stats_delta_add(&c.delta, STAT_HIT, 1);
		snprintf(family_counter, sizeof(family_counter), "%s.hits", inv->family->name);
		stats_delta_family(&c.delta, family_counter);
	} else if (!st->writable) {
		zlog("miss, and not storing: %s", st->not_writable);
		/* Counted where the stats can be written (read_only set on a
		 * writable cache). */
		snprintf(family_counter, sizeof(family_counter), "%s.misses", inv->family->name);
		stats_delta_add(&c.delta, STAT_MISS, 1);
		stats_delta_family(&c.delta, family_counter);
		if (stats_bump(st->dir, &c.delta, NULL) < 0)
			zlog("cannot count the miss: %s", last_error());
		run_result_release(&replay);
		cache_release(&c);
		return fallback_exec(inv, st, 0);
	} else {
		snprintf(family_counter, sizeof(family_counter), "%s.misses", inv->family->name);
		status = compile_and_record(inv, &c, &key, family_counter);
	}
	if (stats_bump(st->dir, &c.delta, &after) == 0)
		trim_if_needed(st, &after);
	stats_release(&after);
	run_result_release(&replay);
	cache_release(&c);
	return finish_like(status);
}

int client_main(int argc, char **argv)
{
	struct invocation inv;
	struct config cfg;
	struct store st = { 0 };
	char *compiler = find_compiler(argv[0]);
	int ret;

	if (!compiler) {
		fprintf(stderr, "zccache: error: cannot find compiler '%s' in PATH\n", argv[0]);
		return 127;
	}
	/* The small client tried the daemon already: not twice. */
	bool daemon_failed_already = getenv(CLIENT_DAEMON_FAILED) != NULL;
	if (daemon_failed_already)
		unsetenv(CLIENT_DAEMON_FAILED);
	invocation_init(&inv);
	inv.compiler = compiler;
	strvec_push(&inv.orig_argv, compiler);
	strvec_pushv(&inv.orig_argv, argv + 1, (size_t)argc - 1);
	die_argv = inv.orig_argv.v;
	for (char **e = environ; *e; e++)
		strvec_push(&inv.env, *e);
	inv.umask = umask(0);
	umask(inv.umask);
	die_hook = exec_on_die;

	int config_ok = config_load(&cfg);
	log_open(cfg.log_file);
	inv.cwd = get_cwd();
	log_call(inv.orig_argv.v, inv.cwd);
	if (config_ok < 0) {
		zlog("bad configuration: %s", last_error());
		if (cfg.cache_dir && store_open(&st, &cfg) == 0 && st.writable)
			return fallback_exec(&inv, &st, STAT_ERR_CONFIG);
		return fallback_exec(&inv, NULL, 0);
	}
	if (cfg.disable)
		return fallback_exec(&inv, NULL, 0);
	/* A limit on file sizes (ulimit -f): the compiler fails on it, a hit
	 * written by the daemon would not, and one written here would kill
	 * zccache. Left to the compiler alone. */
	struct rlimit fsize;
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY)
		return fallback_exec(&inv, NULL, 0);
	if (!inv.cwd)
		return fallback_exec(&inv, NULL, 0);
	if (cfg.daemon && cfg.cache_dir && !daemon_failed_already) {
		struct client_call call = { argc, argv, inv.orig_argv.v, inv.cwd, inv.env.v, inv.umask };
		int status;
		if (client_through_daemon(&call, &cfg, daemon_spawn, &status) == 0) {
			invocation_release(&inv);
			config_release(&cfg);
			log_close();
			return finish_like(status);
		}
		zlog("the daemon did not serve this compile: working in-process");
	}
	if (store_open(&st, &cfg) < 0) {
		zlog("not caching: %s", last_error());
		return fallback_exec(&inv, NULL, 0);
	}
	if (!st.writable)
		zlog("not storing: %s", st.not_writable);
	/* The file that really runs names the family: "cc" may be clang. */
	inv.real_compiler = realpath(compiler, NULL);
	inv.family = family_for(argv[0], inv.real_compiler ? inv.real_compiler : compiler);
	if (expand_response_files(argv, (size_t)argc, &inv.args) < 0)
		return fallback_exec(&inv, &st, STAT_UNC_BAD_RESPONSE_FILE);
	if (inv.family->analyse(&inv) < 0)
		return fallback_exec(&inv, &st, STAT_ERR_INTERNAL);
	if (inv.uncacheable)
		return fallback_exec(&inv, st.writable ? &st : NULL, inv.uncacheable);
	ret = run_cached(&inv, &st, &cfg);
	store_release(&st);
	invocation_release(&inv);
	config_release(&cfg);
	log_close();
	return ret;
}
