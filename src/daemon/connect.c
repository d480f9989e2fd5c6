/* connect.c - the client's side of the daemon: where it listens, connecting,
 * one request and its reply, stopping an old one (see daemon.h). Linked
 * into the small client too, so it needs no more than libc. */
#include "../util/compat.h"
#include "daemon.h"
#include "../proto/proto.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
/* The socket's name only needs to be the same for everyone who computes
 * it: xxhash's header-only form keeps the small client free of libraries. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* How long a client waits for a reply before it works in-process. */
#define REPLY_TIMEOUT_MS 10000
/* A full backlog: the daemon has not accepted anyone for a while. */
#define CONNECT_TIMEOUT_MS 2000
/* How long a client waits for an old daemon to stop. */
#define STOP_WAIT_MS 1000

/* The per-user directory, private: ours, a directory, no group/other bits. */
static int socket_dir(bool create, struct strbuf *dir)
{
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	strbuf_reset(dir);
	/* A runtime directory too deep for a socket name (sun_path) gets the
	 * /tmp one, rather than no daemon at all. */
	if (runtime && path_is_absolute(runtime) &&
	    strlen(runtime) + strlen("/zccache/0123456789abcdef.sock") <
		    sizeof(((struct sockaddr_un *)0)->sun_path))
		strbuf_addf(dir, "%s/zccache", runtime);
	else
		strbuf_addf(dir, "/tmp/zccache-%u", (unsigned)geteuid());
	if (create && mkdir(dir->buf, 0700) < 0 && errno != EEXIST)
		return error("cannot create '%s':", dir->buf);
	if (lstat(dir->buf, &st) < 0)
		return error("cannot stat '%s':", dir->buf);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return error("'%s' is not a private directory of this user", dir->buf);
	return 0;
}

int daemon_socket_path(const struct config *cfg, bool create, struct strbuf *path)
{
	if (!cfg->cache_dir)
		return error("no cache directory: neither ZCCACHE_DIR nor HOME is set");
	if (socket_dir(create, path) < 0)
		return -1;
	strbuf_addf(path, "/%016llx.sock",
		    (unsigned long long)XXH3_64bits(cfg->cache_dir, strlen(cfg->cache_dir)));
	if (path->len >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return error("socket path '%s' is too long", path->buf);
	return 0;
}

int daemon_fill_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return error("socket path '%s' is too long", path);
	memcpy(addr->sun_path, path, strlen(path) + 1);
	return 0;
}

static bool last_connect_failed;

bool daemon_connect_failed(void)
{
	return last_connect_failed;
}

int daemon_connect(const struct config *cfg)
{
	struct strbuf path = STRBUF_INIT;
	struct sockaddr_un addr;
	int fd = -1;

	last_connect_failed = true;
	if (daemon_socket_path(cfg, false, &path) < 0 || daemon_fill_addr(path.buf, &addr) < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		error("cannot create a socket:");
		goto out;
	}
	/* A daemon that hangs (stopped, stuck) must not hang the build: the
	 * client gives up and works in-process. Connecting waits too once
	 * the daemon's backlog is full of clients it does not accept. */
	struct timeval connect_tv = { CONNECT_TIMEOUT_MS / 1000, 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &connect_tv, sizeof(connect_tv)) < 0)
		zlog("cannot set a timeout on the daemon's socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == EAGAIN) {
			/* There, but not accepting: not one to replace. */
			zlog("the daemon does not accept connections");
			last_connect_failed = false;
		}
		close(fd);
		fd = -1;
		goto out;
	}
	struct timeval tv = { REPLY_TIMEOUT_MS / 1000, 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		zlog("cannot set a timeout on the daemon's socket: %s", strerror(errno));
	last_connect_failed = false;
out:
	strbuf_release(&path);
	return fd;
}

int daemon_query_status(const struct config *cfg, struct proto_status *st)
{
	struct strbuf reply = STRBUF_INIT;
	uint32_t type;
	bool was_loud = log_to_stderr;
	int fd, ret = -1;

	/* "Not running" is an answer here, not an error to print. */
	log_to_stderr = false;
	fd = daemon_connect(cfg);
	if (fd < 0)
		goto out;
	if (daemon_request(fd, MSG_STATUS, NULL, &type, &reply) == 0 && type == MSG_STATUS_REPLY &&
	    proto_decode_status(reply.buf, reply.len, st) == 0)
		ret = 0;
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&reply);
	log_to_stderr = was_loud;
	return ret;
}

void daemon_flush_stats(const struct config *cfg)
{
	struct proto_status st = PROTO_STATUS_INIT;

	/* A status request makes the daemon write its counts first. */
	daemon_query_status(cfg, &st);
	proto_status_release(&st);
}

/* Exited, but not yet reaped by its parent: gone for our purpose. Its
 * main thread shows as a zombie while the other threads still exit (and
 * hold its socket and lock): only a zombie left alone counts. */
static bool is_zombie(pid_t pid)
{
	char path[64], buf[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')', and
	 * num_threads is the 18th field from there. */
	char *paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ' || paren[2] != 'Z')
		return false;
	char *field = paren + 2;
	for (int i = 0; i < 17 && field; i++) {
		field = strchr(field, ' ');
		if (field)
			field++;
	}
	return field && strtol(field, NULL, 10) == 1;
}

static pid_t mismatched_daemon;

pid_t daemon_mismatched_pid(void)
{
	return mismatched_daemon;
}

pid_t daemon_peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid())
		return 0;
	return cred.pid;
}

int daemon_wait_gone(pid_t pid, int ms)
{
	for (int waited = 0; waited < ms; waited += 5) {
		struct timespec t = { 0, 5000000 };
		if ((kill(pid, 0) < 0 && errno == ESRCH) || is_zombie(pid))
			return 0;
		nanosleep(&t, NULL);
	}
	return error("daemon %d did not stop", (int)pid);
}

int daemon_stop_pid(pid_t pid)
{
	if (pid <= 0 || kill(pid, SIGTERM) < 0)
		return error("cannot stop daemon %d:", (int)pid);
	return daemon_wait_gone(pid, STOP_WAIT_MS);
}

int daemon_request(int fd, uint32_t type, const struct strbuf *payload, uint32_t *reply_type,
		   struct strbuf *reply)
{
	uint32_t version = 0;
	int rc;

	if (proto_write_frame(fd, type, payload) < 0)
		return -1;
	rc = proto_read_frame(fd, reply_type, reply, &version);
	if (rc == PROTO_VERSION_MISMATCH) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		/* The kernel names the process at the other end: the old daemon. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
		    cred.uid == geteuid())
			mismatched_daemon = cred.pid;
		error("the daemon speaks protocol %u, this zccache %u", version, PROTO_VERSION);
		return DAEMON_VERSION_MISMATCH;
	}
	if (rc == PROTO_EOF)
		return error("the daemon closed the connection");
	return rc;
}

