/*
 * proto.h - the wire protocol between the zccache client and the daemon.
 *
 * Owns the framing (magic, version, type, length) and the encoding of every
 * message; the byte layout is specified at the top of proto.c. It knows
 * nothing about sockets beyond a file descriptor, nor about what the
 * messages mean to the cache.
 *
 * One connection carries one exchange, a request and its reply (a miss adds
 * a second pair):
 *   client                                   daemon
 *   MSG_COMPILE   ->                                    (cache lookup)
 *                 <-  MSG_HIT | MSG_MISS | MSG_PASSTHROUGH | MSG_ERROR
 *   after a MISS, the client runs miss.argv, replays its output, then:
 *   MSG_STORE     ->  (the daemon reads what it needs)
 *                 <-  MSG_ACK
 *   MSG_STATUS    ->  <-  MSG_STATUS_REPLY
 *   MSG_STOP      ->  <-  MSG_ACK
 *
 * Calling sequence, on either side:
 *   sending:    proto_encode_X(&m, &payload)
 *               proto_write_frame(fd, MSG_X, &payload)
 *   receiving:  proto_read_frame(fd, &type, &payload, &peer_version)
 *               switch (type) ... proto_decode_X(payload.buf, payload.len, &m)
 *               ... use m ...
 *               proto_X_release(&m)
 *
 * A decoder always leaves its message in a releasable state (initialised at
 * entry, emptied again on failure), so a caller may release it whatever the
 * result. Every function that can fail returns -1 with error() on a failure;
 * corrupt, truncated or oversized data is such a failure, never a crash.
 * Strings (char *) in a decoded message are malloc'd and never NULL; an
 * encoder writes a NULL string as "".
 */
#ifndef ZC_PROTO_H
#define ZC_PROTO_H

#include "../util/compat.h"
#include "../util/strbuf.h"

#define PROTO_VERSION 2
#define PROTO_MAGIC "ZCP1"            /* never changes; the version field does */
#define PROTO_HEADER_SIZE 16
#define PROTO_MAX_FRAME (64u << 20)   /* payload bytes; a string is bounded by it */

/* Message types: numbers are part of the wire format, never renumbered. */
enum proto_type {
	MSG_COMPILE = 1,      /* client -> daemon: struct proto_compile */
	MSG_HIT = 2,          /* daemon -> client: struct proto_hit */
	MSG_MISS = 3,         /* daemon -> client: struct proto_miss */
	MSG_PASSTHROUGH = 4,  /* daemon -> client: struct proto_passthrough */
	MSG_STORE = 5,        /* client -> daemon: struct proto_store */
	MSG_ACK = 6,          /* daemon -> client: empty */
	MSG_STATUS = 7,       /* client -> daemon: empty */
	MSG_STATUS_REPLY = 8, /* daemon -> client: struct proto_status */
	MSG_STOP = 9,         /* client -> daemon: empty */
	MSG_ERROR = 10,       /* daemon -> client: struct proto_error */
};
#define PROTO_MAX_TYPE MSG_ERROR

/* proto_read_frame() results besides 0 and -1. */
enum proto_result {
	PROTO_EOF = 1,              /* the peer closed before sending a byte */
	PROTO_VERSION_MISMATCH = 2, /* the peer speaks another version */
};

/* MSG_COMPILE flags. */
enum proto_compile_flags {
	/* the client's stderr is a terminal that shows colours (TERM is set and
	 * not "dumb"): the compiler would colour its diagnostics there */
	PROTO_COLOR_WANTED = 1 << 0,
};
#define PROTO_COMPILE_FLAGS_KNOWN PROTO_COLOR_WANTED

struct proto_compile {
	struct strvec argv; /* as the user gave it; argv[0] = compiler as named; never empty */
	char *compiler;     /* resolved absolute path */
	char *cwd;          /* absolute */
	struct strvec env;  /* the client's whole environ, "NAME=value" */
	uint32_t umask;     /* at most 0777 */
	uint32_t flags;     /* enum proto_compile_flags */
};
#define PROTO_COMPILE_INIT { STRVEC_INIT, NULL, NULL, STRVEC_INIT, 0, 0 }

