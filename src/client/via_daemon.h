/*
 * via_daemon.h - what both clients share: finding the real compiler, one
 * compile asked of the daemon, replaying what the compiler wrote, and
 * running the compiler unchanged.
 *
 * Two programs call it. The small client (build/zccache, thin.c) links only
 * this, the daemon's client side, the protocol, the settings and util/: it
 * starts in a fraction of the full program's time, and a hit costs little
 * more than its start. Whatever it cannot do (no daemon, in-process mode,
 * the commands) it hands to the full program (build/zccache-core,
 * client.c), which calls the same functions.
 */
#ifndef ZC_VIA_DAEMON_H
#define ZC_VIA_DAEMON_H

#include "../util/compat.h"
#include "../config/config.h"
#include "../util/spawn.h"

#include <sys/types.h>

/* Set (to anything) by the small client when it hands a compile to the full
 * program after the daemon could not serve it: the full program then works
 * in-process at once, and takes the variable out of the environment. */
#define CLIENT_DAEMON_FAILED "ZCCACHE_INTERNAL_DAEMON_FAILED"

/* One compile as the user asked for it. */
struct client_call {
	int argc;
	char **argv;       /* as given: argv[0] names the compiler */
	char **run_argv;   /* the compiler found, then argv[1..]: what runs unchanged */
	const char *cwd;
	char *const *env;  /* the compile's environment, NULL-terminated */
	mode_t umask;
};

/* Finds the real compiler for name: a path is taken as it is, a bare name
 * is searched in PATH skipping any entry that is zccache. NULL if none. */
char *find_compiler(const char *name);

/* The log's first line for a compile. */
void log_call(char *const *run_argv, const char *cwd);

/* Starts a daemon for cfg's cache directory and waits until it listens: 0,
 * or -1 (each program starts it its own way). */
typedef int (*daemon_starter)(const struct config *cfg);

/* Runs the compile through the daemon, starting one with start when none
 * answers. Returns 0 with *status set (a wait status), or -1 when the
 * caller must work in-process: nothing has run yet then. */
int client_through_daemon(const struct client_call *call, const struct config *cfg,
			  daemon_starter start, int *status);

/* Would the compiler colour its diagnostics here (-fdiagnostics-color=auto)? */
bool colors_wanted(char *const *env);

/* Writes what the compiler wrote; colored: its diagnostics were coloured by
 * the family's miss argv, and come out plain where no colours are wanted. */
void replay_output(char *const *env, const struct run_result *r, bool colored);

/* Did what a miss adds to the command line break a failed compile (its
 * dependency file, or the length of the options)? */
bool our_additions_broke(const struct run_result *run, const char *depfile);

/* Replaces this process with argv, the compiler as the user called it.
 * Returns (an exit code: 126 or 127, as a shell says it, with a message)
 * only when it cannot be run. */
int run_unchanged(char *const *argv);

/* Ends like the compiler did: its exit code, or its signal. */
int finish_like(int status);

#endif
