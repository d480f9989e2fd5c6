#include "../util/compat.h"
#include "cli.h"
#include "../client/client.h"
#include "../compiler/compiler.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <stdio.h>
#include <string.h>

#ifndef ZCCACHE_VERSION
#define ZCCACHE_VERSION "0.1.0"
#endif

static const char usage[] =
	"usage: zccache <compiler> [compiler arguments...]\n"
	"       zccache <command> [options]\n"
	"\n"
	"A compiler cache for gcc and clang. Put it before a compile, in CC/CXX,\n"
	"as CMAKE_<LANG>_COMPILER_LAUNCHER, or link it under a compiler's name.\n"
	"\n"
	"Commands:\n"
	"  stats [--json] [--zero]  show (or zero) the counters and the cache size\n"
	"  clear                    delete every entry of the cache\n"
	"  trim                     evict least recently used entries down to max_size\n"
	"  config                   show every setting, its value and where it came from\n"
	"  --max-size SIZE          set max_size in the config file (500M, 2G; 0 = none)\n"
	"  start | stop | status    the resident daemon (started by the first compile)\n"
	"  daemon                   run the daemon in the foreground\n"
	"  --version                print the version\n"
	"  --help                   print this help\n"
	"\n"
	"ccache-style short forms: -s (stats), -z (stats --zero), -C (clear),\n"
	"-c (trim), -p (config), -M SIZE (--max-size), -V, -h.\n"
	"\n"
	"Settings (environment, else $ZCCACHE_DIR/zccache.conf as key = value):\n"
	"  ZCCACHE_DIR                cache directory (default ~/.cache/zccache)\n"
	"  ZCCACHE_MAXSIZE            max_size, e.g. 5Gi, 500M (default 5Gi)\n"
	"  ZCCACHE_COMPRESSION_LEVEL  compression_level: zstd level, 0 = raw (default 1)\n"
	"  ZCCACHE_DISABLE=1          disable: run compilers without the cache\n"
	"  ZCCACHE_READONLY=1         read_only: use hits, store nothing\n"
	"  ZCCACHE_RECACHE=1          recache: never hit, store afresh\n"
	"  ZCCACHE_LOGFILE=path       log_file: debug log saying why compiles missed\n"
	"  ZCCACHE_DEBUG=1            debug: also log every hashed key field\n"
	"  ZCCACHE_IDLE_TIMEOUT       idle_timeout: daemon exits after so many idle seconds\n"
	"                             (default 600, 0 = never)\n"
	"  ZCCACHE_NODAEMON=1         daemon = false: every compile in-process, no daemon\n";

struct command {
	const char *name;
	const char *alias;
	int (*fn)(int argc, char **argv);
	const char *implied_arg; /* "-z" is "stats --zero" */
};

static const struct command commands[] = {
	{ "stats", "-s", cmd_stats, NULL },
	{ "--show-stats", NULL, cmd_stats, NULL },
	{ "--zero-stats", "-z", cmd_stats, "--zero" },
	{ "clear", "-C", cmd_clear, NULL },
	{ "--clear", NULL, cmd_clear, NULL },
	{ "trim", "-c", cmd_trim, NULL },
	{ "--cleanup", NULL, cmd_trim, NULL },
	{ "config", "-p", cmd_config, NULL },
	{ "--show-config", NULL, cmd_config, NULL },
	{ "--max-size", "-M", cmd_max_size, NULL },
	{ "daemon", NULL, cmd_daemon, NULL },
	{ "start", NULL, cmd_start, NULL },
	{ "stop", NULL, cmd_stop, NULL },
	{ "status", NULL, cmd_status, NULL },
};

static int run_command(const struct command *c, int argc, char **argv)
{
	char *args[64];
	int n = 0;

	if (argc > 60) {
		error("too many arguments");
		return 2;
	}
	args[n++] = argv[0];
	if (c->implied_arg)
		args[n++] = (char *)c->implied_arg;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	return c->fn(n, args);
}

int zc_main(int argc, char **argv)
{
	const char *self = path_basename(argv[0]);

	/* Called as "gcc" through a symlink: we are the compiler. */
	if (strcmp(self, "zccache") && is_compiler_name(self)) {
		argv[0] = (char *)self;
		return client_main(argc, argv);
	}
	log_to_stderr = true;
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *arg = argv[1];
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("zccache %s\n", ZCCACHE_VERSION);
		return 0;
	}
	if (!strncmp(arg, "--max-size=", 11)) {
		char *args[] = { "--max-size", (char *)arg + 11, NULL };
		return cmd_max_size(2, args);
	}
	for (size_t i = 0; i < ZC_ARRAY_SIZE(commands); i++)
		if (!strcmp(arg, commands[i].name) ||
		    (commands[i].alias && !strcmp(arg, commands[i].alias)))
			return run_command(&commands[i], argc - 1, argv + 1);
	if (arg[0] == '-') {
		error("unknown option '%s' (see zccache --help)", arg);
		return 2;
	}
	log_to_stderr = false;
	return client_main(argc - 1, argv + 1);
}
