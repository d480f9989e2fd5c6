/*
 * The client-daemon wire format, version 1. Every integer is little-endian.
 *
 * Frame (a 16-byte header, then the payload):
 *   4 bytes  magic "ZCP1"          never changes, whatever the version
 *   u32      protocol version      PROTO_VERSION (1)
 *   u32      message type          enum proto_type (1..10)
 *   u32      payload length        at most PROTO_MAX_FRAME (64 MiB)
 *   payload
 * The header keeps this layout in every version, so a reader can always tell
 * the peer's version and refuse it (PROTO_VERSION_MISMATCH) before looking
 * at anything else. An empty MSG_ACK in a hexdump:
 *   5a 43 50 31 01 00 00 00  06 00 00 00 00 00 00 00   ZCP1............
 *
 * Payload fields, in order:
 *   str   u32 length, then that many bytes; no NUL byte inside, no terminator
 *   buf   u32 length, then that many bytes; anything (stdout, stderr)
 *   vec   u32 count, then count strs
 *   i32   a u32 holding the two's complement
 *
 *   1 MSG_COMPILE       u32 flags (bit 0: stderr is a tty; others must be 0)
 *                       u32 umask (<= 0777), str compiler (absolute),
 *                       str cwd (absolute), vec argv (count >= 1), vec env
 *   2 MSG_HIT           i32 status, buf stdout, buf stderr
 *   3 MSG_MISS          u64 token, str depfile (may be empty), vec argv (>= 1)
 *   4 MSG_PASSTHROUGH   u32 reason
 *   5 MSG_STORE         u64 token, i32 status, buf stdout, buf stderr
 *   6 MSG_ACK           empty
 *   7 MSG_STATUS        empty
 *   8 MSG_STATUS_REPLY  u32 pid, u64 uptime_ms, u64 rss_bytes, u64 entries,
 *                       u64 hits, u64 misses, str socket
 *   9 MSG_STOP          empty
 *  10 MSG_ERROR         str message
 *
 * A payload must be consumed exactly: a short one, trailing bytes, a length
 * or count that cannot fit in what remains, an unknown type or flag, or a
 * field out of its range is a malformed message (-1), never a crash. No
 * allocation is sized by a count from the wire: a vec grows as its strings
 * are actually read, and a payload is read in chunks of at most 1 MiB.
 */
#include "../util/compat.h"
#include "proto.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define PROTO_READ_CHUNK (1u << 20)

static const char *const type_names[] = {
	[MSG_COMPILE] = "compile",
	[MSG_HIT] = "hit",
	[MSG_MISS] = "miss",
	[MSG_PASSTHROUGH] = "passthrough",
	[MSG_STORE] = "store",
	[MSG_ACK] = "ack",
	[MSG_STATUS] = "status",
	[MSG_STATUS_REPLY] = "status-reply",
	[MSG_STOP] = "stop",
	[MSG_ERROR] = "error",
};

