#include "../util/compat.h"
#include "serve.h"
#include "../cache/cache.h"
#include "../cache/factmemo.h"
#include "../cache/manifestmemo.h"
#include "../cache/scanmemo.h"
#include "../compiler/compiler.h"
#include "../compiler/rspfile.h"
#include "../hash/filememo.h"
#include "../stats/stats.h"
#include "../util/fs.h"
#include "../util/load.h"
#include "../util/log.h"
#include "../util/spawn.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* How often a record that waits for a free CPU looks again, and how many
 * looks in a row must find one: between two compiles of a parallel build a
 * CPU is free for a moment, and a record started then would take the next
 * compile's time. */
#define STORE_BUSY_POLL_MS 10
#define STORE_FREE_POLLS 3

struct pending_miss {
	uint64_t token;
	pid_t client;          /* who was told to compile */
	time_t created;
	struct config cfg;     /* the client's settings */
	struct store store;    /* opened with them */
	struct invocation inv;
	struct cache cache;
	struct digest key;
	struct strbuf depfile; /* ours, in the store's tmp dir, or empty */
	struct run_result run; /* what the client replayed, once it is back */
	int64_t queued_at;     /* CLOCK_MONOTONIC ms, when queued for its record */
	char family_counter[64];
	struct pending_miss *next;
};

static void *store_thread(void *arg);
static void record_miss(struct server *s, struct pending_miss *m);
static struct pending_miss *claim_queued(struct server *s, const struct digest *key);

int server_init(struct server *s, const struct config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	/* Tokens unique across daemons too: a client of a daemon that was
	 * replaced must not hand its result to a miss of the new one. */
	if (getrandom(&s->next_token, sizeof(s->next_token), 0) != sizeof(s->next_token))
		s->next_token = ((uint64_t)time(NULL) << 32) ^ ((uint64_t)getpid() << 12);
	s->memo = file_memo_new();
	s->scans = scan_memo_new();
	s->facts = fact_memo_new();
	s->manifests = manifest_memo_new();
	s->unflushed = (struct stats)STATS_INIT;
	s->flushed_at = monotonic_ms();
	struct stats known = STATS_INIT;
	if (stats_read(cfg->cache_dir, &known) == 0)
		s->cache_bytes = known.value[STAT_CACHE_BYTES];
	stats_release(&known);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&s->queue_cond, &monotonic);
	pthread_cond_init(&s->idle_cond, &monotonic);
	pthread_condattr_destroy(&monotonic);
	const char *busy = getenv("ZCCACHE_TEST_CPUS_BUSY");
	s->always_busy = busy && *busy && strcmp(busy, "0");
	if (pending_init(&s->pending) < 0)
		return error("cannot set up the pending-writes registry");
	/* Without a store thread every miss is recorded before its ACK. */
	s->threaded = pthread_create(&s->thread, NULL, store_thread, s) == 0;
	if (!s->threaded)
		zlog("daemon: no store thread: stores are synchronous");
	return 0;
}

static void miss_free(struct pending_miss *m)
{
	if (m->depfile.len)
		unlink_if_exists(m->depfile.buf);
	strbuf_release(&m->depfile);
	run_result_release(&m->run);
	cache_release(&m->cache);
	invocation_release(&m->inv);
	store_release(&m->store);
	config_release(&m->cfg);
	free(m);
}

void server_release(struct server *s)
{
	if (s->threaded) {
		/* The queued stores are finished first: nothing is lost. */
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->queue_cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		s->threaded = false;
	}
	server_flush(s);
	for (size_t i = 0; i < s->graves.nr; i++)
		unlink_if_exists(s->graves.v[i]);
	strvec_clear(&s->graves);
	pending_release(&s->pending);
	pthread_cond_destroy(&s->queue_cond);
	pthread_cond_destroy(&s->idle_cond);
	pthread_mutex_destroy(&s->lock);
	stats_release(&s->unflushed);
	file_memo_free(s->memo);
	scan_memo_free(s->scans);
	fact_memo_free(s->facts);
	manifest_memo_free(s->manifests);
	while (s->misses) {
		struct pending_miss *next = s->misses->next;
		miss_free(s->misses);
		s->misses = next;
	}
}

