#include "../util/compat.h"
#include "daemon.h"
#include "../hash/hash.h"
#include "../proto/proto.h"
#include "serve.h"
#include "../store/store.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LOCK_FILE "daemon.lock"
/* A request must arrive this soon after its connection. */
#define REQUEST_TIMEOUT_MS 2000
/* How long a reply may take to be taken by the client (a stopped build). */
#define REPLY_TIMEOUT_MS 10000
/* How often an idle daemon checks that its socket is still there. */
#define SOCKET_CHECK_MS 5000
/* How long a client waits for a daemon it started. */
#define SPAWN_WAIT_MS 2000
/* The readiness pipe's descriptor in a spawned daemon, and what it says. */
#define NOTIFY_FD 3
#define NOTIFY_LISTENING '1'
#define NOTIFY_LOCK_HELD '3'
/* How long a client waits for the daemon that won a start race. */
#define LOST_RACE_WAIT_MS 200
/* How long a new daemon waits for a lock whose holder does not answer: a
 * SIGKILLed daemon keeps it until its last thread is gone, after its main
 * thread shows as a zombie. */
#define LOCK_WAIT_MS 500
/* Connections are served by up to this many worker threads (one per CPU). */
#define MAX_WORKERS 8
#define ZC_STR_(x) #x
#define ZC_STR(x) ZC_STR_(x)

/* Daemon state; one per process. Signal handlers only write the pipe. */
struct daemon {
	const struct config *cfg;
	int listen_fd;
	int lock_fd;
	int signal_pipe[2];
	struct strbuf socket_path;
	ino_t socket_ino;
	struct timespec started;
	struct server server;
	atomic_bool stopping;          /* a stop request (a worker sets it) */
	_Atomic int64_t last_request;  /* CLOCK_MONOTONIC ms */
	/* The workers: each accepts and serves one connection at a time. */
	pthread_t workers[MAX_WORKERS];
	struct worker {
		struct daemon *d;
		int index;
	} worker_args[MAX_WORKERS];
	int nr_threads_started;        /* to join */
	int nr_workers;                /* of those, the ones that serve */
	int workers_reported;          /* started and past their set-up */
	pthread_mutex_t start_lock;    /* guards the two counts above */
	pthread_cond_t started_cond;   /* a worker is past its set-up */
	atomic_int serving;            /* connections accepted, not yet closed */
	atomic_bool workers_end;
	/* Each worker's connection (-1: none), cut short on exit. */
	pthread_mutex_t conn_lock;
	int conn_fds[MAX_WORKERS];
	struct stat mnt_ns, root; /* ours, to compare with each client's */
	gid_t *groups;            /* our supplementary groups, sorted */
	int nr_groups;
};

static int signal_write_fd = -1;

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	ssize_t n = write(signal_write_fd, &b, 1);
	(void)n;
}

/* Blocks (or unblocks) the signals that stop us in the calling thread.
 * Threads start with them blocked, so only the main thread runs
 * on_signal(): it alone closes the pipe, once it has blocked them again. */
