#include "../util/compat.h"
#include "client.h"
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

/* The real path of the running zccache, to skip it in PATH. */
static char *self_path(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static bool is_zccache(const char *candidate, const char *self)
{
	char *real = realpath(candidate, NULL);
	bool same = real && ((self && !strcmp(real, self)) ||
			     !strcmp(path_basename(real), "zccache"));

	free(real);
	return same;
}

char *find_compiler(const char *name)
{
	char *self = self_path(), *found = NULL;
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) == 0 && !is_zccache(name, self))
			found = xstrdup(name);
		goto out;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; ; ) {
		const char *colon = strchrnul(p, ':');
		char *dir = xstrndup(p, (size_t)(colon - p));
		char *cand = path_join(*dir ? dir : ".", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0 &&
		    !is_zccache(cand, self)) {
			found = cand;
			cand = NULL;
		}
		free(cand);
		free(dir);
		if (found || !*colon)
			break;
		p = colon + 1;
	}
	if (found && !path_is_absolute(found)) {
		char *abs = realpath(found, NULL);
		if (abs) {
			free(found);
			found = abs;
		}
	}
out:
	free(self);
	return found;
}

static void write_raw(const struct strbuf *out, const struct strbuf *err)
{
	if (out->len && write_in_full(1, out->buf, out->len) < 0)
		zlog("cannot write the compiler's stdout: %s", strerror(errno));
	if (err->len && write_in_full(2, err->buf, err->len) < 0)
		zlog("cannot write the compiler's stderr: %s", strerror(errno));
}

/* Would the compiler colour its diagnostics here (-fdiagnostics-color=auto)? */
static bool colors_wanted(const struct invocation *inv)
{
	const char *term = invocation_getenv(inv, "TERM");

	return isatty(2) && term && *term && strcmp(term, "dumb");
}

/* Writes what the compiler wrote; colored: its diagnostics were coloured by
 * the argv of miss_argv, and come out plain where no colours are wanted. */
static void replay_output(const struct invocation *inv, const struct run_result *r, bool colored)
{
	if (r->out.len && write_in_full(1, r->out.buf, r->out.len) < 0)
		zlog("cannot write the compiler's stdout: %s", strerror(errno));
	if (!r->err.len)
		return;
	if (colored && !colors_wanted(inv) && memchr(r->err.buf, '\033', r->err.len)) {
		struct strbuf plain = STRBUF_INIT;
		strip_terminal_escapes(&r->err, &plain);
		if (write_in_full(2, plain.buf, plain.len) < 0)
			zlog("cannot write the compiler's stderr: %s", strerror(errno));
		strbuf_release(&plain);
		return;
	}
	if (write_in_full(2, r->err.buf, r->err.len) < 0)
		zlog("cannot write the compiler's stderr: %s", strerror(errno));
}

/* Ends like the compiler did: its exit code, or its signal. */
static int finish_like(int status)
{
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return exit_code_of(status);
}

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
	log_close();
	exec_program(inv->orig_argv.v);
	/* exec failed: say it as a shell would. */
	int code = errno == ENOENT ? 127 : 126;
	fprintf(stderr, "zccache: error: cannot run '%s': %s\n", inv->orig_argv.v[0],
		strerror(errno));
	return code;
}

/* For die(): whatever went wrong inside zccache, the compile still runs. */
static char **die_argv;
static void exec_on_die(void)
{
	log_close();
	execv(die_argv[0], die_argv);
}

static void log_invocation(const struct invocation *inv)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < inv->orig_argv.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", inv->orig_argv.v[i]);
	zlog("=== %s (in %s)", sb.buf, inv->cwd ? inv->cwd : "?");
	strbuf_release(&sb);
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

/* Did what a miss adds to the command line break a failed compile? Its
 * dependency file (a full disk, a directory that went away), or its length
 * (gcc passes the options to cc1 in one environment variable, which has a
 * limit): then the user must see the compile as it is without us. */
