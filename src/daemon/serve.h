/*
 * serve.h - compiles served by the daemon.
 *
 * A compile is one or two connections, each one request and one reply:
 *   COMPILE -> HIT (outputs written by the daemon)
 *            | PASSTHROUGH (uncacheable, or read-only and a miss: the client
 *              execs the compiler)
 *            | MISS (token + the argv to run) ... client compiles ...
 *   STORE(token, status, stdout, stderr) -> ACK (outputs kept; the entry is
 *              recorded later by the store thread)
 * Requests are served on the daemon's worker threads (daemon.c), several at
 * once: a worker changes into the client's cwd for each request (each has a
 * working directory of its own), and the invocation carries the client's
 * environment and umask; the settings (recache, log_file, compression, ...)
 * are the client's too, read from its environment and its cache's
 * zccache.conf per request. Records run on one store thread with a working
 * directory of its own, while a CPU is free (for at most STORE_DEFER_MAX_MS
 * and STORE_DEFER_MAX_QUEUE misses they wait for one). A lookup of a key
 * whose record is still queued takes it from the queue and records it
 * itself; one whose record runs waits for it at most PENDING_MAX_WAIT_MS
 * (pending.h).
 * Misses waiting for their STORE are kept in a list and dropped after
 * MISS_TTL_SECONDS (a client that died). Counters are kept in memory and
 * flushed to the stats file by server_flush().
 */
#ifndef ZC_SERVE_H
#define ZC_SERVE_H

#include "../util/compat.h"
#include "../config/config.h"
#include "../proto/proto.h"
#include "../stats/stats.h"
#include "../store/store.h"
#include "pending.h"
#include <pthread.h>
#include <stdatomic.h>

#define MISS_TTL_SECONDS 3600
/* A record waits for a free CPU (the build's compiles first) at most this
 * long, and only while fewer misses than this wait: then it runs anyway. */
#define STORE_DEFER_MAX_MS 10000
#define STORE_DEFER_MAX_QUEUE 128
#define QUIESCE_MAX_MS 5000
/* Counters are added to the stats file at most this long after a compile
 * (and at once when someone asks: status, stats, exit). */
#define STATS_FLUSH_MS 1000

struct pending_miss;
struct file_memo;
struct scan_memo;
struct fact_memo;
struct manifest_memo;

struct server {
	const struct config *cfg; /* the daemon's own: its cache directory */
	struct file_memo *memo;   /* remembered file digests (hash/filememo.h) */
	struct scan_memo *scans;  /* remembered scans of contents (cache/scanmemo.h) */
	struct fact_memo *facts;  /* the aux facts, in memory (cache/factmemo.h) */
	struct manifest_memo *manifests; /* manifests, in memory (cache/manifestmemo.h) */
	_Atomic uint64_t hits, misses_served; /* since the daemon started */
	pthread_mutex_t lock;   /* guards what follows */
	struct pending_miss *misses; /* handed to a client, waiting for its STORE */
	uint64_t next_token;
	struct stats unflushed; /* counted since the last flush */
	bool dirty;
	int64_t flushed_at;     /* CLOCK_MONOTONIC ms */
	uint64_t max_size;      /* the latest client's, for trimming */
	int64_t cache_bytes;    /* the store's size at the last flush */
	bool trimming;          /* one trim at a time */
	/* Misses are recorded on a store thread after their ACK, when the
	 * compiles leave a CPU free (see store_thread() in serve.c). */
	struct pending_registry pending;
	pthread_t thread;
	bool threaded;          /* a store thread runs */
	pthread_cond_t queue_cond, idle_cond; /* both on CLOCK_MONOTONIC */
	struct pending_miss *queue; /* waiting for the store thread */
	size_t queue_len;
	struct strvec graves;       /* replaced outputs for it to unlink */
	bool busy, stopping;
	int claimed;            /* records taken from the queue by lookups, running */
	int draining;           /* callers of server_quiesce(): record at once */
	bool always_busy;       /* ZCCACHE_TEST_CPUS_BUSY: tests see records wait */
};

int server_init(struct server *s, const struct config *cfg);
void server_release(struct server *s);

/* Answers one COMPILE or STORE request on fd; called from several threads
 * at once, each in a working directory of its own (it changes it).
 * peer: the client's pid (SO_PEERCRED); a STORE is taken only from the
 * process its miss was handed to. */
void server_compile(struct server *s, const struct proto_compile *req, int fd, pid_t peer);
/* Is a client still compiling a miss it will bring back? (Not idle then.) */
bool server_expecting(struct server *s);
void server_store(struct server *s, const struct proto_store *req, int fd, pid_t peer);

/* Waits until every handed-over miss is recorded (for status/stats), at
 * most QUIESCE_MAX_MS (the client's reply timeout is 10 s); the store
 * thread does not wait for a free CPU meanwhile. */
void server_quiesce(struct server *s);

/* Adds the counters kept in memory to the stats file (trimming the cache
 * when it went over its size). */
void server_flush(struct server *s);
/* Flushes when due; returns the ms until the next flush is due, or -1 when
 * nothing waits. */
int server_tick(struct server *s);

#endif