static void block_stop_signals(bool block)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static uint64_t rss_bytes(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long size = 0, resident = 0;

	if (read_file("/proc/self/statm", &sb, 4096) == 0 &&
	    sscanf(sb.buf, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	strbuf_release(&sb);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void reply_status(struct daemon *d, int fd)
{
	struct proto_status st = PROTO_STATUS_INIT;
	struct strbuf payload = STRBUF_INIT;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	st.pid = (uint32_t)getpid();
	st.uptime_ms = (uint64_t)((now.tv_sec - d->started.tv_sec) * 1000 +
				  (now.tv_nsec - d->started.tv_nsec) / 1000000);
	st.rss_bytes = rss_bytes();
	st.hits = d->server.hits;
	st.misses = d->server.misses_served;
	/* The stores were just flushed (see MSG_STATUS): the count is current. */
	struct stats now_stats = STATS_INIT;
	if (stats_read(d->cfg->cache_dir, &now_stats) == 0 && now_stats.value[STAT_CACHE_FILES] > 0)
		st.entries = (uint64_t)now_stats.value[STAT_CACHE_FILES];
	stats_release(&now_stats);
	st.socket = d->socket_path.buf;
	proto_encode_status(&st, &payload);
	if (proto_write_frame(fd, MSG_STATUS_REPLY, &payload) < 0)
		zlog("daemon: cannot answer a status request");
	strbuf_release(&payload);
}

static void reply_error(int fd, const char *message)
{
	struct proto_error e = { (char *)message };
	struct strbuf payload = STRBUF_INIT;

	proto_encode_error(&e, &payload);
	if (proto_write_frame(fd, MSG_ERROR, &payload) < 0)
		zlog("daemon: cannot send an error reply");
	strbuf_release(&payload);
}

/* Does the client resolve paths as we do: same mount namespace, same
 * root directory? */
static bool same_file_system_view(const struct daemon *d, pid_t pid)
{
	char path[64];
	struct stat ns, root;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &ns) < 0 || ns.st_ino != d->mnt_ns.st_ino || ns.st_dev != d->mnt_ns.st_dev)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	return stat(path, &root) == 0 && root.st_ino == d->root.st_ino &&
	       root.st_dev == d->root.st_dev;
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* Has the client our groups? A hit writes its outputs, and reads its
 * inputs, with the daemon's: a client without a group must not get what
 * only that group may write or read. */
static bool same_groups(const struct daemon *d, int fd, const struct ucred *cred)
{
	gid_t peer[256];
	socklen_t len = sizeof(peer);

	if (cred->gid != getegid() || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer, &len) < 0)
		return false;
	int n = (int)(len / sizeof(gid_t));
	if (n != d->nr_groups)
		return false;
	qsort(peer, (size_t)n, sizeof(gid_t), cmp_gid);
	return !n || !memcmp(peer, d->groups, (size_t)n * sizeof(gid_t));
}

/* One connection: check the peer, read one request, answer it. */
static void serve_connection(struct daemon *d, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct strbuf payload = STRBUF_INIT;
	struct pollfd p = { fd, POLLIN, 0 };
	uint32_t type = 0, version = 0;
	int rc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid()) {
		fprintf(stderr, "zccache daemon: refused a connection from uid %d (pid %d)\n",
			(int)cred.uid, (int)cred.pid);
		goto out;
	}
	if (poll(&p, 1, REQUEST_TIMEOUT_MS) <= 0)
		goto out;
	rc = proto_read_frame(fd, &type, &payload, &version);
	if (rc == 0 && type == MSG_COMPILE && !same_file_system_view(d, cred.pid)) {
		/* Its paths would name other files here (a container, a chroot).
		 * Answered after its request is read: it then reads the reason. */
		reply_error(fd, "the client sees another file system (mount namespace or root)");
		goto out;
	}
	if (rc == 0 && type == MSG_COMPILE && !same_groups(d, fd, &cred)) {
		reply_error(fd, "the client has other groups than the daemon");
		goto out;
	}
	if (rc == PROTO_VERSION_MISMATCH) {
		/* Our reply carries our version: the client sees the mismatch. */
		reply_error(fd, "protocol version mismatch");
		goto out;
	}
	if (rc != 0)
		goto out;
	switch (type) {
	case MSG_STATUS:
		/* Whoever asks (status, stats) sees every compile stored and
		 * counted. */
		server_quiesce(&d->server);
		server_flush(&d->server);
		reply_status(d, fd);
		break;
	case MSG_STOP:
		if (proto_write_frame(fd, MSG_ACK, NULL) < 0)
			zlog("daemon: cannot acknowledge stop");
		atomic_store(&d->stopping, true);
		/* Wakes the main thread's poll. */
		if (write(d->signal_pipe[1], "", 1) != 1)
			zlog("daemon: cannot wake the main thread to stop");
		break;
	case MSG_COMPILE: {
		struct proto_compile req = PROTO_COMPILE_INIT;
		if (proto_decode_compile(payload.buf, payload.len, &req) == 0)
			server_compile(&d->server, &req, fd, cred.pid);
		else
			reply_error(fd, "malformed compile request");
		proto_compile_release(&req);
		break;
	}
	case MSG_STORE: {
		struct proto_store req = PROTO_STORE_INIT;
		if (proto_decode_store(payload.buf, payload.len, &req) == 0)
			server_store(&d->server, &req, fd, cred.pid);
		else
			reply_error(fd, "malformed store request");
		proto_store_release(&req);
		break;
	}
	default:
		reply_error(fd, "unexpected request");
		break;
	}
out:
	strbuf_release(&payload);
}

