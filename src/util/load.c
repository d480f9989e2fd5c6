#include "compat.h"
#include "load.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

bool cpus_all_busy(void)
{
#ifdef __linux__
	char buf[128];
	int runnable = 0;
	cpu_set_t allowed;
	/* The CPUs we may run on (taskset, cpusets), else every online one. */
	long cpus = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 ? CPU_COUNT(&allowed)
									  : sysconf(_SC_NPROCESSORS_ONLN);
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0 || cpus < 1)
		return false; /* unknown: not busy, records run at once */
	buf[n] = '\0';
	/* "0.52 0.58 0.59 3/412 12345": the fourth field counts the caller. */
	if (sscanf(buf, "%*f %*f %*f %d/", &runnable) != 1)
		return false;
	return runnable - 1 >= cpus;
#else
	return false;
#endif
}
