/*
 * load.h - how busy the machine is.
 *
 * The daemon's store thread records misses when the compiles leave a CPU
 * free (serve.c). Linux: the number of runnable tasks in /proc/loadavg,
 * read at the moment of asking. Elsewhere the machine is never busy, so
 * records run at once, as before.
 */
#ifndef ZC_LOAD_H
#define ZC_LOAD_H

#include "compat.h"

/* Whether the runnable tasks other than the caller fill every online CPU. */
bool cpus_all_busy(void);

#endif