static void reply(int fd, uint32_t type, const struct strbuf *payload)
{
	if (proto_write_frame(fd, type, payload) < 0)
		zlog("daemon: cannot send a %s reply", proto_type_name(type));
}

static void reply_error(int fd, const char *message)
{
	struct proto_error e = { (char *)message };
	struct strbuf payload = STRBUF_INIT;

	proto_encode_error(&e, &payload);
	reply(fd, MSG_ERROR, &payload);
	strbuf_release(&payload);
}

/* Counts in memory; server_flush() adds the sums to the stats file, at
 * once when the stores since the last flush took the cache past its size
 * (so that it is trimmed then, not up to a flush interval later). */
static void bump(struct server *s, const struct store *st, const struct stats_delta *d)
{
	pthread_mutex_lock(&s->lock);
	stats_accumulate(&s->unflushed, d);
	s->max_size = st->max_size;
	s->dirty = true;
	bool over = s->max_size &&
		    s->cache_bytes + s->unflushed.value[STAT_CACHE_BYTES] > (int64_t)s->max_size;
	pthread_mutex_unlock(&s->lock);
	if (over)
		server_flush(s);
}

/* The replaced outputs of hits are unlinked by the store thread, after
 * the client has its answer. */
static void bury(struct server *s, struct strvec *graves)
{
	if (!graves->nr)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->threaded) {
		for (size_t i = 0; i < graves->nr; i++)
			strvec_push(&s->graves, graves->v[i]);
		strvec_clear(graves);
		pthread_cond_signal(&s->queue_cond);
	}
	pthread_mutex_unlock(&s->lock);
	/* Without a thread, cache_release() unlinks them. */
}

void server_flush(struct server *s)
{
	struct stats after = STATS_INIT;
	struct store st = { 0 };

	pthread_mutex_lock(&s->lock);
	if (!s->dirty) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	int rc = stats_bump_sums(s->cfg->cache_dir, &s->unflushed, &after);
	if (rc == 0) {
		s->cache_bytes = after.value[STAT_CACHE_BYTES];
		stats_release(&s->unflushed);
		s->unflushed = (struct stats)STATS_INIT;
		s->dirty = false;
	}
	s->flushed_at = monotonic_ms(); /* a failed flush is tried again later */
	/* Flushes run on any thread: one trim at a time is enough. */
	uint64_t max_size = s->max_size;
	bool trim = rc == 0 && max_size && after.value[STAT_CACHE_BYTES] > (int64_t)max_size &&
		    !s->trimming;
	if (trim)
		s->trimming = true;
	pthread_mutex_unlock(&s->lock);
	if (rc < 0) {
		zlog("daemon: cannot update the stats: %s", last_error());
		goto out;
	}
	if (trim && store_open(&st, s->cfg) == 0) {
		int64_t bytes, files;
		if (store_trim(&st, max_size / 10 * 9, &bytes, &files) == 0 &&
		    stats_set_size(s->cfg->cache_dir, bytes, files) == 0) {
			pthread_mutex_lock(&s->lock);
			s->cache_bytes = bytes;
			pthread_mutex_unlock(&s->lock);
		}
		store_release(&st);
	}
	if (trim) {
		pthread_mutex_lock(&s->lock);
		s->trimming = false;
		pthread_mutex_unlock(&s->lock);
	}
out:
	stats_release(&after);
}

int server_tick(struct server *s)
{
	int64_t due = -1;

	pthread_mutex_lock(&s->lock);
	if (s->dirty)
		due = s->flushed_at + STATS_FLUSH_MS - monotonic_ms();
	bool waiting = s->dirty;
	pthread_mutex_unlock(&s->lock);
	if (!waiting)
		return -1;
	if (due <= 0) {
		server_flush(s);
		return -1;
	}
	return (int)due;
}