const char *proto_type_name(uint32_t type)
{
	const char *name = "unknown";

	if (type < ZC_ARRAY_SIZE(type_names) && type_names[type])
		name = type_names[type];
	return name;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Writes every byte of iov in as few syscalls as the kernel allows (one,
 * normally, so the peer wakes once). sendmsg() with MSG_NOSIGNAL: a peer
 * that went away is an error, not a SIGPIPE; writev() if fd is no socket.
 */
static int send_all(int fd, struct iovec *iov, int nr, uint32_t type)
{
	bool is_socket = true;
	int ret = -1;

	while (nr > 0) {
		ssize_t n;

		if (is_socket) {
			struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)nr };
			n = sendmsg(fd, &msg, MSG_NOSIGNAL);
			if (n < 0 && errno == ENOTSOCK) {
				is_socket = false;
				continue;
			}
		} else {
			n = writev(fd, iov, nr);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			error("cannot send a '%s' message:", proto_type_name(type));
			goto out;
		}
		while (nr > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			nr--;
		}
		if (nr > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	ret = 0;
out:
	return ret;
}

int proto_write_frame(int fd, uint32_t type, const struct strbuf *payload)
{
	size_t len = payload ? payload->len : 0;
	unsigned char hdr[PROTO_HEADER_SIZE];
	struct iovec iov[2];
	int ret = -1;

	if (len > PROTO_MAX_FRAME) {
		error("'%s' message too large (%zu bytes)", proto_type_name(type), len);
		goto out;
	}
	memcpy(hdr, PROTO_MAGIC, 4);
	put_u32(hdr + 4, PROTO_VERSION);
	put_u32(hdr + 8, type);
	put_u32(hdr + 12, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = len ? payload->buf : NULL;
	iov[1].iov_len = len;
	ret = send_all(fd, iov, len ? 2 : 1, type);
out:
	return ret;
}

/* Reads exactly len payload bytes, growing sb as they arrive (a forged
 * length costs at most one chunk before the short read is noticed). */
static int read_payload(int fd, size_t len, struct strbuf *sb)
{
	int ret = -1;

	while (sb->len < len) {
		size_t chunk = len - sb->len;
		ssize_t n;

		if (chunk > PROTO_READ_CHUNK)
			chunk = PROTO_READ_CHUNK;
		strbuf_grow(sb, chunk);
		n = read_in_full(fd, sb->buf + sb->len, chunk);
		if (n < 0) {
			error("cannot read a message:");
			goto out;
		}
		strbuf_setlen(sb, sb->len + (size_t)n);
		if ((size_t)n < chunk) {
			error("truncated message (%zu of %zu bytes)", sb->len, len);
			goto out;
		}
	}
	ret = 0;
out:
	return ret;
}

int proto_read_frame(int fd, uint32_t *type, struct strbuf *payload, uint32_t *peer_version)
{
	unsigned char hdr[PROTO_HEADER_SIZE];
	uint32_t version, msg_type, len;
	ssize_t n;
	int ret = -1;

	*type = 0;
	strbuf_reset(payload);
	n = read_in_full(fd, hdr, sizeof(hdr));
	if (n < 0) {
		error("cannot read a message:");
		goto out;
	}
	if (n == 0) {
		ret = PROTO_EOF;
		goto out;
	}
	if ((size_t)n < sizeof(hdr)) {
		error("truncated frame header (%zd of %zu bytes)", n, sizeof(hdr));
		goto out;
	}
	if (memcmp(hdr, PROTO_MAGIC, 4)) {
		error("bad frame magic (the peer is not a zccache)");
		goto out;
	}
	version = get_u32(hdr + 4);
	if (peer_version)
		*peer_version = version;
	if (version != PROTO_VERSION) {
		ret = PROTO_VERSION_MISMATCH;
		goto out;
	}
	msg_type = get_u32(hdr + 8);
	len = get_u32(hdr + 12);
	if (!msg_type || msg_type > PROTO_MAX_TYPE) {
		error("unknown message type %u", (unsigned)msg_type);
		goto out;
	}
	if (len > PROTO_MAX_FRAME) {
		error("frame too large (%u bytes)", (unsigned)len);
		goto out;
	}
	if (read_payload(fd, len, payload))
		goto out;
	*type = msg_type;
	ret = 0;
out:
	if (ret)
		strbuf_reset(payload);
	return ret;
}

/* Encoding. */

static size_t str_size(const char *s)
{
	return 4 + (s ? strlen(s) : 0);
}

static size_t vec_size(const struct strvec *sv)
{
	size_t n = 4;

	for (size_t i = 0; i < sv->nr; i++)
		n += str_size(sv->v[i]);
	return n;
}

static void enc_str(struct strbuf *sb, const char *s)
{
	if (!s)
		s = "";
	strbuf_add_lstr(sb, s, strlen(s));
}

static void enc_buf(struct strbuf *sb, const struct strbuf *data)
{
	strbuf_add_lstr(sb, data->buf, data->len);
}

static void enc_vec(struct strbuf *sb, const struct strvec *sv)
{
	strbuf_add_u32(sb, (uint32_t)sv->nr);
	for (size_t i = 0; i < sv->nr; i++)
		enc_str(sb, sv->v[i]);
}

void proto_encode_compile(const struct proto_compile *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	strbuf_grow(payload, 8 + str_size(m->compiler) + str_size(m->cwd) +
				     vec_size(&m->argv) + vec_size(&m->env));
	strbuf_add_u32(payload, m->flags);
	strbuf_add_u32(payload, m->umask);
	enc_str(payload, m->compiler);
	enc_str(payload, m->cwd);
	enc_vec(payload, &m->argv);
	enc_vec(payload, &m->env);
}

void proto_encode_hit(const struct proto_hit *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	strbuf_grow(payload, 12 + m->out.len + m->err.len);
	strbuf_add_u32(payload, (uint32_t)m->status);
	enc_buf(payload, &m->out);
	enc_buf(payload, &m->err);
}

void proto_encode_miss(const struct proto_miss *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	strbuf_grow(payload, 12 + str_size(m->depfile) + vec_size(&m->argv));
	strbuf_add_u64(payload, m->token);
	strbuf_add_u32(payload, m->flags);
	enc_str(payload, m->depfile);
	enc_vec(payload, &m->argv);
}

void proto_encode_passthrough(const struct proto_passthrough *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	strbuf_add_u32(payload, m->reason);
}

void proto_encode_store(const struct proto_store *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	strbuf_grow(payload, 20 + m->out.len + m->err.len);
	strbuf_add_u64(payload, m->token);
	strbuf_add_u32(payload, (uint32_t)m->status);
	enc_buf(payload, &m->out);
	enc_buf(payload, &m->err);
}

void proto_encode_status(const struct proto_status *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	strbuf_add_u32(payload, m->pid);
	strbuf_add_u64(payload, m->uptime_ms);
	strbuf_add_u64(payload, m->rss_bytes);
	strbuf_add_u64(payload, m->entries);
	strbuf_add_u64(payload, m->hits);
	strbuf_add_u64(payload, m->misses);
	enc_str(payload, m->socket);
}

void proto_encode_error(const struct proto_error *m, struct strbuf *payload)
{
	strbuf_reset(payload);
	enc_str(payload, m->message);
}

/* Decoding: every helper returns 0, or -1 without reading past r->end. */

static struct reader reader_of(const char *payload, size_t len)
{
	const unsigned char *p = payload ? (const unsigned char *)payload
					 : (const unsigned char *)"";
	struct reader r = { p, p + (payload ? len : 0) };
	return r;
}

static int dec_i32(struct reader *r, int32_t *v)
{
	uint32_t u;
	int ret = read_u32(r, &u);

	if (!ret)
		*v = (int32_t)u;
	return ret;
}

/* A str: no NUL byte inside, so the C string means what was sent. */
static int dec_str(struct reader *r, char **out)
{
	const char *s;
	size_t len;
	int ret = -1;

	if (read_lstr(r, &s, &len) || memchr(s, '\0', len))
		goto out;
	*out = xstrndup(s, len);
	ret = 0;
out:
	return ret;
}

static int dec_buf(struct reader *r, struct strbuf *sb)
{
	const char *s;
	size_t len;
	int ret = -1;

	if (read_lstr(r, &s, &len))
		goto out;
	strbuf_reset(sb);
	strbuf_add(sb, s, len);
	ret = 0;
out:
	return ret;
}

static int dec_vec(struct reader *r, struct strvec *sv)
{
	struct strbuf tmp = STRBUF_INIT;
	uint32_t count;
	int ret = -1;

	/* Each str takes at least its 4-byte length: a larger count is forged. */
	if (read_u32(r, &count) || count > (size_t)(r->end - r->p) / 4)
		goto out;
	for (uint32_t i = 0; i < count; i++) {
		const char *s;
		size_t len;

		if (read_lstr(r, &s, &len) || memchr(s, '\0', len))
			goto out;
		strbuf_reset(&tmp);
		strbuf_add(&tmp, s, len);
		strvec_push(sv, tmp.buf);
	}
	ret = 0;
out:
	strbuf_release(&tmp);
	return ret;
}

static bool at_end(const struct reader *r)
{
	return r->p == r->end;
}

static int malformed(uint32_t type)
{
	return error("malformed '%s' message", proto_type_name(type));
}

int proto_decode_compile(const char *payload, size_t len, struct proto_compile *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_compile)PROTO_COMPILE_INIT;
	if (read_u32(&r, &m->flags) || read_u32(&r, &m->umask) ||
	    dec_str(&r, &m->compiler) || dec_str(&r, &m->cwd) ||
	    dec_vec(&r, &m->argv) || dec_vec(&r, &m->env) || !at_end(&r))
		goto out;
	if ((m->flags & ~(uint32_t)PROTO_COMPILE_FLAGS_KNOWN) || m->umask > 0777 ||
	    !m->argv.nr || m->compiler[0] != '/' || m->cwd[0] != '/')
		goto out;
	ret = 0;
out:
	if (ret) {
		proto_compile_release(m);
		malformed(MSG_COMPILE);
	}
	return ret;
}

int proto_decode_hit(const char *payload, size_t len, struct proto_hit *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_hit)PROTO_HIT_INIT;
	if (dec_i32(&r, &m->status) || dec_buf(&r, &m->out) || dec_buf(&r, &m->err) ||
	    !at_end(&r))
		goto out;
	ret = 0;
out:
	if (ret) {
		proto_hit_release(m);
		malformed(MSG_HIT);
	}
	return ret;
}

