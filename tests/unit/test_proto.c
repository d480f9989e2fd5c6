/* The wire protocol: round trips, framing errors, corrupt and forged data. */
#include "unit.h"
#include "proto/proto.h"
#include "util/fs.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

struct writer {
	int fd;
	uint32_t type;
	const struct strbuf *payload;
	int ret;
};

static void *write_thread(void *arg)
{
	struct writer *w = arg;

	w->ret = proto_write_frame(w->fd, w->type, w->payload);
	return NULL;
}

/* Sends one frame through a socketpair (from a thread, so a payload larger
 * than the socket buffer works) and reads it back into got. */
static void transfer(uint32_t type, const struct strbuf *payload, struct strbuf *got)
{
	int sv[2];
	pthread_t th;
	struct writer w;
	uint32_t t = 0, version = 0;

	pair(sv);
	w.fd = sv[0];
	w.type = type;
	w.payload = payload;
	w.ret = -2;
	assert_int_equal(pthread_create(&th, NULL, write_thread, &w), 0);
	assert_int_equal(proto_read_frame(sv[1], &t, got, &version), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.ret, 0);
	assert_int_equal(t, type);
	assert_int_equal(version, PROTO_VERSION);
	assert_int_equal(got->len, payload ? payload->len : 0);
	if (payload)
		assert_memory_equal(got->buf, payload->buf, payload->len);
	close(sv[0]);
	close(sv[1]);
}

static void assert_vec_equal(const struct strvec *a, const struct strvec *b)
{
	assert_int_equal(a->nr, b->nr);
	for (size_t i = 0; i < a->nr; i++)
		assert_string_equal(a->v[i], b->v[i]);
	if (b->nr)
		assert_null(b->v[b->nr]);
}

static void assert_buf_equal(const struct strbuf *a, const struct strbuf *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->buf, b->buf, a->len);
	assert_int_equal(b->buf[b->len], '\0');
}

/* Decodes any message type into a throwaway struct (for the corruption
 * tests); an empty type must have an empty payload. */
static int decode_any(uint32_t type, const char *p, size_t len)
{
	int ret = -1;

	switch (type) {
	case MSG_COMPILE: {
		struct proto_compile m;
		ret = proto_decode_compile(p, len, &m);
		proto_compile_release(&m);
		break;
	}
	case MSG_HIT: {
		struct proto_hit m;
		ret = proto_decode_hit(p, len, &m);
		proto_hit_release(&m);
		break;
	}
	case MSG_MISS: {
		struct proto_miss m;
		ret = proto_decode_miss(p, len, &m);
		proto_miss_release(&m);
		break;
	}
	case MSG_PASSTHROUGH: {
		struct proto_passthrough m;
		ret = proto_decode_passthrough(p, len, &m);
		break;
	}
	case MSG_STORE: {
		struct proto_store m;
		ret = proto_decode_store(p, len, &m);
		proto_store_release(&m);
		break;
	}
	case MSG_STATUS_REPLY: {
		struct proto_status m;
		ret = proto_decode_status(p, len, &m);
		proto_status_release(&m);
		break;
	}
	case MSG_ERROR: {
		struct proto_error m;
		ret = proto_decode_error(p, len, &m);
		proto_error_release(&m);
		break;
	}
	default:
		ret = proto_decode_empty(p, len);
		break;
	}
	return ret;
}

/* Sample messages, shared by the round trips and the corruption tests. */
static const char *const sample_argv[] = { "gcc", "-c", "a.c", "-o", "a.o", "-DX=a b" };
static const char *const sample_env[] = { "PATH=/usr/bin:/bin", "HOME=/home/u", "EMPTY=" };

static void sample_compile(struct proto_compile *m)
{
	*m = (struct proto_compile)PROTO_COMPILE_INIT;
	strvec_pushv(&m->argv, (char *const *)sample_argv, ZC_ARRAY_SIZE(sample_argv));
	strvec_pushv(&m->env, (char *const *)sample_env, ZC_ARRAY_SIZE(sample_env));
	m->compiler = xstrdup("/usr/bin/gcc");
	m->cwd = xstrdup("/home/u/src");
	m->umask = 022;
	m->flags = PROTO_COLOR_WANTED;
}