bool server_expecting(struct server *s)
{
	time_t now = time(NULL);
	bool expecting = false;

	pthread_mutex_lock(&s->lock);
	for (const struct pending_miss *m = s->misses; m && !expecting; m = m->next)
		expecting = now - m->created <= MISS_TTL_SECONDS &&
			    (kill(m->client, 0) == 0 || errno == EPERM);
	pthread_mutex_unlock(&s->lock);
	return expecting;
}

/* Drops misses whose client never came back. */
static void expire_misses(struct server *s)
{
	time_t now = time(NULL);
	struct pending_miss *dead = NULL;

	pthread_mutex_lock(&s->lock);
	for (struct pending_miss **p = &s->misses; *p;) {
		if (now - (*p)->created > MISS_TTL_SECONDS) {
			struct pending_miss *m = *p;
			*p = m->next;
			m->next = dead;
			dead = m;
		} else {
			p = &(*p)->next;
		}
	}
	pthread_mutex_unlock(&s->lock);
	while (dead) {
		struct pending_miss *next = dead->next;
		miss_free(dead);
		dead = next;
	}
}

void server_compile(struct server *s, const struct proto_compile *req, int fd, pid_t peer)
{
	struct pending_miss *m = xcalloc(1, sizeof(*m));
	struct invocation *inv = &m->inv;
	struct run_result replay = { STRBUF_INIT, STRBUF_INIT, 0 };
	struct strbuf payload = STRBUF_INIT;
	struct stats_delta delta = { 0 };
	char counter[64];

	expire_misses(s);
	strbuf_init(&m->depfile, 0);
	strbuf_init(&m->run.out, 0);
	strbuf_init(&m->run.err, 0);
	/* The client's own settings: ZCCACHE_RECACHE, _LOGFILE, ... apply per
	 * compile. The cache directory is the daemon's by construction (the
	 * socket is named after it); anything else is refused. */
	/* In the compile's directory first: a relative ZCCACHE_DIR is the
	 * compile's. */
	if (chdir(req->cwd) < 0 || config_load_env(&m->cfg, req->env.v) < 0 || m->cfg.disable ||
	    !m->cfg.cache_dir || strcmp(m->cfg.cache_dir, s->cfg->cache_dir) ||
	    store_open(&m->store, &m->cfg) < 0) {
		reply_error(fd, "the daemon cannot serve this compile");
		goto drop;
	}
	log_open(m->cfg.log_file);
	invocation_init(inv);
	inv->compiler = xstrdup(req->compiler);
	inv->cwd = xstrdup(req->cwd);
	inv->umask = req->umask;
	strvec_pushv(&inv->env, req->env.v, req->env.nr);
	strvec_push(&inv->orig_argv, req->compiler);
	strvec_pushv(&inv->orig_argv, req->argv.v + 1, req->argv.nr - 1);
	inv->real_compiler = realpath(req->compiler, NULL);
	inv->family = family_for(req->argv.v[0], inv->real_compiler ? inv->real_compiler : req->compiler);
	if (expand_response_files(req->argv.v, req->argv.nr, &inv->args) < 0)
		inv->uncacheable = STAT_UNC_BAD_RESPONSE_FILE;
	else if (inv->family->analyse(inv) < 0)
		inv->uncacheable = STAT_ERR_INTERNAL;
	if (inv->uncacheable) {
		struct proto_passthrough pt = { (uint32_t)inv->uncacheable };
		zlog("running the compiler unchanged: %s", stat_label(inv->uncacheable));
		stats_delta_add(&delta, inv->uncacheable, 1);
		bump(s, &m->store, &delta);
		proto_encode_passthrough(&pt, &payload);
		reply(fd, MSG_PASSTHROUGH, &payload);
		goto drop;
	}
	cache_init(&m->cache, &m->store, &m->cfg);
	/* What changed before the client started is known from here on. */
	file_memo_sync(s->memo);
	m->cache.memo = s->memo;
	m->cache.scans = s->scans;
	m->cache.facts = s->facts;
	m->cache.manifests = s->manifests;
	m->cache.graveyard = m->store.tmp_dir;
	if (cache_direct_key(&m->cache, inv, &m->key) < 0) {
		if (inv->uncacheable) {
			struct proto_passthrough pt = { (uint32_t)inv->uncacheable };
			stats_delta_add(&delta, inv->uncacheable, 1);
			bump(s, &m->store, &delta);
			proto_encode_passthrough(&pt, &payload);
			reply(fd, MSG_PASSTHROUGH, &payload);
		} else {
			reply_error(fd, "cannot compute the key");
		}
		goto drop;
	}
	enum lookup_result found = cache_lookup(&m->cache, inv, &m->key, &replay);
	struct pending_miss *queued = found == LOOKUP_MISS ? claim_queued(s, &m->key) : NULL;
	if (queued) {
		/* Its record waits for a free CPU; this compile needs it now.
		 * It logs to its own compile's log meanwhile. */
		log_close();
		record_miss(s, queued);
		pthread_mutex_lock(&s->lock);
		s->claimed--;
		pthread_cond_broadcast(&s->idle_cond);
		pthread_mutex_unlock(&s->lock);
		if (chdir(req->cwd) < 0) {
			reply_error(fd, "the daemon cannot serve this compile");
			goto drop;
		}
		log_open(m->cfg.log_file);
		run_result_release(&replay);
		found = cache_lookup(&m->cache, inv, &m->key, &replay);
	}
	if (found == LOOKUP_MISS &&
	    pending_wait(&s->pending, &m->key, PENDING_MAX_WAIT_MS) != PENDING_NOT_PENDING) {
		/* The same compile is being stored: it may be there now. */
		run_result_release(&replay);
		found = cache_lookup(&m->cache, inv, &m->key, &replay);
	}
	if (found == LOOKUP_HIT) {
		if (!(req->flags & PROTO_COLOR_WANTED) && !inv->color_explicit &&
		    memchr(replay.err.buf, '\033', replay.err.len)) {
			/* Stored in colour, replayed where none is wanted. */
			struct strbuf plain = STRBUF_INIT;
			strip_terminal_escapes(&replay.err, &plain);
			strbuf_release(&replay.err);
			replay.err = plain;
		}
		struct proto_hit hit = { replay.status, replay.out, replay.err };
		s->hits++;
		stats_delta_add(&m->cache.delta, STAT_HIT, 1);
		snprintf(counter, sizeof(counter), "%s.hits", inv->family->name);
		stats_delta_family(&m->cache.delta, counter);
		bump(s, &m->store, &m->cache.delta);
		proto_encode_hit(&hit, &payload);
		reply(fd, MSG_HIT, &payload);
		bury(s, &m->cache.graves);
		goto drop;
	}
	if (!m->store.writable) {
		/* Read-only: nothing to store, the client runs the compile. */
		struct proto_passthrough pt = { 0 };
		zlog("miss, and not storing: %s", m->store.not_writable);
		stats_delta_add(&m->cache.delta, STAT_MISS, 1);
		snprintf(counter, sizeof(counter), "%s.misses", inv->family->name);
		stats_delta_family(&m->cache.delta, counter);
		bump(s, &m->store, &m->cache.delta);
		proto_encode_passthrough(&pt, &payload);
		reply(fd, MSG_PASSTHROUGH, &payload);
		goto drop;
	}
	/* A miss: the client compiles and comes back with STORE. */
	pthread_mutex_lock(&s->lock);
	struct proto_miss miss = { .token = ++s->next_token, .argv = STRVEC_INIT };
	pthread_mutex_unlock(&s->lock);
	if (!inv->user_depfile || inv->depfile_partial) {
		int dfd = create_temp_file(m->store.tmp_dir, "dep.", &m->depfile);
		if (dfd < 0) {
			reply_error(fd, "cannot create a temporary file");
			goto drop;
		}
		close(dfd);
	}
	inv->family->miss_argv(inv, inv->user_depfile ? NULL : m->depfile.buf, &miss.argv);
	miss.flags = inv->color_explicit ? 0 : PROTO_MISS_COLORED;
	miss.depfile = m->depfile.buf;
	proto_encode_miss(&miss, &payload);
	strvec_clear(&miss.argv);
	m->token = miss.token;
	m->client = peer;
	m->created = time(NULL);
	snprintf(m->family_counter, sizeof(m->family_counter), "%s.misses", inv->family->name);
	pthread_mutex_lock(&s->lock);
	m->next = s->misses;
	s->misses = m;
	pthread_mutex_unlock(&s->lock);
	reply(fd, MSG_MISS, &payload);
	m = NULL;
drop:
	if (m)
		miss_free(m);
	log_close();
	run_result_release(&replay);
	strbuf_release(&payload);
}