/* The daemon already wrote the outputs: replay out/err, exit with status. */
struct proto_hit {
	int32_t status;
	struct strbuf out;
	struct strbuf err;
};
#define PROTO_HIT_INIT { 0, STRBUF_INIT, STRBUF_INIT }

/* Run argv, replay its output, then send MSG_STORE with token. */
struct proto_miss {
	uint64_t token;
	uint32_t flags;     /* enum proto_miss_flags */
	struct strvec argv; /* the user's argv plus dependency/colour options; never empty */
	char *depfile;      /* where the compile's dependency list will be, or "" */
};
#define PROTO_MISS_INIT { 0, 0, STRVEC_INIT, NULL }

enum proto_miss_flags {
	/* argv colours the diagnostics (the command line left it to the
	 * terminal): take the colours out where none are wanted */
	PROTO_MISS_COLORED = 1 << 0,
};

/* Uncacheable: exec the user's compiler unchanged. */
struct proto_passthrough {
	uint32_t reason; /* for the stats; not interpreted here */
};
#define PROTO_PASSTHROUGH_INIT { 0 }

/* The outcome of a miss's compile; the outputs are on disk. */
struct proto_store {
	uint64_t token; /* from the MSG_MISS */
	int32_t status;
	struct strbuf out;
	struct strbuf err;
};
#define PROTO_STORE_INIT { 0, 0, STRBUF_INIT, STRBUF_INIT }

struct proto_status {
	uint32_t pid;
	uint64_t uptime_ms;
	uint64_t rss_bytes;
	uint64_t entries;
	uint64_t hits;   /* since the daemon started */
	uint64_t misses; /* since the daemon started */
	char *socket;
};
#define PROTO_STATUS_INIT { 0, 0, 0, 0, 0, 0, NULL }

/* The daemon could not serve the request: do it in-process. */
struct proto_error {
	char *message;
};
#define PROTO_ERROR_INIT { NULL }

/* Sends one frame; payload may be NULL (empty). -1 if too large or on I/O
 * error; never raises SIGPIPE. */
int proto_write_frame(int fd, uint32_t type, const struct strbuf *payload);
/* Reads one frame into payload (replacing it): 0, PROTO_EOF,
 * PROTO_VERSION_MISMATCH (*peer_version set, payload not read: close the
 * connection), or -1 with error(). peer_version may be NULL. */
int proto_read_frame(int fd, uint32_t *type, struct strbuf *payload, uint32_t *peer_version);
/* "compile", "hit", ... or "unknown" (for logs). */
const char *proto_type_name(uint32_t type);

/* Each encoder replaces payload's contents with the message. */
void proto_encode_compile(const struct proto_compile *m, struct strbuf *payload);
void proto_encode_hit(const struct proto_hit *m, struct strbuf *payload);
void proto_encode_miss(const struct proto_miss *m, struct strbuf *payload);
void proto_encode_passthrough(const struct proto_passthrough *m, struct strbuf *payload);
void proto_encode_store(const struct proto_store *m, struct strbuf *payload);
void proto_encode_status(const struct proto_status *m, struct strbuf *payload);
void proto_encode_error(const struct proto_error *m, struct strbuf *payload);

/* Each decoder fills m from exactly len bytes: 0, or -1 with error(). */
int proto_decode_compile(const char *payload, size_t len, struct proto_compile *m);
int proto_decode_hit(const char *payload, size_t len, struct proto_hit *m);
int proto_decode_miss(const char *payload, size_t len, struct proto_miss *m);
int proto_decode_passthrough(const char *payload, size_t len, struct proto_passthrough *m);
int proto_decode_store(const char *payload, size_t len, struct proto_store *m);
int proto_decode_status(const char *payload, size_t len, struct proto_status *m);
int proto_decode_error(const char *payload, size_t len, struct proto_error *m);
/* MSG_ACK, MSG_STATUS, MSG_STOP carry nothing: 0 if len is 0, else -1. */
int proto_decode_empty(const char *payload, size_t len);

/* Free what a message owns and leave it as its _INIT. */
void proto_compile_release(struct proto_compile *m);
void proto_hit_release(struct proto_hit *m);
void proto_miss_release(struct proto_miss *m);
void proto_store_release(struct proto_store *m);
void proto_status_release(struct proto_status *m);
void proto_error_release(struct proto_error *m);

#endif
