/*
 * load.h - how busy the machine is.
 *
 * The daemon's store thread records misses when the compiles leave a CPU
 * free (serve.c). Linux: the number of runnable tasks in /proc/loadavg,
 * read at the moment of asking, against the CPUs this process may run on.
 * /proc/loadavg counts the whole host: in a container limited to fewer
 * CPUs than the host has, records run at once on an idle host and wait
 * their longest (serve.h) on a busy one. Elsewhere the machine is never
 * busy, so records run at once.
 */
#ifndef ZC_LOAD_H
#define ZC_LOAD_H

#include "compat.h"

/* Whether the runnable tasks other than the caller fill every CPU we may
 * run on. */
bool cpus_all_busy(void);

#endif