/* Records one miss; on the store thread (or inline when there is none). */
static void record_miss(struct server *s, struct pending_miss *m)
{
	struct invocation *inv = &m->inv;
	const char *reported = inv->user_depfile && !inv->depfile_partial ? inv->user_depfile
									  : m->depfile.buf;
	bool ok = true;

	log_open(m->cfg.log_file);
	if (chdir(inv->cwd) < 0) {
		zlog("daemon: cannot change to '%s': not stored", inv->cwd);
		goto out;
	}
	if (inv->depfile_partial) {
		struct strvec argv = STRVEC_INIT;
		struct run_result deps = { STRBUF_INIT, STRBUF_INIT, 0 };
		inv->family->full_deps_argv(inv, m->depfile.buf, &argv);
		ok = run_capture(argv.v, inv->env.v, &deps) == 0 && exit_code_of(deps.status) == 0;
		run_result_release(&deps);
		strvec_clear(&argv);
	}
	/* What the inputs went through until now (the compile, and the pass
	 * above that listed them) is known: a header changed meanwhile has
	 * been forgotten, and is read again with its new stat data. */
	file_memo_sync(s->memo);
	if (!ok || cache_record(&m->cache, inv, &m->key, &m->run, reported) != 1) {
		stats_delta_add(&m->cache.delta, STAT_MISS, 1);
		stats_delta_family(&m->cache.delta, m->family_counter);
	}
	bump(s, &m->store, &m->cache.delta);
out:
	/* Published or failed: either way, waiters look again. */
	pending_complete(&s->pending, &m->key);
	log_close();
	miss_free(m);
	/* Never keep a compile's directory (or its mount) busy. */
	if (chdir("/") < 0)
		zlog("daemon: cannot change to /");
}

