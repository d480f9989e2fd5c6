/*
 * daemon.h - the resident per-user daemon: where it listens, its life
 * cycle, and talking to it.
 *
 * One daemon per cache directory. It holds an exclusive flock on
 * $ZCCACHE_DIR/daemon.lock for its whole life, so two racing starts end
 * with one daemon (the loser exits quietly). It listens on a Unix socket in
 * a per-user directory of mode 0700 ($XDG_RUNTIME_DIR/zccache or
 * /tmp/zccache-<uid>), named after the cache directory, and checks the
 * peer's uid with SO_PEERCRED on every connection: another user is refused
 * and logged. It exits after idle_timeout seconds without a request (0:
 * never), on SIGTERM/SIGINT, or on a stop request, removing its socket.
 *
 * Worker threads (one per CPU, 2 to 8, each in a working directory of its
 * own) accept the connections and serve them through serve.c; the main
 * thread handles signals, the idle exit and the stats flushes. Clients use
 * the daemon unless the
 * `daemon` setting is off (ZCCACHE_NODAEMON=1).
 *
 * Calling sequence: daemon_run() is `zccache daemon` (daemon.c);
 * daemon_connect(), daemon_request() and the rest are the client side
 * (connect.c: the compiles, `start`, `stop`, `status`), which the small
 * client links too. daemon_spawn() starts `zccache-core daemon`.
 */
#ifndef ZC_DAEMON_H
#define ZC_DAEMON_H

#include "../util/compat.h"
#include "../util/strbuf.h"
#include "../config/config.h"
#include <sys/types.h>

/* The socket path for cfg's cache directory; creates the per-user socket
 * directory (0700) when create is set and checks that it is ours. */
int daemon_socket_path(const struct config *cfg, bool create, struct strbuf *path);

/* Fills a socket address with path; -1 when it does not fit. */
struct sockaddr_un;
int daemon_fill_addr(const char *path, struct sockaddr_un *addr);

/* Runs the daemon in the foreground until it stops. Returns the exit code:
 * 0 after a clean stop, DAEMON_ALREADY_RUNNING when another daemon holds
 * the lock, 1 on errors (reported with error()). */
#define DAEMON_ALREADY_RUNNING 3
/* notify_fd, when >= 0, receives one byte once the daemon listens and is
 * closed (the spawning client reads end of file) if it gives up first. */
int daemon_run(const struct config *cfg, int notify_fd);

/* Starts `zccache daemon` detached (own session, output to daemon.log) and
 * waits until it listens: 0, or -1 when it could not start. */
int daemon_spawn(const struct config *cfg);

/* Connects to the daemon of cfg's cache directory; -1 when none answers. */
int daemon_connect(const struct config *cfg);

/* Whether the last daemon_connect() failed for want of a daemon (as opposed
 * to a later request failing). */
bool daemon_connect_failed(void);

/* Sends one request frame and reads the reply frame: 0, -1, or
 * DAEMON_VERSION_MISMATCH when the daemon speaks another protocol version
 * (an old daemon after an upgrade); daemon_mismatched_pid() then names it. */
#define DAEMON_VERSION_MISMATCH 2
int daemon_request(int fd, uint32_t type, const struct strbuf *payload, uint32_t *reply_type,
		   struct strbuf *reply);
pid_t daemon_mismatched_pid(void);

/* Asks the daemon for its status, quietly; 0 when one answered (st set). */
struct proto_status;
int daemon_query_status(const struct config *cfg, struct proto_status *st);

/* When a daemon runs, has it write the counters it keeps in memory (a
 * status request does); quiet when none runs. */
void daemon_flush_stats(const struct config *cfg);

/* Sends SIGTERM to a daemon of ours and waits (up to a second) until it is
 * gone. */
int daemon_stop_pid(pid_t pid);
/* The pid of the daemon at the other end of fd (a connection), or 0. */
pid_t daemon_peer_pid(int fd);
/* Waits up to ms until process pid is gone; -1 when it is not. */
int daemon_wait_gone(pid_t pid, int ms);

#endif
