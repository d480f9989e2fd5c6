/*
 * serve.h - compiles served by the daemon.
 *
 * A compile is one or two connections, each one request and one reply:
 *   COMPILE -> HIT (outputs written by the daemon)
 *            | PASSTHROUGH (uncacheable: the client execs the compiler)
 *            | MISS (token + the argv to run) ... client compiles ...
 *   STORE(token, status, stdout, stderr) -> ACK (the entry is stored)
 * The daemon is single-threaded: it changes into the client's cwd for each
 * request, and the invocation carries the client's environment and umask;
 * the settings (recache, log_file, compression, ...) are the client's too,
 * read from its environment and its cache's zccache.conf per request.
 * Misses waiting for their STORE are kept in a list and dropped after
 * MISS_TTL_SECONDS (a client that died).
 */
#ifndef ZC_SERVE_H
#define ZC_SERVE_H

#include "../util/compat.h"
#include "../config/config.h"
#include "../proto/proto.h"
#include "../store/store.h"

#define MISS_TTL_SECONDS 3600

struct pending_miss;
struct file_memo;

struct server {
	const struct config *cfg; /* the daemon's own: its cache directory */
	struct file_memo *memo;   /* remembered file digests (hash/filememo.h) */
	struct pending_miss *misses;
	uint64_t next_token;
	uint64_t hits, misses_served;
};

int server_init(struct server *s, const struct config *cfg);
void server_release(struct server *s);

/* Answers one COMPILE or STORE request on fd. */
void server_compile(struct server *s, const struct proto_compile *req, int fd);
void server_store(struct server *s, const struct proto_store *req, int fd);

#endif