/* Takes key's miss out of the store thread's queue, or NULL when it is not
 * queued (never handed back, or its record already runs). */
static struct pending_miss *claim_queued(struct server *s, const struct digest *key)
{
	struct pending_miss **p, *m = NULL;

	pthread_mutex_lock(&s->lock);
	for (p = &s->queue; *p && !digest_equal(&(*p)->key, key);)
		p = &(*p)->next;
	if (*p) {
		m = *p;
		*p = m->next;
		m->next = NULL;
		s->queue_len--;
		s->claimed++; /* server_quiesce() waits for it too */
	}
	pthread_mutex_unlock(&s->lock);
	return m;
}

/* The store thread's looks at the machine's load. */
struct load_looks {
	int free_in_row;  /* looks in a row that found a CPU free */
	int64_t last_ms;  /* CLOCK_MONOTONIC, of the last look */
};

/*
 * Whether the record at the head of the queue should wait for a free CPU
 * (called and returning with s->lock held; it is let go meanwhile). A
 * record starts after STORE_FREE_POLLS looks in a row, at least
 * STORE_BUSY_POLL_MS apart, found a CPU free (a wake-up between two looks,
 * a STORE just come in, does not count as one); then the records run one
 * after another while each look still finds one. In a
 * parallel build the compiles keep every CPU busy, and a record run then
 * takes its time from them: the build ends later by the daemon's work.
 * Waiting, the records run in the gaps and once the build is done. Never
 * while stopping or someone waits for the queue to empty, nor for the
 * oldest record past STORE_DEFER_MAX_MS or a queue of
 * STORE_DEFER_MAX_QUEUE (memory, and a cache that would never fill on a
 * machine always busy). A lookup that needs a queued record takes it
 * (claim_queued()).
 */
