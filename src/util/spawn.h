/*
 * spawn.h - running the real compiler.
 *
 * One API: posix_spawn (vfork-fast) with stdout and stderr captured through
 * pipes, stdin inherited, and SIGINT/SIGTERM/SIGHUP forwarded to the child
 * while it runs, so ^C stops a compile as it would without zccache.
 */
#ifndef ZC_SPAWN_H
#define ZC_SPAWN_H

#include "compat.h"
#include "strbuf.h"

/* The wrapper forwards ^C and friends to the compiler it runs. The daemon
 * turns this off: handlers are process-wide, and its own (stop cleanly)
 * must stay in place while its store thread runs a dependency pass. Off,
 * a child starts with no signal blocked or ignored, whatever the daemon's
 * threads have. */
extern bool spawn_forwards_signals;

struct run_result {
	struct strbuf out;
	struct strbuf err;
	int status; /* as from waitpid */
};

/* Runs argv[0] (a path) with envp (NULL: this process's environment).
 * Returns 0 when the child ran (whatever its exit status), -1 when it could
 * not be started. */
int run_capture(char *const *argv, char *const *envp, struct run_result *res);
void run_result_release(struct run_result *res);

/* The exit code a shell would report for a wait status. */
int exit_code_of(int status);

/* Replaces this process with argv (never returns on success). */
int exec_program(char *const *argv);

#endif