static void sample_payload(uint32_t type, struct strbuf *payload)
{
	strbuf_reset(payload);
	switch (type) {
	case MSG_COMPILE: {
		struct proto_compile m;
		sample_compile(&m);
		proto_encode_compile(&m, payload);
		proto_compile_release(&m);
		break;
	}
	case MSG_HIT: {
		struct proto_hit m = PROTO_HIT_INIT;
		m.status = 1;
		strbuf_addstr(&m.out, "out\n");
		strbuf_addstr(&m.err, "a.c:1: warning\n");
		proto_encode_hit(&m, payload);
		proto_hit_release(&m);
		break;
	}
	case MSG_MISS: {
		struct proto_miss m = PROTO_MISS_INIT;
		m.token = 42;
		strvec_push(&m.argv, "gcc");
		strvec_push(&m.argv, "-MD");
		m.depfile = xstrdup("/tmp/d");
		proto_encode_miss(&m, payload);
		proto_miss_release(&m);
		break;
	}
	case MSG_PASSTHROUGH: {
		struct proto_passthrough m = { 3 };
		proto_encode_passthrough(&m, payload);
		break;
	}
	case MSG_STORE: {
		struct proto_store m = PROTO_STORE_INIT;
		m.token = 42;
		strbuf_addstr(&m.err, "e");
		proto_encode_store(&m, payload);
		proto_store_release(&m);
		break;
	}
	case MSG_STATUS_REPLY: {
		struct proto_status m = { 1, 2, 3, 4, 5, 6, (char *)"/s" };
		proto_encode_status(&m, payload);
		break;
	}
	case MSG_ERROR: {
		struct proto_error m = { (char *)"boom" };
		proto_encode_error(&m, payload);
		break;
	}
	default:
		break;
	}
}

static void test_compile_round_trip(void **state)
{
	struct strbuf payload = STRBUF_INIT, got = STRBUF_INIT, again = STRBUF_INIT;
	struct proto_compile m, d;

	(void)state;
	sample_compile(&m);
	proto_encode_compile(&m, &payload);
	transfer(MSG_COMPILE, &payload, &got);
	assert_int_equal(proto_decode_compile(got.buf, got.len, &d), 0);
	assert_vec_equal(&m.argv, &d.argv);
	assert_vec_equal(&m.env, &d.env);
	assert_string_equal(d.compiler, "/usr/bin/gcc");
	assert_string_equal(d.cwd, "/home/u/src");
	assert_int_equal(d.umask, 022);
	assert_int_equal(d.flags, PROTO_COLOR_WANTED);
	/* Symmetric: decoding then encoding gives the same bytes. */
	proto_encode_compile(&d, &again);
	assert_int_equal(again.len, payload.len);
	assert_memory_equal(again.buf, payload.buf, payload.len);
	proto_compile_release(&d);
	proto_compile_release(&m);

	/* The smallest compile: one argv word, empty strings and environment. */
	m = (struct proto_compile)PROTO_COMPILE_INIT;
	strvec_push(&m.argv, "");
	m.compiler = xstrdup("/cc");
	m.cwd = xstrdup("/");
	proto_encode_compile(&m, &payload);
	transfer(MSG_COMPILE, &payload, &got);
	assert_int_equal(proto_decode_compile(got.buf, got.len, &d), 0);
	assert_int_equal(d.argv.nr, 1);
	assert_string_equal(d.argv.v[0], "");
	assert_int_equal(d.env.nr, 0);
	assert_int_equal(d.umask, 0);
	assert_int_equal(d.flags, 0);
	proto_compile_release(&d);
	proto_compile_release(&m);
	/* Released twice is harmless. */
	proto_compile_release(&m);
	strbuf_release(&payload);
	strbuf_release(&got);
	strbuf_release(&again);
}