static bool record_waits(struct server *s, struct load_looks *looks)
{
	int64_t now = monotonic_ms();

	if (s->stopping || s->draining || s->queue_len >= STORE_DEFER_MAX_QUEUE ||
	    now - s->queue->queued_at >= STORE_DEFER_MAX_MS)
		return false;
	if (s->always_busy)
		return true;
	if (looks->free_in_row > 0 && looks->free_in_row < STORE_FREE_POLLS &&
	    now - looks->last_ms < STORE_BUSY_POLL_MS)
		return true; /* too soon for the next look */
	pthread_mutex_unlock(&s->lock);
	bool busy = cpus_all_busy();
	pthread_mutex_lock(&s->lock);
	looks->last_ms = now;
	looks->free_in_row = busy ? 0 : looks->free_in_row + 1;
	return looks->free_in_row < STORE_FREE_POLLS && s->queue && !s->stopping && !s->draining;
}

static void *store_thread(void *arg)
{
	struct server *s = arg;

	/* A working directory of its own: each store changes into its
	 * compile's directory while the workers serve others. */
	if (unshare(CLONE_FS) < 0) {
		zlog("daemon: no private working directory for the store thread: %s",
		     strerror(errno));
		pthread_mutex_lock(&s->lock);
		s->threaded = false; /* stores are synchronous from now on */
		pthread_cond_broadcast(&s->idle_cond);
		pthread_mutex_unlock(&s->lock);
		return NULL;
	}
	struct load_looks looks = { 0, 0 };
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->queue && !s->graves.nr && !s->stopping) {
			looks.free_in_row = 0; /* the next miss is a compile just ended */
			pthread_cond_wait(&s->queue_cond, &s->lock);
		}
		if (s->graves.nr) {
			struct strvec graves = s->graves;
			s->graves = (struct strvec)STRVEC_INIT;
			pthread_mutex_unlock(&s->lock);
			for (size_t i = 0; i < graves.nr; i++)
				unlink_if_exists(graves.v[i]);
			strvec_clear(&graves);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		if (!s->queue)
			break; /* stopping, and nothing left to store */
		if (record_waits(s, &looks)) {
			/* Looked at again soon; woken at once to stop or drain. */
			struct timespec until;
			deadline_after(&until, STORE_BUSY_POLL_MS);
			pthread_cond_timedwait(&s->queue_cond, &s->lock, &until);
			continue;
		}
		if (!s->queue)
			continue; /* a lookup took it meanwhile */
		struct pending_miss *m = s->queue;
		s->queue = m->next;
		s->queue_len--;
		s->busy = true;
		pthread_mutex_unlock(&s->lock);
		record_miss(s, m);
		pthread_mutex_lock(&s->lock);
		s->busy = false;
		pthread_cond_broadcast(&s->idle_cond);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void server_quiesce(struct server *s)
{
	struct timespec until;

	deadline_after(&until, QUIESCE_MAX_MS);
	pthread_mutex_lock(&s->lock);
	s->draining++;
	pthread_cond_signal(&s->queue_cond);
	while ((s->queue || s->busy || s->claimed) &&
	       pthread_cond_timedwait(&s->idle_cond, &s->lock, &until) != ETIMEDOUT)
		;
	s->draining--;
	pthread_mutex_unlock(&s->lock);
}

/*
 * Keeps what the compile wrote before the client hears back: the build may
 * delete, move or rewrite an output the moment the client exits, and the
 * store thread reads them later. Each output gets a hard link in the
 * store's tmp dir (a copy where a link is impossible), its stat data and a
 * checksum of its contents: if the file still changes in place, nothing is
 * stored.
 */
static int keep_outputs(struct pending_miss *m)
{
	struct cache *c = &m->cache;
	struct strbuf content = STRBUF_INIT;
	int ret = -1;

	if (chdir(m->inv.cwd) < 0)
		return error("cannot change to '%s':", m->inv.cwd);
	for (int i = 0; i < m->inv.nr_outputs; i++) {
		const char *path = m->inv.outputs[i].path;
		char *keep = xasprintf("%s/out.%llu.%d", m->store.tmp_dir,
				       (unsigned long long)m->token, i);
		unlink_if_exists(keep);
		if (link(path, keep) < 0 && (errno == ENOENT || copy_file(path, keep) < 0)) {
			free(keep);
			if (errno == ENOENT)
				continue; /* not written: the record says so */
			goto out;
		}
		c->output_copies[i] = keep;
		if (file_stamp_of(keep, &c->output_stamps[i]) < 0 ||
		    read_file(keep, &content, (size_t)1 << 31) < 0)
			goto out;
		c->output_checks[i] = change_check(content.buf, content.len);
		strbuf_reset(&content);
	}
	c->have_output_stamps = true;
	ret = 0;
out:
	strbuf_release(&content);
	return ret;
}

void server_store(struct server *s, const struct proto_store *req, int fd, pid_t peer)
{
	struct pending_miss **p, *m;

	pthread_mutex_lock(&s->lock);
	for (p = &s->misses; *p && ((*p)->token != req->token || (*p)->client != peer);)
		p = &(*p)->next;
	m = *p;
	if (m)
		*p = m->next;
	pthread_mutex_unlock(&s->lock);
	if (!m) {
		reply_error(fd, "unknown token");
		return;
	}
	m->next = NULL;
	if (req->status != 0) {
		stats_delta_add(&m->cache.delta, STAT_UNC_COMPILE_FAILED, 1);
		bump(s, &m->store, &m->cache.delta);
		reply(fd, MSG_ACK, NULL);
		miss_free(m);
		return;
	}
	s->misses_served++;
	if (keep_outputs(m) < 0) {
		/* Without them nothing can be stored; the client is done. */
		stats_delta_add(&m->cache.delta, STAT_ERR_STORE_FAILED, 1);
		bump(s, &m->store, &m->cache.delta);
		reply(fd, MSG_ACK, NULL);
		miss_free(m);
		return;
	}
	/* The record needs the bytes the client replayed, and a status as
	 * waitpid reports it. */
	strbuf_add(&m->run.out, req->out.buf, req->out.len);
	strbuf_add(&m->run.err, req->err.buf, req->err.len);
	m->run.status = req->status << 8;
	/* Registered before the client hears back: its next lookup of this key
	 * waits for the entry instead of compiling again. */
	if (pending_register(&s->pending, &m->key) < 0)
		zlog("daemon: cannot register a pending store");
	reply(fd, MSG_ACK, NULL);
	pthread_mutex_lock(&s->lock);
	if (!s->threaded) {
		pthread_mutex_unlock(&s->lock);
		record_miss(s, m);
		return;
	}
	struct pending_miss **tail = &s->queue;
	while (*tail)
		tail = &(*tail)->next;
	m->queued_at = monotonic_ms();
	*tail = m;
	s->queue_len++;
	pthread_cond_signal(&s->queue_cond);
	pthread_mutex_unlock(&s->lock);
}
