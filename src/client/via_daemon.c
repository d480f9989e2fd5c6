/* via_daemon.c - the compile as both clients run it through the daemon
 * (see via_daemon.h). */
#include "../util/compat.h"
#include "via_daemon.h"
#include "../daemon/daemon.h"
#include "../proto/proto.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
			     !strcmp(path_basename(real), "zccache") ||
			     !strcmp(path_basename(real), "zccache-core"));

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

void log_call(char *const *run_argv, const char *cwd)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; run_argv[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", run_argv[i]);
	zlog("=== %s (in %s)", sb.buf, cwd ? cwd : "?");
	strbuf_release(&sb);
}

static void write_raw(const struct strbuf *out, const struct strbuf *err)
{
	if (out->len && write_in_full(1, out->buf, out->len) < 0)
		zlog("cannot write the compiler's stdout: %s", strerror(errno));
	if (err->len && write_in_full(2, err->buf, err->len) < 0)
		zlog("cannot write the compiler's stderr: %s", strerror(errno));
}

bool colors_wanted(char *const *env)
{
	const char *term = NULL;

	for (; env && *env; env++)
		if (!strncmp(*env, "TERM=", 5))
			term = *env + 5;
	return isatty(2) && term && *term && strcmp(term, "dumb");
}

void replay_output(char *const *env, const struct run_result *r, bool colored)
{
	if (r->out.len && write_in_full(1, r->out.buf, r->out.len) < 0)
		zlog("cannot write the compiler's stdout: %s", strerror(errno));
	if (!r->err.len)
		return;
	if (colored && !colors_wanted(env) && memchr(r->err.buf, '\033', r->err.len)) {
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

int finish_like(int status)
{
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return exit_code_of(status);
}

int run_unchanged(char *const *argv)
{
	log_close();
	exec_program(argv);
	/* exec failed: say it as a shell would. */
	int code = errno == ENOENT ? 127 : 126;
	fprintf(stderr, "zccache: error: cannot run '%s': %s\n", argv[0], strerror(errno));
	return code;
}

bool our_additions_broke(const struct run_result *run, const char *depfile)
{
	const char *too_long = strerror(E2BIG);

	/* gcc passes the options to cc1 in one environment variable, which has
	 * a limit: the -MD -MF a miss adds can push a long command over it. */
	return exit_code_of(run->status) != 0 &&
	       ((depfile && *depfile && memmem(run->err.buf, run->err.len, depfile, strlen(depfile))) ||
		memmem(run->err.buf, run->err.len, too_long, strlen(too_long)));
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

/* The daemon said miss: run the compiler as it asked, replay, and hand it
 * the result. */
static int run_miss(const struct client_call *call, const struct config *cfg,
		    const struct strbuf *reply, int *status)
{
	struct proto_miss miss = PROTO_MISS_INIT;
	struct proto_store store = PROTO_STORE_INIT;
	struct run_result run = { STRBUF_INIT, STRBUF_INIT, 0 };
	struct strbuf payload = STRBUF_INIT, answer = STRBUF_INIT;
	uint32_t type = 0;
	int ret = -1;

	if (proto_decode_miss(reply->buf, reply->len, &miss) < 0)
		goto out;
	zlog("miss (daemon)");
	bool ran = run_capture(miss.argv.v, NULL, &run) == 0;
	store.token = miss.token;
	store.status = ran ? exit_code_of(run.status) : 127;
	bool ours_failed = ran && our_additions_broke(&run, miss.depfile);
	if (!ours_failed)
		replay_output(call->env, &run, miss.flags & PROTO_MISS_COLORED);
	store.out = run.out;
	store.err = run.err;
	proto_encode_store(&store, &payload);
	if (ask_daemon(cfg, MSG_STORE, &payload, &type, &answer) != 0 || type != MSG_ACK)
		zlog("the daemon did not take the result");
	*status = run.status;
	if (ours_failed || !ran) {
		/* The dependency file the daemon asked for broke the compile,
		 * or it could not be run: as it is, then. */
		zlog("running the compiler unchanged%s", ran ? "" : ": it could not be started");
		*status = run_unchanged(call->run_argv) << 8;
	}
	ret = 0;
out:
	run_result_release(&run);
	proto_miss_release(&miss);
	strbuf_release(&payload);
	strbuf_release(&answer);
	return ret;
}

int client_through_daemon(const struct client_call *call, const struct config *cfg,
			  daemon_starter start, int *status)
{
	struct proto_compile req = PROTO_COMPILE_INIT;
	struct strbuf payload = STRBUF_INIT, reply = STRBUF_INIT;
	uint32_t type = 0;
	int ret = -1, rc;

	strvec_pushv(&req.argv, call->argv, (size_t)call->argc);
	req.compiler = path_join(call->cwd, call->run_argv[0]);
	req.cwd = xstrdup(call->cwd);
	for (char *const *e = call->env; *e; e++)
		strvec_push(&req.env, *e);
	req.umask = call->umask;
	req.flags = colors_wanted(call->env) ? PROTO_COLOR_WANTED : 0;
	proto_encode_compile(&req, &payload);
	rc = ask_daemon(cfg, MSG_COMPILE, &payload, &type, &reply);
	if (rc == DAEMON_VERSION_MISMATCH) {
		/* An old daemon after an upgrade: replace it. */
		zlog("replacing daemon %d, which speaks another protocol",
		     (int)daemon_mismatched_pid());
		if (daemon_stop_pid(daemon_mismatched_pid()) == 0 && start(cfg) == 0)
			rc = ask_daemon(cfg, MSG_COMPILE, &payload, &type, &reply);
	} else if (rc < 0 && daemon_connect_failed() && start(cfg) == 0) {
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
		zlog("running the compiler unchanged");
		*status = run_unchanged(call->run_argv) << 8;
		ret = 0;
	} else if (type == MSG_MISS) {
		ret = run_miss(call, cfg, &reply, status);
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
