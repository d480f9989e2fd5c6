/*
 * cli.h - the front of the multicall binary.
 *
 * zc_main() decides what this process is: a masquerade compiler (argv[0]
 * is "gcc", "clang++", ...), a prefix wrapper (`zccache gcc ...`), or a
 * subcommand (`zccache stats`). Subcommands live one per file in cli/.
 */
#ifndef ZC_CLI_H
#define ZC_CLI_H

#include "../util/compat.h"

int zc_main(int argc, char **argv);

/* Subcommands: argv[0] is the subcommand's name. */
int cmd_stats(int argc, char **argv);
int cmd_clear(int argc, char **argv);
int cmd_trim(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_max_size(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