static void test_hit_round_trip(void **state)
{
	struct strbuf payload = STRBUF_INIT, got = STRBUF_INIT;
	struct proto_hit m = PROTO_HIT_INIT, d;

	(void)state;
	/* 1 MiB of stdout, NUL bytes included, more than a socket buffer. */
	for (size_t i = 0; i < (1u << 20); i++)
		strbuf_addch(&m.out, (int)(i * 7 % 256));
	strbuf_addstr(&m.err, "a.c:3:1: warning: \033[1mbold\033[m\n");
	m.status = 0;
	proto_encode_hit(&m, &payload);
	transfer(MSG_HIT, &payload, &got);
	assert_int_equal(proto_decode_hit(got.buf, got.len, &d), 0);
	assert_int_equal(d.status, 0);
	assert_buf_equal(&m.out, &d.out);
	assert_buf_equal(&m.err, &d.err);
	proto_hit_release(&d);
	proto_hit_release(&m);

	/* Empty outputs and a negative status. */
	m.status = -1;
	proto_encode_hit(&m, &payload);
	transfer(MSG_HIT, &payload, &got);
	assert_int_equal(proto_decode_hit(got.buf, got.len, &d), 0);
	assert_int_equal(d.status, -1);
	assert_int_equal(d.out.len, 0);
	assert_int_equal(d.err.len, 0);
	assert_string_equal(d.out.buf, "");
	proto_hit_release(&d);
	strbuf_release(&payload);
	strbuf_release(&got);
}

static void test_miss_round_trip(void **state)
{
	struct strbuf payload = STRBUF_INIT, got = STRBUF_INIT;
	struct proto_miss m = PROTO_MISS_INIT, d;

	(void)state;
	m.token = 0xdeadbeefcafef00dULL;
	m.flags = PROTO_MISS_COLORED;
	strvec_pushv(&m.argv, (char *const *)sample_argv, ZC_ARRAY_SIZE(sample_argv));
	strvec_push(&m.argv, "-MD");
	strvec_push(&m.argv, "-fdiagnostics-color");
	m.depfile = xstrdup("/tmp/zccache/dep.12");
	proto_encode_miss(&m, &payload);
	transfer(MSG_MISS, &payload, &got);
	assert_int_equal(proto_decode_miss(got.buf, got.len, &d), 0);
	assert_true(d.token == 0xdeadbeefcafef00dULL);
	assert_int_equal(d.flags, PROTO_MISS_COLORED);
	assert_vec_equal(&m.argv, &d.argv);
	assert_string_equal(d.depfile, "/tmp/zccache/dep.12");
	proto_miss_release(&d);

	/* No depfile: a NULL is sent as "", decoded as "". */
	free(m.depfile);
	m.depfile = NULL;
	proto_encode_miss(&m, &payload);
	transfer(MSG_MISS, &payload, &got);
	assert_int_equal(proto_decode_miss(got.buf, got.len, &d), 0);
	assert_string_equal(d.depfile, "");
	proto_miss_release(&d);
	proto_miss_release(&m);
	strbuf_release(&payload);
	strbuf_release(&got);
}

static void test_small_round_trips(void **state)
{
	struct strbuf payload = STRBUF_INIT, got = STRBUF_INIT;
	struct proto_passthrough p = { 17 }, pd;
	struct proto_store s = PROTO_STORE_INIT, sd;
	struct proto_status st = { 4242, 1ULL << 40, 123456789, 100000, UINT64_MAX, 0,
				   (char *)"/run/user/1000/zccache/sock" },
			    std;
	struct proto_error e = { (char *)"cannot open 'x': No such file" }, ed;

	(void)state;
	proto_encode_passthrough(&p, &payload);
	transfer(MSG_PASSTHROUGH, &payload, &got);
	assert_int_equal(proto_decode_passthrough(got.buf, got.len, &pd), 0);
	assert_int_equal(pd.reason, 17);

	s.token = UINT64_MAX;
	s.status = 1;
	strbuf_addstr(&s.err, "a.c:1:1: error: expected ';'\n");
	proto_encode_store(&s, &payload);
	transfer(MSG_STORE, &payload, &got);
	assert_int_equal(proto_decode_store(got.buf, got.len, &sd), 0);
	assert_true(sd.token == UINT64_MAX);
	assert_int_equal(sd.status, 1);
	assert_buf_equal(&s.out, &sd.out);
	assert_buf_equal(&s.err, &sd.err);
	proto_store_release(&sd);
	proto_store_release(&s);

	proto_encode_status(&st, &payload);
	transfer(MSG_STATUS_REPLY, &payload, &got);
	assert_int_equal(proto_decode_status(got.buf, got.len, &std), 0);
	assert_int_equal(std.pid, 4242);
	assert_true(std.uptime_ms == 1ULL << 40);
	assert_true(std.rss_bytes == 123456789);
	assert_true(std.entries == 100000);
	assert_true(std.hits == UINT64_MAX);
	assert_true(std.misses == 0);
	assert_string_equal(std.socket, st.socket);
	proto_status_release(&std);

	proto_encode_error(&e, &payload);
	transfer(MSG_ERROR, &payload, &got);
	assert_int_equal(proto_decode_error(got.buf, got.len, &ed), 0);
	assert_string_equal(ed.message, e.message);
	proto_error_release(&ed);
	e.message = NULL;
	proto_encode_error(&e, &payload);
	transfer(MSG_ERROR, &payload, &got);
	assert_int_equal(proto_decode_error(got.buf, got.len, &ed), 0);
	assert_string_equal(ed.message, "");
	proto_error_release(&ed);

	/* The empty messages, with a NULL and with an empty payload. */
	transfer(MSG_ACK, NULL, &got);
	assert_int_equal(proto_decode_empty(got.buf, got.len), 0);
	strbuf_reset(&payload);
	transfer(MSG_STATUS, &payload, &got);
	transfer(MSG_STOP, NULL, &got);
	assert_int_equal(proto_decode_empty(got.buf, got.len), 0);
	assert_int_equal(proto_decode_empty("x", 1), -1);
	strbuf_release(&payload);
	strbuf_release(&got);
}