int proto_decode_miss(const char *payload, size_t len, struct proto_miss *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_miss)PROTO_MISS_INIT;
	if (read_u64(&r, &m->token) || read_u32(&r, &m->flags) || dec_str(&r, &m->depfile) ||
	    dec_vec(&r, &m->argv) || !at_end(&r) || !m->argv.nr)
		goto out;
	ret = 0;
out:
	if (ret) {
		proto_miss_release(m);
		malformed(MSG_MISS);
	}
	return ret;
}

int proto_decode_passthrough(const char *payload, size_t len, struct proto_passthrough *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_passthrough)PROTO_PASSTHROUGH_INIT;
	if (read_u32(&r, &m->reason) || !at_end(&r))
		goto out;
	ret = 0;
out:
	if (ret) {
		*m = (struct proto_passthrough)PROTO_PASSTHROUGH_INIT;
		malformed(MSG_PASSTHROUGH);
	}
	return ret;
}

int proto_decode_store(const char *payload, size_t len, struct proto_store *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_store)PROTO_STORE_INIT;
	if (read_u64(&r, &m->token) || dec_i32(&r, &m->status) || dec_buf(&r, &m->out) ||
	    dec_buf(&r, &m->err) || !at_end(&r))
		goto out;
	ret = 0;
out:
	if (ret) {
		proto_store_release(m);
		malformed(MSG_STORE);
	}
	return ret;
}