/*
 * The worker threads. A compile's lookup and the writing of its outputs
 * take the daemon most of a millisecond; served one at a time, a second
 * compile of a parallel build waits that long for its turn, and every
 * compile waits for a client that connected and says nothing. Each worker
 * accepts on the listening socket (the kernel wakes one of them per
 * connection) and serves that connection in the compile's directory: it
 * has a working directory of its own (unshare(CLONE_FS)), so it may chdir
 * while others serve. What they share (the memories, the pending-writes
 * registry, the counters, the list of misses) is thread-safe. The main
 * thread keeps the clock: signals, idle exit, the socket check, flushes.
 */
/* A client that sends half a request, or takes no reply, must not hold a
 * worker (or the daemon's exit) for ever. */
static void set_timeouts(int fd)
{
	struct timeval request = { REQUEST_TIMEOUT_MS / 1000, REQUEST_TIMEOUT_MS % 1000 * 1000 };
	struct timeval reply = { REPLY_TIMEOUT_MS / 1000, REPLY_TIMEOUT_MS % 1000 * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &request, sizeof(request)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &reply, sizeof(reply)) < 0)
		zlog("daemon: cannot set a connection's timeouts: %s", strerror(errno));
}

/* slot: where stop_workers() finds the connection (NULL on the main
 * thread), emptied before the descriptor can be another's. */
static void serve_and_close(struct daemon *d, int fd, int *slot)
{
	set_timeouts(fd);
	serve_connection(d, fd);
	if (slot) {
		pthread_mutex_lock(&d->conn_lock);
		*slot = -1;
		pthread_mutex_unlock(&d->conn_lock);
	}
	close(fd);
	/* Never keep a client's directory (or its mount) busy. */
	if (chdir("/") < 0)
		zlog("daemon: cannot change to /");
	atomic_store(&d->last_request, monotonic_ms());
}

static void *worker_main(void *arg)
{
	const struct worker *w = arg;
	struct daemon *d = w->d;
	bool usable = unshare(CLONE_FS) == 0;

	pthread_mutex_lock(&d->start_lock);
	d->workers_reported++;
	if (!usable) {
		/* Its chdir would move every thread's: it serves nothing. */
		fprintf(stderr, "zccache daemon: no private working directory for a worker: %s\n",
			strerror(errno));
		d->nr_workers--;
	}
	pthread_cond_broadcast(&d->started_cond);
	pthread_mutex_unlock(&d->start_lock);
	while (usable && !atomic_load(&d->workers_end)) {
		int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED && !atomic_load(&d->workers_end)) {
				/* Out of descriptors or memory: let it pass. */
				zlog("daemon: accept failed: %s", strerror(errno));
				struct timespec pause = { 0, 10000000 };
				nanosleep(&pause, NULL);
			}
			continue;
		}
		atomic_fetch_add(&d->serving, 1);
		atomic_store(&d->last_request, monotonic_ms());
		/* Registered, or refused when the daemon is ending: then its
		 * client works in-process (stop_workers() sees one or the
		 * other, never neither). */
		pthread_mutex_lock(&d->conn_lock);
		bool ending = atomic_load(&d->workers_end);
		if (!ending)
			d->conn_fds[w->index] = fd;
		pthread_mutex_unlock(&d->conn_lock);
		if (ending)
			close(fd);
		else
			serve_and_close(d, fd, &d->conn_fds[w->index]);
		atomic_fetch_sub(&d->serving, 1);
	}
	return NULL;
}

/* Starts one worker per CPU (at least two: a lookup that waits for a
 * pending store must not hold up the others). With none that can serve,
 * the main thread serves the connections itself. */