/* A whole miss on one connection: compile, miss, store, ack, then EOF. */
static void test_miss_exchange(void **state)
{
	struct strbuf payload = STRBUF_INIT;
	struct proto_compile c;
	struct proto_miss miss = PROTO_MISS_INIT;
	struct proto_store store = PROTO_STORE_INIT;
	uint32_t type, version;
	int sv[2];

	(void)state;
	pair(sv);
	sample_compile(&c);
	proto_encode_compile(&c, &payload);
	assert_int_equal(proto_write_frame(sv[0], MSG_COMPILE, &payload), 0);
	proto_compile_release(&c);
	assert_int_equal(proto_read_frame(sv[1], &type, &payload, &version), 0);
	assert_int_equal(type, MSG_COMPILE);
	assert_int_equal(proto_decode_compile(payload.buf, payload.len, &c), 0);

	miss.token = 7;
	strvec_pushv(&miss.argv, c.argv.v, c.argv.nr);
	proto_encode_miss(&miss, &payload);
	assert_int_equal(proto_write_frame(sv[1], MSG_MISS, &payload), 0);
	proto_miss_release(&miss);
	assert_int_equal(proto_read_frame(sv[0], &type, &payload, &version), 0);
	assert_int_equal(type, MSG_MISS);
	assert_int_equal(proto_decode_miss(payload.buf, payload.len, &miss), 0);
	assert_string_equal(proto_type_name(type), "miss");

	store.token = miss.token;
	proto_encode_store(&store, &payload);
	assert_int_equal(proto_write_frame(sv[0], MSG_STORE, &payload), 0);
	assert_int_equal(proto_read_frame(sv[1], &type, &payload, &version), 0);
	assert_int_equal(type, MSG_STORE);
	assert_int_equal(proto_decode_store(payload.buf, payload.len, &store), 0);
	assert_true(store.token == 7);
	assert_int_equal(proto_write_frame(sv[1], MSG_ACK, NULL), 0);
	assert_int_equal(proto_read_frame(sv[0], &type, &payload, &version), 0);
	assert_int_equal(type, MSG_ACK);
	assert_int_equal(payload.len, 0);

	close(sv[0]);
	assert_int_equal(proto_read_frame(sv[1], &type, &payload, &version), PROTO_EOF);
	close(sv[1]);
	proto_compile_release(&c);
	proto_miss_release(&miss);
	proto_store_release(&store);
	strbuf_release(&payload);
}

static void raw_header(unsigned char *h, const char *magic, uint32_t version, uint32_t type,
		       uint32_t len)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add(&sb, magic, 4);
	strbuf_add_u32(&sb, version);
	strbuf_add_u32(&sb, type);
	strbuf_add_u32(&sb, len);
	memcpy(h, sb.buf, PROTO_HEADER_SIZE);
	strbuf_release(&sb);
}

/* Writes raw bytes, closes the writing end and reads one frame. */
static int read_raw(const void *data, size_t len, uint32_t *version)
{
	struct strbuf payload = STRBUF_INIT;
	uint32_t type = 99;
	int sv[2], ret;

	pair(sv);
	assert_int_equal(write_in_full(sv[0], data, len), (ssize_t)len);
	close(sv[0]);
	ret = proto_read_frame(sv[1], &type, &payload, version);
	close(sv[1]);
	if (ret) {
		assert_int_equal(type, 0);
		assert_int_equal(payload.len, 0);
	}
	strbuf_release(&payload);
	return ret;
}

