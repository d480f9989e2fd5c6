/*
 * thin.c - build/zccache: the small client every compile starts.
 *
 * A hit costs little more than starting this program, so it links no more
 * than asking the daemon needs (via_daemon.h); built with musl where that is
 * installed, it skips glibc's start-up, which on a virtual machine spends
 * most of a hit's client time asking the CPU what it is (CPUID traps to the
 * hypervisor).
 *
 * What it does not do itself, it hands to the full program beside it,
 * build/zccache-core, with the same argv and environment: the commands
 * (stats, daemon, ...), in-process mode, every setting that keeps a compile
 * away from the daemon, and a compile the daemon could not serve. When that
 * program is missing, a compile still runs: the real compiler, unchanged.
 */
#include "../util/compat.h"
#include "via_daemon.h"
#include "../compiler/names.h"
#include "../config/config.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/spawn.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define CORE_NAME "zccache-core"

/* The full program: beside this one (symlinks to this one resolved). */
static bool core_path(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return snprintf(buf, size, "%s/%s", self, CORE_NAME) < (int)size;
}

/* Replaces this process with the full program; returns only when it cannot
 * be run. */
static void hand_to_core(char **argv, bool daemon_failed)
{
	char core[PATH_MAX];

	if (!core_path(core, sizeof(core)))
		return;
	if (daemon_failed && setenv(CLIENT_DAEMON_FAILED, "1", 1) < 0)
		return;
	execv(core, argv); /* the log is O_CLOEXEC */
	unsetenv(CLIENT_DAEMON_FAILED);
	zlog("cannot run %s: %s", core, strerror(errno));
}

/* daemon_starter: `zccache-core start`, quietly. */
static int start_daemon(const struct config *cfg)
{
	char core[PATH_MAX];
	struct run_result run = { STRBUF_INIT, STRBUF_INIT, 0 };
	int ret = -1;

	(void)cfg; /* the full program reads the same environment */
	if (!core_path(core, sizeof(core)))
		return -1;
	char *argv[] = { core, "start", NULL };
	if (run_capture(argv, NULL, &run) == 0 && exit_code_of(run.status) == 0)
		ret = 0;
	else
		zlog("could not start the daemon: %.*s", (int)run.err.len, run.err.buf);
	run_result_release(&run);
	return ret;
}

/* For die(): whatever went wrong, the compile still runs. */
static char **die_argv;
static void exec_on_die(void)
{
	log_close();
	execv(die_argv[0], die_argv);
}

/* One compile: args[0] names the compiler. Returns its exit code (or
 * dies of its signal), or 126/127 when it could not run. */
static int compile(char **main_argv, int argc, char **args)
{
	struct config cfg;
	struct rlimit fsize;
	char *compiler = NULL, **run_argv = NULL, *cwd = get_cwd();
	int status = 0, ret;

	/* What keeps a compile from the daemon is the full program's to
	 * handle (and log, and count): a bad setting, disable, in-process
	 * mode, a limit on file sizes. Asked first, so that such compiles pay
	 * no more than this program's start on top. */
	int config_ok = config_load(&cfg);
	bool for_core = config_ok < 0 || cfg.disable || !cfg.daemon || !cfg.cache_dir || !cwd ||
			(getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY);
	if (for_core)
		hand_to_core(main_argv, false);
	compiler = find_compiler(args[0]);
	if (!compiler) {
		if (!for_core)
			hand_to_core(main_argv, false); /* it says what is wrong */
		fprintf(stderr, "zccache: error: cannot find compiler '%s' in PATH\n", args[0]);
		ret = 127;
		goto out;
	}
	run_argv = xcalloc((size_t)argc + 1, sizeof(*run_argv));
	run_argv[0] = compiler;
	for (int i = 1; i < argc; i++)
		run_argv[i] = args[i];
	die_argv = run_argv;
	die_hook = exec_on_die;
	log_open(cfg.log_file);
	log_call(run_argv, cwd);
	if (for_core) {
		zlog("running the compiler unchanged: no %s", CORE_NAME);
		ret = run_unchanged(run_argv);
		goto out;
	}
	mode_t mask = umask(0);
	umask(mask);
	struct client_call call = { argc, args, run_argv, cwd, environ, mask };
	if (client_through_daemon(&call, &cfg, start_daemon, &status) == 0) {
		ret = -1; /* finish_like(status) */
		goto out;
	}
	zlog("the daemon did not serve this compile: working in-process");
	hand_to_core(main_argv, true);
	ret = run_unchanged(run_argv);
out:
	config_release(&cfg);
	free(cwd);
	free(run_argv);
	free(compiler);
	log_close();
	return ret < 0 ? finish_like(status) : ret;
}

int main(int argc, char **argv)
{
	const char *self = path_basename(argv[0]);

	/* Called as "gcc" through a symlink: we are the compiler. */
	if (strcmp(self, "zccache") && is_compiler_name(self)) {
		argv[0] = (char *)self;
		return compile(argv, argc, argv);
	}
	/* `zccache gcc ...` or `zccache /path/to/cc ...`; any other first
	 * word (a command, an option, a compiler by another name) is the full
	 * program's. */
	if (argc >= 2 && argv[1][0] != '-' && (strchr(argv[1], '/') || is_compiler_name(argv[1])))
		return compile(argv, argc - 1, argv + 1);
	hand_to_core(argv, false);
	char *other = argc >= 2 && argv[1][0] != '-' ? find_compiler(argv[1]) : NULL;
	if (other) {
		/* No full program, and a compiler by another name: it still runs. */
		free(other);
		return compile(argv, argc - 1, argv + 1);
	}
	fprintf(stderr, "zccache: error: cannot run %s beside %s\n", CORE_NAME, argv[0]);
	return 2;
}