int proto_decode_status(const char *payload, size_t len, struct proto_status *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_status)PROTO_STATUS_INIT;
	if (read_u32(&r, &m->pid) || read_u64(&r, &m->uptime_ms) ||
	    read_u64(&r, &m->rss_bytes) || read_u64(&r, &m->entries) ||
	    read_u64(&r, &m->hits) || read_u64(&r, &m->misses) ||
	    dec_str(&r, &m->socket) || !at_end(&r))
		goto out;
	ret = 0;
out:
	if (ret) {
		proto_status_release(m);
		malformed(MSG_STATUS_REPLY);
	}
	return ret;
}

int proto_decode_error(const char *payload, size_t len, struct proto_error *m)
{
	struct reader r = reader_of(payload, len);
	int ret = -1;

	*m = (struct proto_error)PROTO_ERROR_INIT;
	if (dec_str(&r, &m->message) || !at_end(&r))
		goto out;
	ret = 0;
out:
	if (ret) {
		proto_error_release(m);
		malformed(MSG_ERROR);
	}
	return ret;
}

int proto_decode_empty(const char *payload, size_t len)
{
	(void)payload;
	return len ? error("unexpected payload (%zu bytes) in an empty message", len) : 0;
}

/* Releasing. */

void proto_compile_release(struct proto_compile *m)
{
	strvec_clear(&m->argv);
	strvec_clear(&m->env);
	free(m->compiler);
	free(m->cwd);
	*m = (struct proto_compile)PROTO_COMPILE_INIT;
}

void proto_hit_release(struct proto_hit *m)
{
	strbuf_release(&m->out);
	strbuf_release(&m->err);
	*m = (struct proto_hit)PROTO_HIT_INIT;
}

void proto_miss_release(struct proto_miss *m)
{
	strvec_clear(&m->argv);
	free(m->depfile);
	*m = (struct proto_miss)PROTO_MISS_INIT;
}

void proto_store_release(struct proto_store *m)
{
	strbuf_release(&m->out);
	strbuf_release(&m->err);
	*m = (struct proto_store)PROTO_STORE_INIT;
}

void proto_status_release(struct proto_status *m)
{
	free(m->socket);
	*m = (struct proto_status)PROTO_STATUS_INIT;
}

void proto_error_release(struct proto_error *m)
{
	free(m->message);
	*m = (struct proto_error)PROTO_ERROR_INIT;
}