static void test_bad_frames(void **state)
{
	unsigned char h[PROTO_HEADER_SIZE + 4];
	uint32_t version = 0;

	(void)state;
	raw_header(h, "ZCP1", PROTO_VERSION, MSG_ACK, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), 0);
	assert_int_equal(version, PROTO_VERSION);

	raw_header(h, "ZCP2", PROTO_VERSION, MSG_ACK, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), -1);
	raw_header(h, "GET ", PROTO_VERSION, MSG_ACK, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), -1);

	/* Another version: told apart, with the peer's version, whatever follows. */
	raw_header(h, "ZCP1", PROTO_VERSION + 1, MSG_ACK, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), PROTO_VERSION_MISMATCH);
	assert_int_equal(version, PROTO_VERSION + 1);
	raw_header(h, "ZCP1", 0, 12345, 0xffffffff);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), PROTO_VERSION_MISMATCH);
	assert_int_equal(version, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, NULL), PROTO_VERSION_MISMATCH);

	/* Unknown types. */
	raw_header(h, "ZCP1", PROTO_VERSION, 0, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), -1);
	raw_header(h, "ZCP1", PROTO_VERSION, PROTO_MAX_TYPE + 1, 0);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), -1);
	assert_string_equal(proto_type_name(PROTO_MAX_TYPE + 1), "unknown");

	/* A length over the cap is refused before anything is allocated. */
	raw_header(h, "ZCP1", PROTO_VERSION, MSG_HIT, PROTO_MAX_FRAME + 1);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), -1);
	raw_header(h, "ZCP1", PROTO_VERSION, MSG_HIT, 0xffffffff);
	assert_int_equal(read_raw(h, PROTO_HEADER_SIZE, &version), -1);
	/* A length at the cap with 4 bytes behind it: truncated. */
	raw_header(h, "ZCP1", PROTO_VERSION, MSG_HIT, PROTO_MAX_FRAME);
	memcpy(h + PROTO_HEADER_SIZE, "abcd", 4);
	assert_int_equal(read_raw(h, sizeof(h), &version), -1);
}

/* A peer that closes after any number of bytes of a frame: EOF before the
 * first byte, an error after it, never a hang or a crash. */
static void test_peer_closes_mid_frame(void **state)
{
	struct strbuf payload = STRBUF_INIT, frame = STRBUF_INIT, got = STRBUF_INIT;
	uint32_t type, version;
	int sv[2];

	(void)state;
	sample_payload(MSG_COMPILE, &payload);
	/* Capture a real frame's bytes. */
	pair(sv);
	assert_int_equal(proto_write_frame(sv[0], MSG_COMPILE, &payload), 0);
	close(sv[0]);
	strbuf_grow(&frame, PROTO_HEADER_SIZE + payload.len);
	assert_int_equal(read_in_full(sv[1], frame.buf, PROTO_HEADER_SIZE + payload.len + 1),
			 (ssize_t)(PROTO_HEADER_SIZE + payload.len));
	strbuf_setlen(&frame, PROTO_HEADER_SIZE + payload.len);
	close(sv[1]);
	assert_memory_equal(frame.buf, "ZCP1", 4);
	assert_int_equal(frame.buf[4], PROTO_VERSION);
	assert_memory_equal(frame.buf + 5, "\0\0\0\1\0\0\0", 7);

	assert_int_equal(read_raw(frame.buf, 0, &version), PROTO_EOF);
	for (size_t cut = 1; cut < frame.len; cut++)
		assert_int_equal(read_raw(frame.buf, cut, &version), -1);
	assert_int_equal(read_raw(frame.buf, frame.len, &version), 0);

	/* proto_read_frame replaces the payload, even after a failure. */
	strbuf_addstr(&got, "stale");
	pair(sv);
	close(sv[0]);
	assert_int_equal(proto_read_frame(sv[1], &type, &got, &version), PROTO_EOF);
	assert_int_equal(got.len, 0);
	close(sv[1]);
	strbuf_release(&payload);
	strbuf_release(&frame);
	strbuf_release(&got);
}