static bool our_additions_broke(const struct run_result *run, const char *depfile)
{
	const char *too_long = strerror(E2BIG);

	return exit_code_of(run->status) != 0 &&
	       ((depfile && *depfile && memmem(run->err.buf, run->err.len, depfile, strlen(depfile))) ||
		memmem(run->err.buf, run->err.len, too_long, strlen(too_long)));
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
	replay_output(inv, &run, !inv->color_explicit);
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
		replay_output(inv, &replay, !inv->color_explicit);
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

/* One request on a fresh connection; -1 when the daemon cannot be asked. */
static int ask_daemon(const struct config *cfg, uint32_t type, const struct strbuf *payload,
		      uint32_t *reply_type, struct strbuf *reply)
{
	int fd = daemon_connect(cfg), rc;

	if (fd < 0)
		return -1;
	rc = daemon_request(fd, type, payload, reply_type, reply);
	close(fd);
	return rc;
}

/* Runs the compile through the daemon (starting it if none answers).
 * Returns 0 with *status set, or -1 when the caller must work in-process
 * (nothing has run yet then). */
static int through_daemon(struct invocation *inv, const struct config *cfg, int argc,
			  char **argv, int *status)
{
	struct proto_compile req = PROTO_COMPILE_INIT;
	struct strbuf payload = STRBUF_INIT, reply = STRBUF_INIT;
	uint32_t type = 0;
	int ret = -1, rc;

	strvec_pushv(&req.argv, argv, (size_t)argc);
	req.compiler = path_join(inv->cwd, inv->compiler);
	req.cwd = xstrdup(inv->cwd);
	strvec_pushv(&req.env, inv->env.v, inv->env.nr);
	req.umask = inv->umask;
	req.flags = colors_wanted(inv) ? PROTO_COLOR_WANTED : 0;
	proto_encode_compile(&req, &payload);
	rc = ask_daemon(cfg, MSG_COMPILE, &payload, &type, &reply);
	if (rc == DAEMON_VERSION_MISMATCH) {
		/* An old daemon after an upgrade: replace it. */
		zlog("replacing daemon %d, which speaks another protocol",
		     (int)daemon_mismatched_pid());
		if (daemon_stop_pid(daemon_mismatched_pid()) == 0 && daemon_spawn(cfg) == 0)
			rc = ask_daemon(cfg, MSG_COMPILE, &payload, &type, &reply);
	} else if (rc < 0 && daemon_connect_failed() && daemon_spawn(cfg) == 0) {
		/* No daemon: we started one; try once more. */
		rc = ask_daemon(cfg, MSG_COMPILE, &payload, &type, &reply);
	}
	if (rc != 0)
		goto out;
	if (type == MSG_HIT) {
		struct proto_hit hit = PROTO_HIT_INIT;
		if (proto_decode_hit(reply.buf, reply.len, &hit) == 0) {
			zlog("hit (daemon)");
			write_raw(&hit.out, &hit.err);
			*status = hit.status << 8;
			ret = 0;
		}
		proto_hit_release(&hit);
	} else if (type == MSG_PASSTHROUGH) {
		/* counted by the daemon; returns only when nothing can run */
		*status = fallback_exec(inv, NULL, 0) << 8;
		ret = 0;
	} else if (type == MSG_MISS) {
		struct proto_miss miss = PROTO_MISS_INIT;
		struct proto_store store = PROTO_STORE_INIT;
		struct run_result run = { STRBUF_INIT, STRBUF_INIT, 0 };
		if (proto_decode_miss(reply.buf, reply.len, &miss) < 0) {
			proto_miss_release(&miss);
			goto out;
		}
		zlog("miss (daemon)");
		bool ran = run_capture(miss.argv.v, NULL, &run) == 0;
		store.token = miss.token;
		store.status = ran ? exit_code_of(run.status) : 127;
		bool ours_failed = ran && our_additions_broke(&run, miss.depfile);
		if (!ours_failed)
			replay_output(inv, &run, miss.flags & PROTO_MISS_COLORED);
		store.out = run.out;
		store.err = run.err;
		proto_encode_store(&store, &payload);
		if (ask_daemon(cfg, MSG_STORE, &payload, &type, &reply) != 0 || type != MSG_ACK)
			zlog("the daemon did not take the result");
		*status = run.status;
		if (ours_failed || !ran) {
			/* The dependency file the daemon asked for broke the
			 * compile, or it could not be run: as it is, then. */
			*status = fallback_exec(inv, NULL, ran ? 0 : STAT_ERR_INTERNAL) << 8;
		}
		run_result_release(&run);
		proto_miss_release(&miss);
		ret = 0;
	} else if (type == MSG_ERROR) {
		struct proto_error e = PROTO_ERROR_INIT;
		if (proto_decode_error(reply.buf, reply.len, &e) == 0)
			zlog("the daemon says: %s", e.message);
		proto_error_release(&e);
	}
out:
	proto_compile_release(&req);
	strbuf_release(&payload);
	strbuf_release(&reply);
	return ret;
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
	log_invocation(&inv);
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
	if (cfg.daemon && cfg.cache_dir) {
		int status;
		if (through_daemon(&inv, &cfg, argc, argv, &status) == 0) {
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
	char *real = realpath(compiler, NULL);
	inv.family = family_for(argv[0], real ? real : compiler);
	free(real);
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