static void start_workers(struct daemon *d)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int wanted = cpus < 2 ? 2 : cpus > MAX_WORKERS ? MAX_WORKERS : (int)cpus;

	pthread_mutex_init(&d->start_lock, NULL);
	pthread_cond_init(&d->started_cond, NULL);
	pthread_mutex_init(&d->conn_lock, NULL);
	for (int i = 0; i < MAX_WORKERS; i++)
		d->conn_fds[i] = -1;
	pthread_mutex_lock(&d->start_lock);
	for (int i = 0; i < wanted; i++) {
		struct worker *w = &d->worker_args[d->nr_threads_started];
		*w = (struct worker){ d, d->nr_threads_started };
		if (pthread_create(&d->workers[d->nr_threads_started], NULL, worker_main, w) != 0) {
			zlog("daemon: cannot start worker %d", i);
			break;
		}
		d->nr_threads_started++;
		d->nr_workers++;
	}
	/* Whether they serve is known once each is past its unshare(). */
	while (d->workers_reported < d->nr_threads_started)
		pthread_cond_wait(&d->started_cond, &d->start_lock);
	pthread_mutex_unlock(&d->start_lock);
	if (!d->nr_workers)
		fprintf(stderr, "zccache daemon: no worker threads: serving on the main thread\n");
}

/* Ends the workers: the connections they serve are cut short (their
 * clients work in-process, or have their compile's result already: a
 * store is lost at worst), and shutting the listening socket down wakes
 * those blocked in accept() (EINVAL; connections not yet accepted see it
 * closed). Then joins them. */
static void stop_workers(struct daemon *d)
{
	pthread_mutex_lock(&d->conn_lock);
	atomic_store(&d->workers_end, true);
	for (int i = 0; i < d->nr_threads_started; i++)
		if (d->conn_fds[i] >= 0 && shutdown(d->conn_fds[i], SHUT_RDWR) < 0)
			zlog("daemon: cannot cut a connection short: %s", strerror(errno));
	pthread_mutex_unlock(&d->conn_lock);
	if (d->nr_threads_started && shutdown(d->listen_fd, SHUT_RDWR) < 0)
		zlog("daemon: cannot shut the socket down: %s", strerror(errno));
	for (int i = 0; i < d->nr_threads_started; i++)
		pthread_join(d->workers[i], NULL);
	d->nr_threads_started = 0;
	pthread_mutex_destroy(&d->conn_lock);
	pthread_cond_destroy(&d->started_cond);
	pthread_mutex_destroy(&d->start_lock);
}

/* Binds the socket; we hold the lock, so a socket file there is stale. */
static int listen_on(struct daemon *d)
{
	struct sockaddr_un addr;
	struct stat st;

	if (daemon_socket_path(d->cfg, true, &d->socket_path) < 0 ||
	    daemon_fill_addr(d->socket_path.buf, &addr) < 0)
		return -1;
	if (unlink_if_exists(d->socket_path.buf) < 0)
		return -1;
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0)
		return error("cannot create a socket:");
	if (bind(d->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return error("cannot bind '%s':", d->socket_path.buf);
	if (chmod(d->socket_path.buf, 0600) < 0 || stat(d->socket_path.buf, &st) < 0)
		return error("cannot set up '%s':", d->socket_path.buf);
	d->socket_ino = st.st_ino;
	if (listen(d->listen_fd, 64) < 0)
		return error("cannot listen on '%s':", d->socket_path.buf);
	return 0;
}

/* What a killed daemon left in tmp/: the outputs it kept for stores that
 * never ran and the replaced outputs it had not unlinked yet. Only a daemon
 * makes these, and we hold the lock: they are ours to remove. */
static void sweep_leftovers(const struct config *cfg)
{
	char *tmp = xasprintf("%s/tmp", cfg->cache_dir);
	DIR *dir = opendir(tmp);
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, "out.", 4) && strncmp(de->d_name, "grave.", 6))
			continue;
		char *path = xasprintf("%s/%s", tmp, de->d_name);
		unlink_if_exists(path);
		free(path);
	}
	if (dir)
		closedir(dir);
	free(tmp);
}