/* Writing to a peer that went away fails (no SIGPIPE kills the test). */
static void test_write_errors(void **state)
{
	struct strbuf payload = STRBUF_INIT;
	struct strbuf huge = { 0, (size_t)PROTO_MAX_FRAME + 1, strbuf_empty };
	uint32_t type;
	int sv[2];

	(void)state;
	sample_payload(MSG_HIT, &payload);
	pair(sv);
	close(sv[1]);
	assert_int_equal(proto_write_frame(sv[0], MSG_HIT, &payload), -1);
	assert_int_equal(proto_write_frame(sv[0], MSG_ACK, NULL), -1);
	close(sv[0]);

	/* Too large to send: refused before a byte is written (or read). */
	pair(sv);
	assert_int_equal(proto_write_frame(sv[0], MSG_HIT, &huge), -1);
	close(sv[0]);
	assert_int_equal(proto_read_frame(sv[1], &type, &payload, NULL), PROTO_EOF);
	close(sv[1]);
	strbuf_release(&payload);
}

static const uint32_t all_types[] = {
	MSG_COMPILE, MSG_HIT,  MSG_MISS, MSG_PASSTHROUGH, MSG_STORE,
	MSG_ACK,     MSG_STATUS, MSG_STATUS_REPLY, MSG_STOP, MSG_ERROR,
};

/* Decodes a copy in a buffer of exactly len bytes, so that a decoder that
 * reads one byte too far trips AddressSanitizer. */
static int decode_exact(uint32_t type, const char *data, size_t len)
{
	char *copy = xmalloc(len);
	int ret;

	if (len)
		memcpy(copy, data, len);
	ret = decode_any(type, copy, len);
	free(copy);
	return ret;
}

static void test_truncated_and_trailing(void **state)
{
	struct strbuf payload = STRBUF_INIT;

	(void)state;
	for (size_t t = 0; t < ZC_ARRAY_SIZE(all_types); t++) {
		uint32_t type = all_types[t];

		sample_payload(type, &payload);
		assert_int_equal(decode_exact(type, payload.buf, payload.len), 0);
		for (size_t cut = 0; cut < payload.len; cut++)
			assert_int_equal(decode_exact(type, payload.buf, cut), -1);
		strbuf_addch(&payload, 0);
		assert_int_equal(decode_exact(type, payload.buf, payload.len), -1);
	}
	assert_int_equal(decode_any(MSG_COMPILE, NULL, 0), -1);
	strbuf_release(&payload);
}

/* Overwrites the u32 at off. */
static void poke_u32(struct strbuf *sb, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		sb->buf[off + (size_t)i] = (char)(v >> (8 * i));
}

/* Offsets in the sample compile: flags 0, umask 4, compiler 8 ("/usr/bin/gcc",
 * 12 bytes), cwd 24 ("/home/u/src", 11 bytes), argv count 39, argv[0] 43. */
static void test_forged_lengths(void **state)
{
	struct strbuf payload = STRBUF_INIT;
	static const uint32_t forged[] = { 0xffffffff, 0x80000000, 0x7fffffff, 1u << 20, 1000 };

	(void)state;
	sample_payload(MSG_COMPILE, &payload);
	assert_memory_equal(payload.buf + 12, "/usr/bin/gcc", 12);
	for (size_t i = 0; i < ZC_ARRAY_SIZE(forged); i++) {
		struct strbuf copy = STRBUF_INIT;
		static const size_t offsets[] = { 8, 24, 39, 43 };

		for (size_t o = 0; o < ZC_ARRAY_SIZE(offsets); o++) {
			strbuf_reset(&copy);
			strbuf_add(&copy, payload.buf, payload.len);
			poke_u32(&copy, offsets[o], forged[i]);
			assert_int_equal(decode_exact(MSG_COMPILE, copy.buf, copy.len), -1);
		}
		strbuf_release(&copy);
	}

	/* A count that could fit only if strings took no bytes. */
	strbuf_reset(&payload);
	strbuf_add_u64(&payload, 1); /* token */
	strbuf_add_u32(&payload, 0); /* flags */
	strbuf_add_u32(&payload, 0); /* depfile "" */
	strbuf_add_u32(&payload, 4); /* argv: 4 strings, in the room of 3 */
	strbuf_add_u32(&payload, 0);
	strbuf_add_u32(&payload, 0);
	strbuf_add_u32(&payload, 0);
	assert_int_equal(decode_exact(MSG_MISS, payload.buf, payload.len), -1);
	poke_u32(&payload, 16, 3);
	assert_int_equal(decode_exact(MSG_MISS, payload.buf, payload.len), 0);

	/* stdout longer than the payload. */
	strbuf_reset(&payload);
	strbuf_add_u32(&payload, 0);
	strbuf_add_u32(&payload, 0xfffffff0);
	strbuf_addstr(&payload, "xy");
	strbuf_add_u32(&payload, 0);
	assert_int_equal(decode_exact(MSG_HIT, payload.buf, payload.len), -1);
	strbuf_release(&payload);
}

