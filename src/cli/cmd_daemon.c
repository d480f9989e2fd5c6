/* zccache daemon | start | stop | status: the daemon's life cycle. */
#include "../util/compat.h"
#include "cli.h"
#include "../config/config.h"
#include "../daemon/daemon.h"
#include "../proto/proto.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_WAIT_MS 3000
/* A stopping daemon first records the misses it still holds (up to 128,
 * which may have waited for a free CPU): give it time. */
#define STOP_WAIT_MS 30000

/* The settings; a bad config file stops only what needs the settings
 * (stop and status need the cache directory alone: a running daemon must
 * stay reachable while its config file is being mended). */
static int load(int argc, char **argv, struct config *cfg, bool need_settings)
{
	if (argc > 1) {
		error("%s: unexpected argument '%s'", argv[0], argv[1]);
		return -1;
	}
	if (config_load(cfg) < 0 && (need_settings || !cfg->cache_dir))
		return -1;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* Polls until a daemon answers (running) or none does (!running), for at
 * most ms; *st holds the last status when one answered. */
static bool wait_until(const struct config *cfg, bool running, int ms, struct proto_status *st)
{
	for (int waited = 0; waited < ms; waited += 10) {
		proto_status_release(st);
		if ((daemon_query_status(cfg, st) == 0) == running)
			return true;
		sleep_ms(10);
	}
	return false;
}

int cmd_daemon(int argc, char **argv)
{
	struct config cfg;
	int ret, notify_fd = -1;

	/* --notify-fd=N: set by daemon_spawn(), not meant for people. */
	if (argc > 1 && !strncmp(argv[1], "--notify-fd=", 12)) {
		notify_fd = atoi(argv[1] + 12);
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	if (load(argc, argv, &cfg, true) < 0) {
		config_release(&cfg);
		return 1;
	}
	ret = daemon_run(&cfg, notify_fd);
	if (ret == DAEMON_ALREADY_RUNNING)
		fprintf(stderr, "zccache: a daemon already runs for %s\n", cfg.cache_dir);
	config_release(&cfg);
	return ret;
}

int cmd_start(int argc, char **argv)
{
	struct config cfg;
	struct proto_status st = PROTO_STATUS_INIT;
	int ret = 1;

	if (load(argc, argv, &cfg, true) < 0)
		goto out;
	if (daemon_query_status(&cfg, &st) == 0) {
		printf("zccache daemon already running (pid %u)\n", st.pid);
		ret = 0;
		goto out;
	}
	if (daemon_spawn(&cfg) < 0)
		goto out;
	if (wait_until(&cfg, true, START_WAIT_MS, &st)) {
		printf("zccache daemon started (pid %u)\n", st.pid);
		ret = 0;
		goto out;
	}
	error("the daemon did not start; see %s/daemon.log", cfg.cache_dir);
out:
	proto_status_release(&st);
	config_release(&cfg);
	return ret;
}

int cmd_stop(int argc, char **argv)
{
	struct config cfg;
	struct strbuf reply = STRBUF_INIT;
	struct proto_status st = PROTO_STATUS_INIT;
	uint32_t type;
	int fd = -1, ret = 1;

	if (load(argc, argv, &cfg, false) < 0)
		goto out;
	fd = daemon_connect(&cfg);
	if (fd < 0) {
		printf("zccache daemon not running\n");
		ret = 0;
		goto out;
	}
	pid_t pid = daemon_peer_pid(fd);
	int rc = daemon_request(fd, MSG_STOP, NULL, &type, &reply);
	if (rc == DAEMON_VERSION_MISMATCH) {
		/* A daemon of another version: stop it by its pid. */
		if (daemon_stop_pid(daemon_mismatched_pid()) < 0)
			goto out;
	} else if (rc != 0 || type != MSG_ACK) {
		error("the daemon did not acknowledge the stop request");
		goto out;
	}
	/* Wait until it is gone: it finishes its stores first. */
	if (pid > 0 ? daemon_wait_gone(pid, STOP_WAIT_MS) == 0
		    : wait_until(&cfg, false, STOP_WAIT_MS, &st)) {
		printf("zccache daemon stopped\n");
		ret = 0;
		goto out;
	}
	error("the daemon is still running");
out:
	if (fd >= 0)
		close(fd);
	proto_status_release(&st);
	strbuf_release(&reply);
	config_release(&cfg);
	return ret;
}

int cmd_status(int argc, char **argv)
{
	struct config cfg;
	struct proto_status st = PROTO_STATUS_INIT;
	struct strbuf mem = STRBUF_INIT;
	int ret = 1;

	if (load(argc, argv, &cfg, false) < 0)
		goto out;
	if (daemon_query_status(&cfg, &st) < 0) {
		printf("zccache daemon not running\n");
		goto out;
	}
	format_size(st.rss_bytes, &mem);
	printf("pid        %u\nuptime     %.1f s\nsocket     %s\nmemory     %s\n"
	       "entries    %llu\nhits       %llu\nmisses     %llu\n",
	       st.pid, (double)st.uptime_ms / 1000, st.socket, mem.buf,
	       (unsigned long long)st.entries, (unsigned long long)st.hits,
	       (unsigned long long)st.misses);
	ret = 0;
out:
	proto_status_release(&st);
	strbuf_release(&mem);
	config_release(&cfg);
	return ret;
}
