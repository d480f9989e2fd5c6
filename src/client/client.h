/*
 * client.h - the wrapper: what runs when zccache is called as a compiler
 * (prefix form or masquerade symlink).
 *
 * Every failure of the cache ends in fallback: the real compiler runs with
 * the user's argv, and its output and exit status are the compile's. The
 * cache never writes to the compile's stdout/stderr.
 *
 * This is the full program's client (build/zccache-core): in-process mode
 * and every fallback. The small client (thin.c) asks the daemon itself and
 * hands it the rest.
 */
#ifndef ZC_CLIENT_H
#define ZC_CLIENT_H

#include "../util/compat.h"

/*
 * Runs one compile. argv[0] is the compiler as the user named it (a name
 * searched in PATH, skipping zccache itself, or a path). Returns the exit
 * status for main(); returns only when the compiler could not be found or
 * when the compile ran under zccache's control.
 */
int client_main(int argc, char **argv);

#endif