static int take_lock(struct daemon *d)
{
	char *path = xasprintf("%s/%s", d->cfg->cache_dir, LOCK_FILE);
	int ret = 0;

	if (store_own_dir(d->cfg->cache_dir) < 0) {
		ret = -1;
		goto out;
	}
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->lock_fd < 0) {
		ret = error("cannot open '%s':", path);
		goto out;
	}
	int64_t deadline = monotonic_ms() + LOCK_WAIT_MS;
	for (;;) {
		if (flock(d->lock_fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK) {
			ret = error("cannot lock '%s':", path);
			break;
		}
		/* A live holder answers; a dying one (its socket may still take
		 * connections) lets go of the lock soon. */
		struct proto_status st = PROTO_STATUS_INIT;
		bool live = daemon_query_status(d->cfg, &st) == 0;
		proto_status_release(&st);
		if (live || monotonic_ms() >= deadline) {
			ret = DAEMON_ALREADY_RUNNING;
			break;
		}
		struct timespec pause = { 0, 5000000 };
		nanosleep(&pause, NULL);
	}
out:
	free(path);
	return ret;
}

int daemon_run(const struct config *cfg, int notify_fd)
{
	struct daemon d = { .cfg = cfg, .listen_fd = -1, .lock_fd = -1,
			    .signal_pipe = { -1, -1 }, .socket_path = STRBUF_INIT };
	int64_t idle_ms = (int64_t)cfg->idle_timeout * 1000, last_socket_check;
	bool workers_started = false;
	int ret = 1, rc;

	if (!cfg->cache_dir) {
		error("no cache directory: neither ZCCACHE_DIR nor HOME is set");
		goto out;
	}
	rc = take_lock(&d);
	if (rc == DAEMON_ALREADY_RUNNING && notify_fd >= 0) {
		char byte = NOTIFY_LOCK_HELD;
		if (write(notify_fd, &byte, 1) != 1)
			zlog("daemon: cannot tell the client that another daemon runs");
	}
	if (rc) {
		ret = rc == DAEMON_ALREADY_RUNNING ? DAEMON_ALREADY_RUNNING : 1;
		goto out;
	}
	sweep_leftovers(cfg);
	/* Started in the directory of the compile that needed us: never keep
	 * it (or its mount) busy. Every path we keep is absolute, and the
	 * workers' own working directories start from here. */
	if (chdir("/") < 0) {
		error("cannot change to /:");
		goto out;
	}
	if (pipe2(d.signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		error("cannot create a pipe:");
		goto out;
	}
	signal_write_fd = d.signal_pipe[1];
	spawn_forwards_signals = false;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Started from a shell with a file size limit (ulimit -f): a large
	 * hit would kill us. The limit as high as we may, and a write past it
	 * an error (the hit becomes a miss; compiles under a limit do not
	 * come here at all). */
	struct rlimit fsize;
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != fsize.rlim_max) {
		fsize.rlim_cur = fsize.rlim_max;
		setrlimit(RLIMIT_FSIZE, &fsize);
	}
	signal(SIGXFSZ, SIG_IGN);
	if (stat("/proc/self/ns/mnt", &d.mnt_ns) < 0 || stat("/", &d.root) < 0) {
		error("cannot read our mount namespace:");
		goto out;
	}
	d.nr_groups = getgroups(0, NULL);
	d.groups = xcalloc((size_t)(d.nr_groups > 0 ? d.nr_groups : 1), sizeof(gid_t));
	if (d.nr_groups < 0 || getgroups(d.nr_groups, d.groups) != d.nr_groups) {
		error("cannot read our groups:");
		goto out;
	}
	qsort(d.groups, (size_t)d.nr_groups, sizeof(gid_t), cmp_gid);
	if (listen_on(&d) < 0)
		goto out;
	block_stop_signals(true); /* inherited by the threads started here */
	server_init(&d.server, cfg);
	clock_gettime(CLOCK_MONOTONIC, &d.started);
	fprintf(stderr, "zccache daemon: pid %d listening on %s\n", (int)getpid(), d.socket_path.buf);
	if (notify_fd >= 0) {
		char byte = NOTIFY_LISTENING;
		if (write(notify_fd, &byte, 1) != 1)
			zlog("daemon: cannot tell the client that it listens");
		close(notify_fd);
		notify_fd = -1;
	}
	start_workers(&d);
	workers_started = true;
	block_stop_signals(false);
	atomic_store(&d.last_request, monotonic_ms());
	last_socket_check = monotonic_ms();
	for (;;) {
		/* Without workers (none could have a working directory of its
		 * own) the main thread accepts. */
		struct pollfd fds[2] = { { d.signal_pipe[0], POLLIN, 0 },
					 { d.listen_fd, d.nr_workers ? 0 : POLLIN, 0 } };
		int timeout = -1;
		if (idle_ms > 0) {
			int64_t last = atomic_load(&d.last_request);
			int64_t left = last + idle_ms - monotonic_ms();
			if (left <= 0 && (atomic_load(&d.serving) || server_expecting(&d.server))) {
				/* A compile is served, or still runs: its result
				 * comes back. Look again in a second (unless a
				 * worker has moved the clock meanwhile). */
				atomic_compare_exchange_strong(&d.last_request, &last,
							       monotonic_ms() - idle_ms + 1000);
				left = 1000;
			}
			if (left <= 0) {
				fprintf(stderr, "zccache daemon: idle for %u s, exiting\n", cfg->idle_timeout);
				break;
			}
			timeout = left > 60000 ? 60000 : (int)left;
		}
		if (timeout < 0 || timeout > SOCKET_CHECK_MS)
			timeout = SOCKET_CHECK_MS;
		int flush_due = server_tick(&d.server);
		if (flush_due >= 0 && (timeout < 0 || flush_due < timeout))
			timeout = flush_due;
		if (poll(fds, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			error("poll failed:");
			goto out;
		}
		if (atomic_load(&d.stopping))
			break; /* asked to stop */
		if (fds[0].revents & POLLIN) {
			fprintf(stderr, "zccache daemon: signal received, exiting\n");
			break;
		}
		if (monotonic_ms() - last_socket_check >= SOCKET_CHECK_MS) {
			struct stat st;
			last_socket_check = monotonic_ms();
			/* Removed (a cleaned runtime directory) or taken over: no
			 * client can reach us any more. */
			if (stat(d.socket_path.buf, &st) < 0 || st.st_ino != d.socket_ino) {
				fprintf(stderr, "zccache daemon: socket %s is gone, exiting\n",
					d.socket_path.buf);
				break;
			}
		}
		if (fds[1].revents & POLLIN) {
			int fd = accept4(d.listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				atomic_store(&d.last_request, monotonic_ms());
				serve_and_close(&d, fd, NULL);
			}
		}
	}
	ret = 0;
out:
	block_stop_signals(true); /* a late one must not write a closed pipe */
	if (notify_fd >= 0)
		close(notify_fd); /* the client sees end of file: we gave up */
	if (d.listen_fd >= 0) {
		struct stat st;
		/* Remove the socket only if it is still ours. */
		if (stat(d.socket_path.buf, &st) == 0 && st.st_ino == d.socket_ino)
			unlink(d.socket_path.buf);
	}
	if (workers_started)
		stop_workers(&d);
	if (d.listen_fd >= 0)
		close(d.listen_fd);
	free(d.groups); /* after the workers: they compare clients' groups */
	for (int i = 0; i < 2; i++)
		if (d.signal_pipe[i] >= 0)
			close(d.signal_pipe[i]);
	/* The queued stores and the counters are finished while we still hold
	 * the lock: a daemon started meanwhile would sweep their files. */
	server_release(&d.server);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	strbuf_release(&d.socket_path);
	return ret;
}

/* Waits for the daemon's word on the readiness pipe: a byte once it
 * listens, end of file when it gave up (another daemon may have won the
 * lock race: then that one answers soon). */
static int wait_ready(const struct config *cfg, int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char byte;

	if (poll(&p, 1, SPAWN_WAIT_MS) <= 0)
		return error("the daemon did not start within %d ms", SPAWN_WAIT_MS);
	if (read(fd, &byte, 1) == 1 && byte == NOTIFY_LISTENING)
		return 0;
	/* Another daemon holds the lock: it answers soon if it is starting;
	 * one that lost its socket never does, and must not cost much. */
	for (int waited = 0; waited < LOST_RACE_WAIT_MS; waited += 5) {
		int c = daemon_connect(cfg);
		if (c >= 0) {
			close(c);
			return 0;
		}
		struct timespec t = { 0, 5000000 };
		nanosleep(&t, NULL);
	}
	return error("the daemon did not start; see %s/daemon.log", cfg->cache_dir);
}

/* Before 2026-12-02 the socket was named after the BLAKE2b of the cache
 * directory (the small client, which links no hashing library, names it
 * with xxhash now). A daemon of that build still holds the lock but listens
 * where no client looks: stop it, as a daemon of another protocol is. */
static void stop_daemon_of_old_name(const struct config *cfg)
{
	struct strbuf path = STRBUF_INIT;
	struct sockaddr_un addr;
	struct digest d;
	char hex[DIGEST_HEX_SIZE];
	struct stat st;
	int fd = -1;

	if (daemon_socket_path(cfg, false, &path) < 0)
		goto out;
	digest_buffer(cfg->cache_dir, strlen(cfg->cache_dir), &d);
	digest_to_hex(&d, hex);
	strbuf_setlen(&path, (size_t)(strrchr(path.buf, '/') - path.buf));
	strbuf_addf(&path, "/%.16s.sock", hex);
	if (lstat(path.buf, &st) < 0 || !S_ISSOCK(st.st_mode) || daemon_fill_addr(path.buf, &addr) < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		goto out;
	pid_t pid = daemon_peer_pid(fd);
	if (pid > 0) {
		zlog("stopping daemon %d, which listens under the old name %s", (int)pid, path.buf);
		close(fd);
		fd = -1;
		daemon_stop_pid(pid);
	}
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&path);
}

/* Starts `zccache daemon` detached: its own session, stdin from /dev/null,
 * stdout and stderr appended to daemon.log in the cache directory. Returns
 * once it listens (0) or gave up (-1). */
int daemon_spawn(const struct config *cfg)
{
	char *log = NULL;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct strbuf sock = STRBUF_INIT;
	int ready[2] = { -1, -1 };
	pid_t pid;
	int ret = -1;

	if (!cfg->cache_dir) {
		error("no cache directory: neither ZCCACHE_DIR nor HOME is set");
		goto out;
	}
	if (n <= 0) {
		error("cannot find the zccache binary:");
		goto out;
	}
	exe[n] = '\0';
	log = xasprintf("%s/daemon.log", cfg->cache_dir);
	/* A socket directory we cannot use fails here, before any fork. */
	if (store_own_dir(cfg->cache_dir) < 0 || daemon_socket_path(cfg, true, &sock) < 0)
		goto out;
	stop_daemon_of_old_name(cfg);
	if (pipe2(ready, O_CLOEXEC) < 0) {
		error("cannot create a pipe:");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		error("cannot fork:");
		goto out;
	}
	if (pid == 0) {
		/* The middle child: a new session, then the daemon itself. */
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (setsid() < 0 || in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0 || dup2(ready[1], NOTIFY_FD) < 0)
			_exit(1);
		if (fork() != 0)
			_exit(0);
		/* Nothing of the build's may stay open in a long-lived daemon: a
		 * make jobserver or a pipe someone reads to its end. */
		close_range(NOTIFY_FD + 1, ~0U, 0);
		execl(exe, "zccache", "daemon", "--notify-fd=" ZC_STR(NOTIFY_FD), (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	ready[1] = -1;
	waitpid(pid, NULL, 0);
	ret = wait_ready(cfg, ready[0]);
out:
	for (int i = 0; i < 2; i++)
		if (ready[i] >= 0)
			close(ready[i]);
	strbuf_release(&sock);
	free(log);
	return ret;
}