static void compile_with(void (*change)(struct proto_compile *), int expected)
{
	struct strbuf payload = STRBUF_INIT;
	struct proto_compile m;

	sample_compile(&m);
	change(&m);
	proto_encode_compile(&m, &payload);
	assert_int_equal(decode_exact(MSG_COMPILE, payload.buf, payload.len), expected);
	proto_compile_release(&m);
	strbuf_release(&payload);
}

static void unknown_flag(struct proto_compile *m) { m->flags |= 1u << 5; }
static void big_umask(struct proto_compile *m) { m->umask = 01000; }
static void full_umask(struct proto_compile *m) { m->umask = 0777; }
static void no_argv(struct proto_compile *m) { strvec_clear(&m->argv); }
static void relative_compiler(struct proto_compile *m)
{
	free(m->compiler);
	m->compiler = xstrdup("gcc");
}
static void empty_cwd(struct proto_compile *m)
{
	free(m->cwd);
	m->cwd = NULL;
}

static void test_invalid_fields(void **state)
{
	struct strbuf payload = STRBUF_INIT;
	size_t at;

	(void)state;
	compile_with(unknown_flag, -1);
	compile_with(big_umask, -1);
	compile_with(full_umask, 0);
	compile_with(no_argv, -1);
	compile_with(relative_compiler, -1);
	compile_with(empty_cwd, -1);

	/* A NUL inside a string would make the C string lie: refused. */
	sample_payload(MSG_COMPILE, &payload);
	at = (size_t)((char *)memmem(payload.buf, payload.len, "a.c", 3) - payload.buf);
	payload.buf[at + 1] = '\0';
	assert_int_equal(decode_exact(MSG_COMPILE, payload.buf, payload.len), -1);
	sample_payload(MSG_ERROR, &payload);
	payload.buf[payload.len - 1] = '\0';
	assert_int_equal(decode_exact(MSG_ERROR, payload.buf, payload.len), -1);
	/* ... but stdout may hold anything. */
	sample_payload(MSG_HIT, &payload);
	payload.buf[9] = '\0';
	assert_int_equal(decode_exact(MSG_HIT, payload.buf, payload.len), 0);

	/* A miss must say what to run. */
	strbuf_reset(&payload);
	strbuf_add_u64(&payload, 1);
	strbuf_add_u32(&payload, 0);
	strbuf_add_u32(&payload, 0);
	assert_int_equal(decode_exact(MSG_MISS, payload.buf, payload.len), -1);
	strbuf_release(&payload);
}

/* Random corruption of every message: any result but a crash, a leak or an
 * over-read (run under the sanitizers to see the last two). */
static void test_random_corruption(void **state)
{
	struct strbuf payload = STRBUF_INIT, copy = STRBUF_INIT;
	unsigned int seed = 12345;

	(void)state;
	for (size_t t = 0; t < ZC_ARRAY_SIZE(all_types); t++) {
		sample_payload(all_types[t], &payload);
		for (int round = 0; round < 2000 && payload.len; round++) {
			int flips = 1 + rand_r(&seed) % 4;

			strbuf_reset(&copy);
			strbuf_add(&copy, payload.buf, payload.len);
			for (int f = 0; f < flips; f++)
				copy.buf[(size_t)rand_r(&seed) % copy.len] = (char)rand_r(&seed);
			decode_exact(all_types[t], copy.buf, copy.len);
		}
	}
	strbuf_release(&payload);
	strbuf_release(&copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_round_trip),
		cmocka_unit_test(test_hit_round_trip),
		cmocka_unit_test(test_miss_round_trip),
		cmocka_unit_test(test_small_round_trips),
		cmocka_unit_test(test_miss_exchange),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_peer_closes_mid_frame),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_forged_lengths),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
