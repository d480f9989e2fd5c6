/*
 * cache.c - lookup and record, as described in cache.h and in
 * docs/ARCHITECTURE.md ("the hit path", "the miss path").
 *
 * Result entry records (see store.c for the entry format):
 *   RES_STATUS  u32 exit status      RES_STDOUT, RES_STDERR  bytes
 *   RES_DEP_TARGET  the target the stored dependency file was written for
 *   RES_OUTPUT_BASE + output_kind    one file the compile wrote
 */
#include "../util/compat.h"
#include "cache.h"
#include "../compiler/depfile.h"
#include "../compiler/includes.h"
#include "../hash/filememo.h"
#include "factmemo.h"
#include "manifestmemo.h"
#include "scanmemo.h"
#include "../store/manifest.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/strset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* Bump when the meaning of a key changes: old entries then simply miss. */
#define KEY_FORMAT_VERSION 1

enum result_tag {
	RES_STATUS = 1,
	RES_STDOUT = 2,
	RES_STDERR = 3,
	RES_DEP_TARGET = 4,
	RES_OUTPUT_BASE = 16
};

enum aux_tag { AUX_DIGEST = 1, AUX_SEARCH_DIRS = 2, AUX_HELPERS = 3, AUX_CONFIG_FILES = 4 };

/* Inputs changed later than this before the compile started might have
 * changed during it without a visible timestamp change: such compiles are
 * not stored. Coarse timestamps (whole seconds) get a whole second. */
#define FINE_TIMESTAMP_SLACK_NS 20000000LL
#define COARSE_TIMESTAMP_SLACK_NS 1000000000LL

static int64_t ts_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

void cache_init(struct cache *c, struct store *store, const struct config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->store = store;
	c->cfg = cfg;
	clock_gettime(CLOCK_REALTIME, &c->start);
	strbuf_init(&c->debug, 0);
	c->graves = (struct strvec)STRVEC_INIT;
}

void cache_release(struct cache *c)
{
	for (size_t i = 0; i < c->graves.nr; i++)
		unlink_if_exists(c->graves.v[i]);
	strvec_clear(&c->graves);
	for (int i = 0; i < MAX_OUTPUTS; i++) {
		if (c->output_copies[i])
			unlink_if_exists(c->output_copies[i]);
		free(c->output_copies[i]);
		c->output_copies[i] = NULL;
	}
	strbuf_release(&c->debug);
}

static void count(struct cache *c, enum counter s)
{
	stats_delta_add(&c->delta, s, 1);
}

/* Looks up a memoised fact; returns its bytes (malloc'd) or NULL. */
static char *aux_get(struct cache *c, const struct digest *key, uint32_t tag, size_t *len)
{
	struct entry e;
	struct record rec;
	size_t pos = 0;
	char *res = c->facts ? fact_memo_get(c->facts, key, tag, len) : NULL;
	int rc;

	if (res)
		return res;
	rc = store_get(c->store, ENTRY_AUX, key, &e);
	if (rc == ENTRY_CORRUPT)
		count(c, STAT_ERR_CORRUPT_ENTRY);
	if (rc != ENTRY_FOUND)
		return NULL;
	while (entry_next(&e, &pos, &rec) == 1) {
		if (rec.tag == tag) {
			res = xmalloc(rec.len + 1);
			memcpy(res, rec.data, rec.len);
			res[rec.len] = '\0';
			*len = rec.len;
			if (c->facts)
				fact_memo_put(c->facts, key, tag, rec.data, rec.len);
			break;
		}
	}
	entry_release(&e);
	return res;
}

static void aux_put(struct cache *c, const struct digest *key, uint32_t tag,
		    const void *data, size_t len)
{
	struct strbuf rec = STRBUF_INIT;
	int64_t bytes = 0, files = 0;

	if (c->facts)
		fact_memo_put(c->facts, key, tag, data, len);
	if (!c->store->writable)
		return;
	entry_add(&rec, tag, data, len);
	if (store_put(c->store, ENTRY_AUX, key, &rec, &bytes, &files) == 0) {
		stats_delta_add(&c->delta, STAT_CACHE_BYTES, bytes);
		stats_delta_add(&c->delta, STAT_CACHE_FILES, files);
	}
	strbuf_release(&rec);
}

static int probe_absent(struct cache *c, const struct invocation *inv, const char *path);

/* The content digest of a program, memoised by its stat data (in the
 * daemon: its memory of files, validated the same way). */
static int program_digest(struct cache *c, const char *path, struct digest *out)
{
	struct stat st;
	struct hasher h;
	struct digest key;
	struct strbuf content = STRBUF_INIT;
	size_t len;
	char *known;
	int ret = -1;

	if (c->memo && path_is_absolute(path)) {
		if (file_memo_digest(c->memo, path, out) < 0) {
			error("cannot read '%s':", path);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (stat(path, &st) < 0) {
		error("cannot stat '%s':", path);
		goto out;
	}
	hasher_init(&h, NULL);
	hash_str(&h, "compiler-digest-v1", path);
	hash_u64(&h, "dev", (uint64_t)st.st_dev);
	hash_u64(&h, "ino", (uint64_t)st.st_ino);
	hash_u64(&h, "size", (uint64_t)st.st_size);
	hash_u64(&h, "mtime", (uint64_t)ts_ns(st.st_mtim));
	hash_u64(&h, "ctime", (uint64_t)ts_ns(st.st_ctim));
	hasher_final(&h, &key);
	known = aux_get(c, &key, AUX_DIGEST, &len);
	if (known && len == DIGEST_SIZE) {
		memcpy(out->b, known, DIGEST_SIZE);
	} else {
		if (digest_file(path, out, &content) < 0) {
			free(known);
			goto out;
		}
		aux_put(c, &key, AUX_DIGEST, out->b, DIGEST_SIZE);
	}
	free(known);
	ret = 0;
out:
	strbuf_release(&content);
	return ret;
}

/* What the driver prints for each of the family's helper queries, one line
 * each; memoised per driver content, query and environment. */
static int helper_names(struct cache *c, const struct invocation *inv, const struct digest *driver,
			const struct strvec *queries, struct strvec *out)
{
	struct strbuf text = STRBUF_INIT;
	struct hasher h;
	struct digest key;
	size_t len;
	char *known;
	int ret = -1;

	hasher_init(&h, NULL);
	hash_str(&h, "helpers-v1", inv->family->name);
	hash_digest(&h, "driver", driver);
	hash_str(&h, "driver-path", inv->compiler);
	for (size_t i = 0; i < queries->nr; i++)
		hash_str(&h, "query", queries->v[i]);
	for (size_t i = 0; i < inv->key_env.nr; i++)
		hash_str(&h, "env", inv->key_env.v[i]);
	hasher_final(&h, &key);
	known = inv->helpers_unstable ? NULL : aux_get(c, &key, AUX_HELPERS, &len);
	if (known) {
		strbuf_add(&text, known, len);
		free(known);
	} else {
		for (size_t i = 0; i < queries->nr; i++) {
			char *argv[] = { inv->compiler, queries->v[i], NULL };
			struct run_result run = { STRBUF_INIT, STRBUF_INIT, 0 };
			size_t line = 0;
			bool ok = run_capture(argv, inv->env.v, &run) == 0 &&
				  exit_code_of(run.status) == 0 &&
				  (line = strcspn(run.out.buf, "\n")) > 0;
			if (ok) {
				strbuf_add(&text, run.out.buf, line);
				strbuf_addch(&text, '\n');
			}
			run_result_release(&run);
			if (!ok) {
				error("'%s %s' failed", inv->compiler, queries->v[i]);
				goto out;
			}
		}
		if (!inv->helpers_unstable)
			aux_put(c, &key, AUX_HELPERS, text.buf, text.len);
	}
	for (const char *p = text.buf; *p;) {
		size_t line = strcspn(p, "\n");
		char *name = xstrndup(p, line);
		strvec_push(out, name);
		free(name);
		p += line + (p[line] == '\n');
	}
	ret = out->nr == queries->nr ? 0 : error("the helper programs' memo is damaged");
out:
	strbuf_release(&text);
	return ret;
}

/* Where a program named without a slash is run from: the first PATH entry
 * (of the compile's environment) that has it as an executable file, like
 * execvp; NULL when none has. */
static char *find_in_path(struct cache *c, const struct invocation *inv, const char *name)
{
	const char *path = "/bin:/usr/bin"; /* execvp's default */
	struct strbuf candidate = STRBUF_INIT;
	char *found = NULL;

	for (size_t i = 0; i < inv->env.nr; i++)
		if (!strncmp(inv->env.v[i], "PATH=", 5))
			path = inv->env.v[i] + 5;
	for (const char *dir = path; !found; dir += strcspn(dir, ":") + 1) {
		size_t dir_len = strcspn(dir, ":");
		struct stat st;
		strbuf_reset(&candidate);
		if (dir_len) {
			strbuf_add(&candidate, dir, dir_len);
			strbuf_addch(&candidate, '/');
		}
		strbuf_addstr(&candidate, name);
		if (probe_absent(c, inv, candidate.buf) == 0 && stat(candidate.buf, &st) == 0 &&
		    S_ISREG(st.st_mode) && (st.st_mode & 0111))
			found = xstrdup(candidate.buf);
		if (!dir[dir_len])
			break;
	}
	strbuf_release(&candidate);
	return found;
}

static bool too_new(const struct cache *c, uint64_t mtime_ns, uint64_t ctime_ns);

/* Whether dir holds a file whose name ends in suffix; -1 when it cannot be
 * listed. */
static int has_config_file(const char *dir, const char *suffix)
{
	size_t suffix_len = strlen(suffix);
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return error("cannot list '%s':", dir);
	errno = 0;
	while (!found && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		found = len > suffix_len && !strcmp(e->d_name + len - suffix_len, suffix);
	}
	if (!found && errno)
		found = error("cannot list '%s':", dir);
	if (closedir(d) < 0 && found >= 0)
		found = error("cannot list '%s':", dir);
	return found;
}

/* One directory the compiler may read configuration files from: its stat
 * data into stamp; 1 when it holds one (or cannot be listed), else 0. The
 * answer is remembered by that stat data (adding or removing a file changes
 * a directory's mtime); not for a directory changed just now. */
static int config_dir_in_use(struct cache *c, const struct invocation *inv, const char *dir,
			     struct hasher *stamp)
{
	const char *suffix = inv->family->config_suffix;
	struct hasher kh;
	struct digest key;
	struct stat st;
	char *known = NULL;
	size_t len;
	int found;

	hash_str(stamp, "dir", dir);
	if (stat(dir, &st) < 0) {
		/* Nothing is read from a directory that is not there. */
		found = errno == ENOENT ? 0 : 1;
		goto out;
	}
	hash_u64(stamp, "dev", (uint64_t)st.st_dev);
	hash_u64(stamp, "ino", (uint64_t)st.st_ino);
	hash_u64(stamp, "mtime", (uint64_t)ts_ns(st.st_mtim));
	hash_u64(stamp, "ctime", (uint64_t)ts_ns(st.st_ctim));
	bool settled = !too_new(c, (uint64_t)ts_ns(st.st_mtim), (uint64_t)ts_ns(st.st_ctim));
	hasher_init(&kh, NULL);
	hash_str(&kh, "config-files-v1", suffix);
	hash_str(&kh, "dir", dir);
	hash_u64(&kh, "dev", (uint64_t)st.st_dev);
	hash_u64(&kh, "ino", (uint64_t)st.st_ino);
	hash_u64(&kh, "mtime", (uint64_t)ts_ns(st.st_mtim));
	hash_u64(&kh, "ctime", (uint64_t)ts_ns(st.st_ctim));
	hasher_final(&kh, &key);
	if (settled && (known = aux_get(c, &key, AUX_CONFIG_FILES, &len)) && len == 1) {
		found = known[0] == '1';
		goto out;
	}
	found = has_config_file(dir, suffix);
	if (found < 0) {
		/* The compiler may still read a file there: not cached. */
		zlog("%s", last_error());
		found = 1;
		goto out;
	}
	if (settled)
		aux_put(c, &key, AUX_CONFIG_FILES, found ? "1" : "0", 1);
out:
	free(known);
	return found;
}

/* The stat data of the directories the compiler may read configuration
 * files from; whether one of them holds such a file. */
static bool config_dirs(struct cache *c, const struct invocation *inv, struct digest *stamp)
{
	char *real_dir = inv->real_compiler ? path_dirname(inv->real_compiler) : NULL;
	char *called_dir = path_dirname(inv->compiler);
	struct hasher h;
	bool in_use = false;

	hasher_init(&h, NULL);
	if (real_dir && config_dir_in_use(c, inv, real_dir, &h)) {
		zlog("'%s' has configuration files (*%s)", real_dir, inv->family->config_suffix);
		in_use = true;
	}
	if ((!real_dir || strcmp(real_dir, called_dir)) && config_dir_in_use(c, inv, called_dir, &h)) {
		zlog("'%s' has configuration files (*%s)", called_dir, inv->family->config_suffix);
		in_use = true;
	}
	hasher_final(&h, stamp);
	free(real_dir);
	free(called_dir);
	return in_use;
}

/*
 * clang reads a configuration file from the directory of its binary (after
 * symlinks; with -no-canonical-prefixes, of the name it was run by): which
 * one, it decides by the name it runs under and its target (x86_64-clang.cfg,
 * then x86_64.cfg; from version 16 default ones such as clang.cfg too). Its
 * options come before the command line's and are not analysed here (one may
 * add an output, read a profile, or name another file), so while such a
 * directory holds any configuration file, the compile is not cached.
 * Returns -1 (and sets inv->uncacheable) then.
 */
static int check_config_dirs(struct cache *c, struct invocation *inv)
{
	if (!inv->family->config_suffix)
		return 0;
	if (config_dirs(c, inv, &c->config_dirs)) {
		inv->uncacheable = STAT_UNC_COMPILER_CONFIG;
		return -1;
	}
	c->have_config_dirs = true;
	return 0;
}

/* Did a configuration directory change since check_config_dirs()? */
static bool config_dirs_changed(struct cache *c, const struct invocation *inv)
{
	struct digest now;

	if (!c->have_config_dirs)
		return false;
	return config_dirs(c, inv, &now) || memcmp(now.b, c->config_dirs.b, DIGEST_SIZE);
}

int compiler_digest(struct cache *c, const struct invocation *inv, struct digest *out)
{
	struct strvec queries = STRVEC_INIT, helpers = STRVEC_INIT;
	struct digest driver;
	struct hasher h;
	int ret = -1;

	if (c->have_compiler) {
		*out = c->compiler;
		return 0;
	}
	if (program_digest(c, inv->compiler, &driver) < 0)
		goto out;
	if (inv->family->helper_queries)
		inv->family->helper_queries(inv, &queries);
	if (!queries.nr) {
		c->compiler = driver;
		goto known;
	}
	if (helper_names(c, inv, &driver, &queries, &helpers) < 0)
		goto out;
	hasher_init(&h, NULL);
	hash_digest(&h, "driver", &driver);
	for (size_t i = 0; i < helpers.nr; i++) {
		const char *name = helpers.v[i];
		char *where = strchr(name, '/') ? xstrdup(name) : find_in_path(c, inv, name);
		struct stat st;
		hash_str(&h, "helper", name);
		/* By size and modification time, as ccache identifies a compiler
		 * by default: hashing a 35 MB cc1plus would cost a cold build
		 * more than everything else the daemon does in its first
		 * seconds, and a package's files keep their mtime on every
		 * machine. */
		if (where && stat(where, &st) == 0) {
			hash_str(&h, "at", where);
			hash_u64(&h, "size", (uint64_t)st.st_size);
			hash_u64(&h, "mtime", (uint64_t)ts_ns(st.st_mtim));
		}
		free(where);
	}
	hasher_final(&h, &c->compiler);
known:
	c->have_compiler = true;
	*out = c->compiler;
	ret = 0;
out:
	strvec_clear(&queries);
	strvec_clear(&helpers);
	return ret;
}

/* A path the compile names, as the daemon's memory knows it: absolute;
 * path itself, or joined to the cwd in buf (NULL when that is too long).
 * No allocation: a hit asks this for every header and absent path. */
static const char *memo_path(const struct invocation *inv, const char *path, char *buf,
			     size_t size)
{
	size_t dl = strlen(inv->cwd);

	if (path_is_absolute(path) || !dl)
		return path;
	int n = snprintf(buf, size, "%s%s%s", inv->cwd, inv->cwd[dl - 1] == '/' ? "" : "/", path);
	return n > 0 && (size_t)n < size ? buf : NULL;
}

/* The content digest of a file the compile reads: from the daemon's memory
 * when there is one, else read and hashed. */
static int input_digest(struct cache *c, const struct invocation *inv, const char *path,
			struct digest *d)
{
	struct strbuf content = STRBUF_INIT;
	int ret;

	if (c->memo && inv->cwd) {
		char buf[PATH_MAX];
		const char *abs = memo_path(inv, path, buf, sizeof(buf));
		ret = abs ? file_memo_digest(c->memo, abs, d) : -1;
		if (ret < 0)
			error("cannot read '%s':", path);
		return ret;
	}
	ret = digest_file(path, d, &content);
	strbuf_release(&content);
	return ret;
}

int cache_direct_key(struct cache *c, struct invocation *inv, struct digest *key)
{
	struct hasher h;
	struct digest d;
	int ret = -1;

	hasher_init(&h, c->cfg->debug ? &c->debug : NULL);
	hash_u64(&h, "key-format", KEY_FORMAT_VERSION);
	hash_str(&h, "family", inv->family->name);
	if (compiler_digest(c, inv, &d) < 0 || check_config_dirs(c, inv) < 0)
		goto out;
	hash_digest(&h, "compiler", &d);
	hash_str(&h, "language", inv->language);
	for (size_t i = 0; i < inv->key_args.nr; i++)
		hash_str(&h, "arg", inv->key_args.v[i]);
	for (size_t i = 0; i < inv->key_env.nr; i++)
		hash_str(&h, "env", inv->key_env.v[i]);
	if (inv->cwd_matters)
		hash_str(&h, "cwd", inv->key_cwd);
	for (size_t i = 0; i < inv->key_files.nr; i++) {
		if (input_digest(c, inv, inv->key_files.v[i], &d) < 0)
			goto out;
		hash_str(&h, "file", inv->key_files.v[i]);
		hash_digest(&h, "file-content", &d);
	}
	if (access(inv->source, R_OK) < 0) {
		/* Missing or unreadable: the compiler says so. */
		inv->uncacheable = STAT_UNC_NO_SOURCE;
		goto out;
	}
	if (input_digest(c, inv, inv->source, &c->source_digest) < 0)
		goto out;
	hash_digest(&h, "source", &c->source_digest);
	for (int i = 0; i < inv->nr_outputs; i++)
		hash_u64(&h, "output-kind", inv->outputs[i].kind);
	hasher_final(&h, key);
	if (c->cfg->debug) {
		char hex[DIGEST_HEX_SIZE];
		digest_to_hex(key, hex);
		zlog("direct key %s of:\n%s", hex, c->debug.buf);
	}
	ret = 0;
out:
	return ret;
}

/* Does the file at f->path still have the content recorded? *trusted: the
 * daemon's memory holds the answer, trusted (see file_memo_generation). */
static bool file_matches(struct cache *c, const struct invocation *inv,
			 const struct manifest_file *f, bool *trusted)
{
	struct stat st;
	struct digest d;
	struct strbuf content = STRBUF_INIT;
	bool ok;

	*trusted = false;
	if (c->memo && inv->cwd) {
		struct file_memo_stat fst;
		char buf[PATH_MAX];
		const char *abs = memo_path(inv, f->path, buf, sizeof(buf));
		if (!abs || file_memo_digest_stat(c->memo, abs, &d, &fst) < 0)
			return false;
		*trusted = fst.trusted;
		return digest_equal(&d, &f->digest);
	}

	if (stat(f->path, &st) < 0)
		return false;
	if (f->ino && (uint64_t)st.st_ino == f->ino && (uint64_t)st.st_size == f->size &&
	    (uint64_t)ts_ns(st.st_mtim) == f->mtime_ns && (uint64_t)ts_ns(st.st_ctim) == f->ctime_ns)
		return true;
	ok = digest_file(f->path, &d, &content) == 0 && digest_equal(&d, &f->digest);
	strbuf_release(&content);
	return ok;
}

/* 1 when nothing is at path, 0 when something is, -1 when it cannot be
 * told (a permission error, say): neither proof of absence nor of a file.
 * *trusted: the daemon's memory holds the answer, trusted. */
static int probe_absent_trusted(struct cache *c, const struct invocation *inv, const char *path,
				bool *trusted)
{
	struct stat st;

	*trusted = false;
	if (c->memo && inv->cwd) {
		char buf[PATH_MAX];
		const char *abs = memo_path(inv, path, buf, sizeof(buf));
		return abs ? file_memo_absent_trusted(c->memo, abs, trusted) : -1;
	}
	if (lstat(path, &st) == 0)
		return 0;
	return errno == ENOENT || errno == ENOTDIR ? 1 : -1;
}

static int probe_absent(struct cache *c, const struct invocation *inv, const char *path)
{
	bool trusted;

	return probe_absent_trusted(c, inv, path, &trusted);
}

/* Is path still nothing the compiler could open as a header: missing, a
 * directory, or a link that leads to neither a file nor anything? The
 * compile's working directory is the process's here. */
static bool still_not_a_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return S_ISDIR(st.st_mode);
}

/* Do both paths name one directory? (The compile's working directory is the
 * process's here.) */
static bool same_directory(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && S_ISDIR(sa.st_mode) &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Path number i of a set (see struct set_scope): still its file, or still
 * absent? *trusted: the daemon's memory holds the answer, trusted. */
static bool input_holds(struct cache *c, const struct invocation *inv, size_t s,
			const struct include_set *set, size_t i, bool *trusted)
{
	if (i < set->nr_files) {
		if (file_matches(c, inv, &set->files[i], trusted))
			return true;
		zlog("include set %zu: '%s' changed", s, set->files[i].path);
		return false;
	}
	const char *path = set->absent.v[i - set->nr_files];
	if (probe_absent_trusted(c, inv, path, trusted) == 1)
		return true;
	zlog("include set %zu: '%s' now exists and may shadow a header", s, path);
	return false;
}

/*
 * Do the set's files still have their contents, and are its absent paths
 * still absent? With scopes, only the paths of the scopes that memory has
 * marked since tick `since` are looked at (see hash/filememo.h): memory held
 * the others trusted then, and still does.
 * *trusted: memory holds every answer trusted, as of *now (its generation
 * and tick when it was asked).
 */
static bool inputs_hold(struct cache *c, const struct invocation *inv, size_t s,
			const struct include_set *set, const struct set_scopes *scopes,
			uint64_t since, bool *trusted, struct set_stamp *now)
{
	size_t nr = set->nr_files + set->absent.nr;
	bool one, ok = false;

	*trusted = true;
	if (c->memo) {
		file_memo_hold(c->memo);
		now->generation = file_memo_generation(c->memo);
		now->tick = file_memo_tick(c->memo);
	}
	if (!scopes) {
		for (size_t i = 0; i < nr; i++) {
			if (!input_holds(c, inv, s, set, i, &one))
				goto out;
			*trusted &= one;
		}
	}
	size_t rechecked = 0, scoped = 0;
	for (size_t k = 0; scopes && k < scopes->nr; k++) {
		const struct set_scope *scope = &scopes->v[k];
		scoped += scope->dir != NULL;
		if (scope->dir && file_memo_unchanged_below(c->memo, scope->dir, since))
			continue;
		rechecked += scope->dir != NULL;
		for (size_t j = 0; j < scope->nr; j++) {
			if (!input_holds(c, inv, s, set, scope->paths[j], &one))
				goto out;
			*trusted &= one;
		}
	}
	if (scopes)
		zlog("include set %zu: %zu of %zu scopes checked again", s, rechecked, scoped);
	ok = true;
out:
	if (c->memo)
		file_memo_unhold(c->memo);
	return ok;
}

/*
 * The first set of the manifest that still holds. With mf (the daemon's
 * remembered manifest), a set whose files and absent paths memory held
 * trusted, under this working directory, while memory has forgotten
 * nothing since, is not checked again: that is what its stamp says; when
 * memory has forgotten something, only the scopes it marked are. The other
 * constraints cost system calls and are always checked.
 */
static const struct include_set *matching_set(struct cache *c, const struct invocation *inv,
					      const struct manifest *m, struct memo_manifest *mf)
{
	uint64_t generation = mf ? file_memo_generation(c->memo) : 0;
	uint64_t cwd_hash = mf ? XXH3_64bits(inv->cwd, strlen(inv->cwd)) : 0;

	for (size_t s = 0; s < m->nr_sets; s++) {
		const struct include_set *set = &m->sets[s];
		bool ok = true, trusted;
		struct set_stamp stamp = { 0, 0, 0 }, now = { 0, 0, cwd_hash };
		if (mf)
			stamp = manifest_memo_stamp(c->manifests, mf, s);
		if (!mf || stamp.generation != generation || stamp.cwd_hash != cwd_hash) {
			bool stamped = mf && stamp.generation && stamp.cwd_hash == cwd_hash;
			ok = inputs_hold(c, inv, s, set, stamped ? &mf->scopes[s] : NULL,
					 stamp.tick, &trusted, &now);
			if (ok && trusted && mf)
				manifest_memo_set_stamp(c->manifests, mf, s, now);
		}
		for (size_t i = 0; ok && i + 1 < set->same_dirs.nr; i += 2) {
			if (!same_directory(set->same_dirs.v[i], set->same_dirs.v[i + 1])) {
				zlog("include set %zu: '%s' is no longer '%s' and may be searched", s,
				     set->same_dirs.v[i], set->same_dirs.v[i + 1]);
				ok = false;
			}
		}
		for (size_t i = 0; ok && i < set->not_files.nr; i++) {
			if (!still_not_a_file(set->not_files.v[i])) {
				zlog("include set %zu: '%s' is now a file and may shadow a header", s,
				     set->not_files.v[i]);
				ok = false;
			}
		}
		if (ok)
			return set;
	}
	return NULL;
}

struct output_source {
	const struct entry *entry;
	const struct record *rec;
	const char *replaced; /* rewritten bytes to write instead, or NULL */
	size_t replaced_len;
};

static int fill_output(int fd, void *arg)
{
	const struct output_source *src = arg;
	const struct record *rec = src->rec;
	size_t left = rec->len;

	if (src->replaced) {
		left = 0;
		if (write_in_full(fd, src->replaced, src->replaced_len) < 0)
			return error("cannot write an output:");
	} else if (rec->file_offset >= 0) {
		/* Raw entry: let the kernel copy (or reflink) the bytes. */
		off_t off = rec->file_offset;
		while (left > 0) {
			ssize_t n = copy_file_range(src->entry->fd, &off, fd, NULL, left, 0);
			if (n <= 0)
				break;
			left -= (size_t)n;
		}
	}
	if (left && write_in_full(fd, rec->data + (rec->len - left), left) < 0)
		return error("cannot write an output:");
	return 0;
}

/* An empty regular file, also through a link? */
static bool is_empty_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && !st.st_size;
}

/* What is at an output's path before a hit writes it (lstat). */
struct old_output {
	bool exists;
	struct stat st;
};

/* Would the compiler write into the existing file at the output's path? */
static bool written_in_place(const struct output *out, const struct old_output *old)
{
	if (!old->exists || out->in_place)
		return old->exists;
	if (!out->in_place_when_empty)
		return false;
	return S_ISREG(old->st.st_mode) ? !old->st.st_size
					: S_ISLNK(old->st.st_mode) && is_empty_file(out->path);
}

/*
 * Can the output be written as the compiler would? A file the compiler
 * writes in place must be a plain writable file with one name: through a
 * link, into a second name, or onto a read-only file the compiler does
 * what a new file cannot (or fails). Checked for every output before any
 * is written (a directory that cannot take one shows only when writing:
 * then the ones written are taken back). *old: what is there now.
 */
static bool can_deliver(const struct output *out, struct old_output *old)
{
	old->exists = lstat(out->path, &old->st) == 0;
	bool ok = !written_in_place(out, old) ||
		  (S_ISREG(old->st.st_mode) && old->st.st_nlink == 1 && access(out->path, W_OK) == 0);
	if (!ok)
		zlog("'%s' cannot be written as the compiler would", out->path);
	return ok;
}

/*
 * Writes one output as the compiler would: a new file next to the target
 * renamed over it (never a hard link into the store; can_deliver() said
 * no link or second name is there to write through), mode 0666 minus the
 * umask or, for a file the compiler writes in place, the old file's;
 * modified now.
 */
static int write_output(struct cache *c, const struct output *out, const struct old_output *old,
			const struct output_source *src, unsigned umask, char **grave_out)
{
	const char *path = out->path;
	char *dir = path_dirname(path), *grave = NULL;
	bool old_file = old->exists && S_ISREG(old->st.st_mode);
	unsigned mode = 0666 & ~umask;
	int ret;

	/* An existing file written in place keeps its mode. */
	if (old_file && written_in_place(out, old))
		mode = old->st.st_mode & 07777;
	if (c->graveyard && old_file) {
		/* Move the old file aside first: freeing its blocks (a discard
		 * on some disks) is then not paid by this hit, and the new file
		 * is renamed to a free name (ext4 starts writing back a file
		 * renamed over another, auto_da_alloc). */
		static _Atomic unsigned long serial;
		grave = xasprintf("%s/grave.%d.%lu", c->graveyard, (int)getpid(), ++serial);
		if (rename(path, grave) < 0) {
			free(grave);
			grave = NULL;
		}
	}
	ret = replace_file(dir, path, mode, fill_output, (void *)src);
	/* After a failed write the old file goes back (the client compiles). */
	if (grave && ret < 0 && rename(grave, path) == 0) {
		free(grave);
		grave = NULL;
	}
	*grave_out = grave; /* where the old file is now, for the caller */
	free(dir);
	return ret;
}

/* Checks that the entry has every output the invocation expects, then
 * writes them. */
static int deliver(struct cache *c, struct invocation *inv, const struct entry *e,
		   struct run_result *replay)
{
	struct record rec;
	struct strbuf retargeted = STRBUF_INIT;
	const struct record *outputs[MAX_OUTPUTS] = { 0 };
	struct record recs[MAX_OUTPUTS];
	char *graves[MAX_OUTPUTS] = { 0 }; /* where replaced outputs were kept */
	struct old_output old[MAX_OUTPUTS];
	char *dep_target = NULL;
	size_t pos = 0;
	int rc, ret = -1;
	bool have_status = false;

	while ((rc = entry_next(e, &pos, &rec)) == 1) {
		if (rec.tag == RES_STATUS && rec.len == 4) {
			struct reader r = { rec.data, rec.data + 4 };
			uint32_t st;
			read_u32(&r, &st);
			replay->status = (int)st;
			have_status = true;
		} else if (rec.tag == RES_STDOUT) {
			strbuf_add(&replay->out, rec.data, rec.len);
		} else if (rec.tag == RES_STDERR) {
			strbuf_add(&replay->err, rec.data, rec.len);
		} else if (rec.tag == RES_DEP_TARGET) {
			dep_target = xstrndup((const char *)rec.data, rec.len);
		} else if (rec.tag > RES_OUTPUT_BASE) {
			for (int i = 0; i < inv->nr_outputs; i++) {
				if (inv->outputs[i].kind == (enum output_kind)(rec.tag - RES_OUTPUT_BASE)) {
					recs[i] = rec;
					outputs[i] = &recs[i];
				}
			}
		}
	}
	if (rc < 0 || !have_status) {
		zlog("result entry is malformed");
		goto out;
	}
	for (int i = 0; i < inv->nr_outputs; i++) {
		if (!outputs[i]) {
			zlog("result entry lacks output '%s'", inv->outputs[i].path);
			goto out;
		}
		if (!can_deliver(&inv->outputs[i], &old[i]))
			goto out;
	}
	int written = 0;
	for (int i = 0; i < inv->nr_outputs; i++) {
		struct output_source src = { e, outputs[i], NULL, 0 };
		if (inv->outputs[i].kind == OUT_DEPFILE && inv->dep_target && dep_target &&
		    strcmp(dep_target, inv->dep_target)) {
			strbuf_reset(&retargeted);
			if (depfile_retarget((const char *)outputs[i]->data, outputs[i]->len, dep_target,
					     inv->dep_target, inv->family->depfile_wrap,
					     &retargeted) < 0) {
				zlog("cannot retarget the dependency file from '%s'", dep_target);
				goto out;
			}
			src.replaced = retargeted.buf;
			src.replaced_len = retargeted.len;
		}
		if (write_output(c, &inv->outputs[i], &old[i], &src, inv->umask, &graves[i]) < 0) {
			if (graves[i])
				strvec_push(&c->graves, graves[i]); /* could not go back */
			goto undo;
		}
		written++;
	}
	for (int i = 0; i < written; i++)
		if (graves[i])
			strvec_push(&c->graves, graves[i]);
	ret = 0;
	goto out;
undo:
	/* All outputs or none (a full disk stopped one): the ones written go,
	 * and the old files come back where the daemon kept them (in-process,
	 * or with the cache on another file system, they are gone: the
	 * compile that follows writes them anew, or fails as it would). */
	for (int i = 0; i < written; i++) {
		unlink_if_exists(inv->outputs[i].path);
		if (graves[i] && rename(graves[i], inv->outputs[i].path) < 0)
			strvec_push(&c->graves, graves[i]);
	}
out:
	for (int i = 0; i < inv->nr_outputs; i++)
		free(graves[i]);
	free(dep_target);
	strbuf_release(&retargeted);
	return ret;
}

enum lookup_result cache_lookup(struct cache *c, struct invocation *inv,
				const struct digest *key, struct run_result *replay)
{
	struct entry me = ENTRY_INIT, re = ENTRY_INIT;
	struct manifest m = { 0 };
	const struct include_set *set;
	struct memo_manifest *mf = NULL;
	const struct manifest *man = &m;
	enum lookup_result res = LOOKUP_MISS;
	uint64_t epoch;
	int rc;

	strbuf_init(&replay->out, 0);
	strbuf_init(&replay->err, 0);
	if (c->cfg->recache) {
		zlog("miss: recache is set");
		goto out;
	}
	if (c->manifests && c->memo && inv->cwd && (mf = manifest_memo_get(c->manifests, key)))
		goto decoded;
	epoch = c->manifests ? manifest_memo_epoch(c->manifests) : 0;
	rc = store_get(c->store, ENTRY_MANIFEST, key, &me);
	if (rc != ENTRY_FOUND) {
		if (rc == ENTRY_CORRUPT)
			count(c, STAT_ERR_CORRUPT_ENTRY);
		zlog("miss: no manifest for this direct key");
		goto out;
	}
	if (manifest_decode(&me, &m) < 0) {
		count(c, STAT_ERR_CORRUPT_ENTRY);
		zlog("miss: malformed manifest");
		goto out;
	}
	if (c->manifests && c->memo && inv->cwd)
		mf = manifest_memo_put(c->manifests, key, &m, epoch);
decoded:
	if (mf)
		man = &mf->m;
	set = matching_set(c, inv, man, mf);
	if (!set) {
		zlog("miss: no include set of the manifest matches the files on disk");
		goto out;
	}
	rc = store_get(c->store, ENTRY_RESULT, &set->result_key, &re);
	if (rc != ENTRY_FOUND) {
		if (rc == ENTRY_CORRUPT)
			count(c, STAT_ERR_CORRUPT_ENTRY);
		zlog("miss: the result entry is %s", rc == ENTRY_CORRUPT ? "corrupt" : "gone");
		goto out;
	}
	if (deliver(c, inv, &re, replay) < 0) {
		strbuf_reset(&replay->out);
		strbuf_reset(&replay->err);
		zlog("miss: the result could not be delivered");
		goto out;
	}
	if (me.fd >= 0)
		entry_touch(&me);
	else if (store_touch(c->store, ENTRY_MANIFEST, key) < 0)
		manifest_memo_forget(c->manifests, key); /* evicted: memory follows */
	entry_touch(&re);
	res = LOOKUP_HIT;
out:
	if (mf)
		manifest_memo_release(c->manifests, mf);
	manifest_release(&m);
	entry_release(&me);
	entry_release(&re);
	return res;
}

/* The include search chain, from the compiler (memoised). */
/* Relative paths are the compile's: its directory is the process's here. */
static bool is_dir(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && S_ISDIR(st->st_mode);
}

/*
 * The skipped include dirs that are a searched dir under another name
 * (CMake's "src/lib/../include" beside "src/include"): instead of making
 * each a place where any header may appear (a candidate per header, and
 * each existing one an input), the set requires them to stay that dir.
 */
static void take_duplicates(struct search_dirs *dirs, struct include_set *set)
{
	struct strvec others = STRVEC_INIT;
	struct stat st, twin;

	for (size_t i = 0; i < dirs->skipped.nr; i++) {
		const char *dir = dirs->skipped.v[i];
		const char *same = NULL;
		if (is_dir(dir, &st))
			for (size_t c = 0; c < dirs->chain.nr && !same; c++)
				if (is_dir(dirs->chain.v[c], &twin) && twin.st_dev == st.st_dev &&
				    twin.st_ino == st.st_ino)
					same = dirs->chain.v[c];
		if (same) {
			strvec_push(&set->same_dirs, dir);
			strvec_push(&set->same_dirs, same);
		} else {
			strvec_push(&others, dir);
		}
	}
	strvec_clear(&dirs->skipped);
	dirs->skipped = others;
}

/* Is the remembered list still the compiler's? A dir it searched may be
 * gone; one it called missing may exist now (generated headers); one it
 * skipped as a duplicate may have become a directory of its own, and a file
 * given as -I a directory. */
static bool search_list_holds(const struct search_dirs *dirs)
{
	struct stat st, twin;

	/* And the other way round: a searched dir removed. */
	for (size_t i = 0; i < dirs->chain.nr; i++)
		if (!is_dir(dirs->chain.v[i], &st))
			return false;
	for (size_t i = 0; i < dirs->missing.nr; i++)
		if (is_dir(dirs->missing.v[i], &st))
			return false;
	for (size_t i = 0; i < dirs->skipped.nr; i++) {
		if (!is_dir(dirs->skipped.v[i], &st))
			continue;
		bool duplicate = false;
		for (size_t c = 0; c < dirs->chain.nr && !duplicate; c++)
			duplicate = is_dir(dirs->chain.v[c], &twin) && twin.st_dev == st.st_dev &&
				    twin.st_ino == st.st_ino;
		if (!duplicate)
			return false;
	}
	return true;
}

static int search_dirs_for(struct cache *c, struct invocation *inv, struct search_dirs *dirs)
{
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	struct run_result run = { STRBUF_INIT, STRBUF_INIT, 0 };
	struct strbuf text = STRBUF_INIT;
	struct hasher h;
	struct digest key, d;
	char *known;
	size_t len;
	int ret = -1;

	inv->family->search_query_argv(inv, &argv);
	if (compiler_digest(c, inv, &d) < 0)
		goto out;
	hasher_init(&h, NULL);
	hash_str(&h, "search-dirs-v2", inv->family->name);
	hash_digest(&h, "compiler", &d);
	for (size_t i = 0; i < argv.nr; i++)
		hash_str(&h, "arg", argv.v[i]);
	for (size_t i = 0; i < inv->key_env.nr; i++)
		hash_str(&h, "env", inv->key_env.v[i]);
	hash_str(&h, "cwd", inv->cwd);
	hasher_final(&h, &key);
	known = aux_get(c, &key, AUX_SEARCH_DIRS, &len);
	if (known) {
		ret = search_dirs_deserialize(known, len, dirs);
		free(known);
		if (ret == 0 && search_list_holds(dirs))
			goto out;
		search_dirs_release(dirs);
		ret = -1;
	}
	/* The answer is read from messages: in the C locale, whatever
	 * language the user's compiler speaks. */
	for (size_t i = 0; i < inv->env.nr; i++)
		if (strncmp(inv->env.v[i], "LC_ALL=", 7))
			strvec_push(&env, inv->env.v[i]);
	strvec_push(&env, "LC_ALL=C");
	if (run_capture(argv.v, env.v, &run) < 0)
		goto out;
	if (exit_code_of(run.status) != 0) {
		error("the include search query failed");
		goto out;
	}
	if (inv->family->parse_search_output(inv, run.err.buf, dirs) < 0)
		goto out;
	search_dirs_serialize(dirs, &text);
	aux_put(c, &key, AUX_SEARCH_DIRS, text.buf, text.len);
	ret = 0;
out:
	run_result_release(&run);
	strbuf_release(&text);
	strvec_clear(&env);
	strvec_clear(&argv);
	return ret;
}

static bool too_new(const struct cache *c, uint64_t mtime_ns, uint64_t ctime_ns)
{
	int64_t slack = ctime_ns % 1000000000u ? FINE_TIMESTAMP_SLACK_NS : COARSE_TIMESTAMP_SLACK_NS;

	return (int64_t)ctime_ns >= ts_ns(c->start) - slack ||
	       (int64_t)mtime_ns >= ts_ns(c->start) - slack;
}

/* record_file in the daemon: the digest and stat data from its memory, and
 * the scan from its memory of contents; the file is read only when its
 * content was never scanned. */
static int record_file_remembered(struct cache *c, struct invocation *inv, const char *path,
				  struct manifest_file *f, struct include_scan *scan,
				  enum counter *reason)
{
	struct file_memo_stat st;
	struct strbuf content = STRBUF_INIT;
	struct digest read_digest;
	char buf[PATH_MAX];
	const char *abs = memo_path(inv, path, buf, sizeof(buf));
	int ret = -1;

	if (!abs || file_memo_digest_stat(c->memo, abs, &f->digest, &st) < 0) {
		error("cannot read '%s':", path);
		goto out;
	}
	ret = 0;
	/* One stat even for a trusted file: a write through a shared mapping
	 * raises no event, but it does move the mtime. */
	struct stat now;
	if (too_new(c, st.mtime_ns, st.ctime_ns) || stat(abs, &now) < 0 ||
	    (uint64_t)now.st_ino != st.ino || (uint64_t)now.st_size != st.size ||
	    (uint64_t)ts_ns(now.st_mtim) != st.mtime_ns || (uint64_t)ts_ns(now.st_ctim) != st.ctime_ns) {
		zlog("not stored: '%s' changed too close to the compile", path);
		*reason = STAT_UNC_MODIFIED_DURING_COMPILE;
		goto out;
	}
	if (scan && !scan_memo_get(c->scans, inv->family, &f->digest, scan)) {
		/* The content read must be the one the digest is of. */
		if (digest_file(abs, &read_digest, &content) < 0) {
			ret = -1;
			goto out;
		}
		if (!digest_equal(&read_digest, &f->digest)) {
			zlog("not stored: '%s' changed while it was read", path);
			*reason = STAT_UNC_MODIFIED_DURING_COMPILE;
			goto out;
		}
		inv->family->scan_input(content.buf, content.len, scan);
		scan_memo_put(c->scans, inv->family, &f->digest, scan);
	}
	if (scan)
		*reason = inv->family->input_verdict(inv, scan);
	if (*reason)
		zlog("not stored: '%s': %s", path, stat_label(*reason));
	f->size = st.size;
	f->mtime_ns = st.mtime_ns;
	f->ctime_ns = st.ctime_ns;
	f->ino = st.ino;
out:
	strbuf_release(&content);
	return ret;
}

/* Hashes one input for the manifest, and scans it when scan is non-NULL;
 * sets *reason when the compile cannot be cached. */
static int record_file(struct cache *c, struct invocation *inv, const char *path,
		       struct manifest_file *f, struct include_scan *scan, enum counter *reason)
{
	struct strbuf content = STRBUF_INIT;
	struct stat st, after;
	int ret = -1;

	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	if (c->memo && c->scans && inv->cwd)
		return record_file_remembered(c, inv, path, f, scan, reason);
	if (stat(path, &st) < 0) {
		error("cannot stat '%s':", path);
		goto out;
	}
	if (too_new(c, (uint64_t)ts_ns(st.st_mtim), (uint64_t)ts_ns(st.st_ctim))) {
		zlog("not stored: '%s' changed too close to the compile", path);
		*reason = STAT_UNC_MODIFIED_DURING_COMPILE;
		ret = 0;
		goto out;
	}
	if (digest_file(path, &f->digest, &content) < 0)
		goto out;
	/* Changed while we read it: the digest may not match the stat data. */
	if (stat(path, &after) < 0 || after.st_ino != st.st_ino || after.st_size != st.st_size ||
	    ts_ns(after.st_ctim) != ts_ns(st.st_ctim) || ts_ns(after.st_mtim) != ts_ns(st.st_mtim)) {
		zlog("not stored: '%s' changed while it was read", path);
		*reason = STAT_UNC_MODIFIED_DURING_COMPILE;
		ret = 0;
		goto out;
	}
	/* Sources and headers are scanned; a binary precompiled header not. */
	if (scan) {
		inv->family->scan_input(content.buf, content.len, scan);
		*reason = inv->family->input_verdict(inv, scan);
	}
	if (*reason)
		zlog("not stored: '%s': %s", path, stat_label(*reason));
	f->size = (uint64_t)st.st_size;
	f->mtime_ns = (uint64_t)ts_ns(st.st_mtim);
	f->ctime_ns = (uint64_t)ts_ns(st.st_ctim);
	f->ino = (uint64_t)st.st_ino;
	ret = 0;
out:
	strbuf_release(&content);
	return ret;
}

/* Whether path lies below a directory recorded as missing; the walk up
 * stops at a directory seen to exist (nothing above it is recorded). */
static bool below_recorded(const struct strset *recorded, const struct strset *present,
			   const char *path)
{
	size_t len = strlen(path);

	/* The path itself is not looked up: a candidate that is an ancestor
	 * recorded for another costs one probe and is not recorded twice. */
	if (!recorded->nr)
		return false;
	while (len > 0) {
		while (len > 0 && path[len - 1] != '/')
			len--;
		if (len == 0)
			return false; /* a relative path's first component */
		while (len > 1 && path[len - 1] == '/')
			len--; /* now path[0..len) is the parent */
		if (len == 1 && path[0] == '/')
			return false;
		if (strset_contains(present, path, len))
			return false;
		if (strset_contains(recorded, path, len))
			return true;
	}
	return false;
}

/* Cuts p to its parent; false when there is none to probe ("." or "/"). */
static bool cut_to_parent(struct strbuf *p)
{
	size_t len = p->len;

	while (len && p->buf[len - 1] != '/')
		len--;
	while (len > 1 && p->buf[len - 1] == '/')
		len--;
	if (len == 0 || (len == 1 && (p->buf[0] == '/' || p->buf[0] == '.')))
		return false;
	strbuf_setlen(p, len);
	return true;
}

/* What one record learned about the paths it probed, shared by its walks. */
struct absences {
	struct strset recorded; /* shallowest missing ancestors, in the absent list */
	struct strset present;  /* directories seen to exist */
	struct strvec aliases;  /* existing candidates that are an input: gcc
				   lists a symlinked system header by its target */
	struct strset inputs;   /* the inputs' names, recorded with their stat
				   data already: a candidate of the same name
				   needs no look */
	struct strbuf path;     /* scratch */
};
#define ABSENCES_INIT { STRSET_INIT, STRSET_INIT, STRVEC_INIT, STRSET_INIT, STRBUF_INIT }

static void absences_release(struct absences *a)
{
	strset_clear(&a->recorded);
	strset_clear(&a->present);
	strvec_clear(&a->aliases);
	strset_clear(&a->inputs);
	strbuf_release(&a->path);
}

/* The first recorded input that is the file st describes, or -1. */
static long same_file_as_input(const struct include_set *set, const struct stat *st)
{
	for (size_t i = 0; i < set->nr_files; i++) {
		const struct manifest_file *f = &set->files[i];
		if (f->ino == (uint64_t)st->st_ino && f->size == (uint64_t)st->st_size &&
		    f->mtime_ns == (uint64_t)ts_ns(st->st_mtim))
			return (long)i;
	}
	return -1;
}

/*
 * A shadowing candidate that exists now (its stat data in *out). The
 * compiler passed over it, or it came after the compiler looked. A file it
 * could open was not searched (the candidates are a superset), unless it is
 * an input under another name (the caller's check), and is dropped unless it
 * changed too close to the compile. A directory, or a link that leads nowhere, was
 * skipped by the compiler and may become a header later: it goes on
 * not_files. Returns 0, 1 when the compile must not be stored, or -1 when
 * the path is gone again (then it is absent like the others).
 */
static int existing_candidate(struct cache *c, const char *path, struct strvec *not_files,
			      struct stat *out)
{
	struct stat lst, st;

	if (lstat(path, &lst) < 0)
		return errno == ENOENT || errno == ENOTDIR ? -1 : 1;
	*out = lst;
	if (too_new(c, (uint64_t)ts_ns(lst.st_mtim), (uint64_t)ts_ns(lst.st_ctim)))
		goto late;
	st = lst;
	if (S_ISLNK(lst.st_mode) && stat(path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return 1;
		strvec_push(not_files, path); /* a link to nowhere */
		return 0;
	}
	if (too_new(c, (uint64_t)ts_ns(st.st_mtim), (uint64_t)ts_ns(st.st_ctim)))
		goto late;
	*out = st;
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		strvec_push(not_files, path);
		return 0;
	}
	zlog("not stored: '%s' is neither a file nor a directory", path);
	return 1;
late:
	zlog("not stored: '%s' appeared too close to the compile", path);
	return 1;
}

/*
 * Records which of the candidate paths must stay absent. One that exists
 * now is handled by existing_candidate() (returns 1 when the compile must
 * not be stored). With `existing`, candidates that exist are put there
 * instead, unchecked (precompiled headers: the caller records them as
 * inputs). For one that does not exist, the shallowest missing ancestor is
 * recorded instead: the path cannot appear without it, and one ancestor
 * stands for every candidate below it (a missing include directory would
 * otherwise cost one check per header on every hit).
 */
static int add_absent_paths(struct cache *c, const struct invocation *inv, struct absences *a,
			    const struct strset *candidates, struct include_set *set,
			    struct strvec *existing)
{
	struct strbuf *p = &a->path;
	int ret = 0;

	for (const char *cand = NULL; (cand = strset_next(candidates, cand));) {
		const char *clean = path_skip_dot_slash(cand);
		if (strset_contains(&a->inputs, clean, strlen(clean)))
			continue; /* a quoted include beside its includer, say */
		if (below_recorded(&a->recorded, &a->present, cand))
			continue; /* no system call for what a missing dir covers */
		strbuf_reset(p);
		strbuf_addstr(p, cand);
		if (probe_absent(c, inv, p->buf) == 0) {
			if (existing) {
				strvec_push(existing, p->buf);
				continue;
			}
			struct stat st;
			int rc = existing_candidate(c, p->buf, &set->not_files, &st);
			if (rc > 0)
				ret = 1;
			long same = rc == 0 && S_ISREG(st.st_mode) ? same_file_as_input(set, &st) : -1;
			/* A quoted include found beside its includer is a
			 * candidate too: an input under its own name. */
			if (same >= 0 && strcmp(path_skip_dot_slash(set->files[same].path),
						path_skip_dot_slash(p->buf)))
				strvec_push(&a->aliases, p->buf);
			if (rc >= 0)
				continue;
		}
		size_t missing_len = p->len; /* candidate[0..missing_len) is missing */
		while (cut_to_parent(p) && !strset_contains(&a->present, p->buf, p->len)) {
			int parent_absent = probe_absent(c, inv, p->buf);
			if (parent_absent == 0)
				strset_add(&a->present, p->buf, p->len);
			if (parent_absent != 1)
				break;
			missing_len = p->len;
		}
		strbuf_reset(p);
		strbuf_add(p, cand, missing_len);
		if (strset_add(&a->recorded, p->buf, p->len))
			strvec_push(&set->absent, p->buf);
	}
	return ret;
}

/* The files the compile read, source first, from its dependency list. */
static int read_inputs(struct invocation *inv, const char *depfile, struct strvec *inputs)
{
	struct strbuf text = STRBUF_INIT;
	struct strvec prereqs = STRVEC_INIT;
	int ret = -1;

	if (read_file(depfile, &text, 64u << 20) < 0)
		goto out;
	if (depfile_prerequisites(text.buf, text.len, &prereqs) < 0) {
		error("cannot parse dependency file '%s'", depfile);
		goto out;
	}
	strvec_push(inputs, inv->source);
	for (size_t i = 0; i < prereqs.nr; i++)
		if (strcmp(prereqs.v[i], inv->source))
			strvec_push(inputs, prereqs.v[i]);
	ret = 0;
out:
	strvec_clear(&prereqs);
	strbuf_release(&text);
	return ret;
}

int file_stamp_of(const char *path, struct file_stamp *out)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->size = (uint64_t)st.st_size;
	out->mtime_ns = (uint64_t)ts_ns(st.st_mtim);
	out->ctime_ns = (uint64_t)ts_ns(st.st_ctim);
	return 0;
}

/* Is the output still the file the client handed over? */
static bool output_unchanged(const struct cache *c, int i, const char *path)
{
	struct file_stamp now;

	const struct file_stamp *then = &c->output_stamps[i];

	/* Not ctime: the build deleting or renaming the output's own name
	 * changes it (the link count), and that is fine. */
	return !c->have_output_stamps || !c->output_copies[i] ||
	       (file_stamp_of(path, &now) == 0 && now.dev == then->dev && now.ino == then->ino &&
		now.size == then->size && now.mtime_ns == then->mtime_ns);
}

static int build_result(struct cache *c, struct invocation *inv, const struct run_result *run,
			struct strbuf *records)
{
	struct strbuf content = STRBUF_INIT;
	unsigned char st[4];
	int ret = -1;

	for (int i = 0; i < 4; i++)
		st[i] = (unsigned char)((unsigned)exit_code_of(run->status) >> (8 * i));
	entry_add(records, RES_STATUS, st, 4);
	entry_add(records, RES_STDOUT, run->out.buf, run->out.len);
	entry_add(records, RES_STDERR, run->err.buf, run->err.len);
	if (inv->dep_target)
		entry_add(records, RES_DEP_TARGET, inv->dep_target, strlen(inv->dep_target));
	for (int i = 0; i < inv->nr_outputs; i++) {
		const char *path = c->output_copies[i] ? c->output_copies[i] : inv->outputs[i].path;
		struct stat sb;
		strbuf_reset(&content);
		if (!output_unchanged(c, i, path)) {
			zlog("not stored: '%s' changed after the compile", inv->outputs[i].path);
			count(c, STAT_UNC_MODIFIED_DURING_COMPILE);
			goto out;
		}
		/* An output older than the compile is a leftover it did not
		 * write (the compile named it otherwise): never store that. */
		if (stat(path, &sb) < 0 ||
		    ts_ns(sb.st_mtim) < ts_ns(c->start) - (sb.st_mtim.tv_nsec ? FINE_TIMESTAMP_SLACK_NS
									  : COARSE_TIMESTAMP_SLACK_NS) ||
		    read_file(path, &content, (size_t)1 << 31) < 0) {
			zlog("not stored: the compile did not write '%s'", inv->outputs[i].path);
			count(c, STAT_UNC_MISSING_OUTPUT);
			goto out;
		}
		if (!output_unchanged(c, i, path) ||
		    (c->have_output_stamps && c->output_copies[i] &&
		     change_check(content.buf, content.len) != c->output_checks[i])) {
			zlog("not stored: '%s' changed after the compile", inv->outputs[i].path);
			count(c, STAT_UNC_MODIFIED_DURING_COMPILE);
			goto out;
		}
		entry_add(records, RES_OUTPUT_BASE + inv->outputs[i].kind, content.buf, content.len);
	}
	ret = 0;
out:
	strbuf_release(&content);
	return ret;
}

/* A file the compile may have read though its dependency list does not
 * say (a precompiled header, what a __has_include found): an input. */
static int add_input_file(struct cache *c, struct invocation *inv, struct include_set *set,
			  const char *path, enum counter *reason)
{
	set->files = xrealloc(set->files, (set->nr_files + 1) * sizeof(*set->files));
	int rc = record_file(c, inv, path, &set->files[set->nr_files], NULL, reason);
	set->nr_files++;
	return rc < 0 ? -1 : *reason ? 1 : 0;
}

/* A path seen to exist that is no file after all: the absence walk again
 * (which keeps a directory or a link to nowhere as "no file"). */
static int recheck_absent(struct cache *c, const struct invocation *inv, struct absences *a,
			  struct include_set *set, const char *path)
{
	struct strset one = STRSET_INIT;

	strset_add(&one, path, strlen(path));
	int late = add_absent_paths(c, inv, a, &one, set, NULL);
	strset_clear(&one);
	return late;
}

/*
 * Files the compile may have read that its dependency list does not name:
 * precompiled headers (pch; a .gch directory is not supported) and what a
 * __has_include found (anything but a file there is a path that must stay
 * no file). Each file found is an input. Returns 0, 1 (not stored: *reason
 * set) or -1.
 */
static int record_found(struct cache *c, struct invocation *inv, struct absences *a,
			struct include_set *set, const struct strvec *found, bool pch,
			enum counter *reason)
{
	for (size_t i = 0; i < found->nr; i++) {
		const char *path = found->v[i];
		struct stat st;
		bool exists = (pch ? lstat(path, &st) : stat(path, &st)) == 0;
		int rc;

		if (exists && S_ISREG(st.st_mode)) {
			rc = add_input_file(c, inv, set, path, reason);
		} else if (exists && pch) {
			zlog("not stored: precompiled header directory '%s'", path);
			*reason = STAT_UNC_UNSUPPORTED_OPTION;
			rc = 1;
		} else {
			rc = recheck_absent(c, inv, a, set, path); /* gone, or no file */
		}
		if (rc > 0 && !*reason)
			*reason = STAT_UNC_MODIFIED_DURING_COMPILE;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Headers the compiler read under another name than its dependency list
 * gives (gcc lists a symlinked system header by its target). The name it
 * used is an input too: a file created under that name in an earlier search
 * directory shadows it, and re-pointing the link changes what is read. Its
 * includes are the target's, already scanned: gcc looks for quoted ones
 * beside the target. Returns 0, 1 (not stored: *reason set) or -1.
 */
static int add_aliases(struct cache *c, struct invocation *inv, const struct search_dirs *dirs,
		       struct strvec *inputs, struct include_scan **scans,
		       struct include_set *set, enum counter *reason)
{
	struct strvec places = STRVEC_INIT;
	size_t nr = inputs->nr;
	int ret = 0;

	unexplained_names(dirs, inputs->v, *scans, nr, &places);
	for (size_t i = 0; i < places.nr && ret == 0; i++) {
		const char *path = places.v[i];
		struct stat st;
		long same;

		/* Most names were skipped by an #if: nothing there, or a
		 * file that is none of the inputs. */
		if (!*path || probe_absent(c, inv, path) != 0 || stat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode) || (same = same_file_as_input(set, &st)) < 0)
			continue;
		zlog("'%s' was read as '%s'", set->files[same].path, path);
		*scans = xrealloc(*scans, (inputs->nr + 1) * sizeof(**scans));
		(*scans)[inputs->nr] = (struct include_scan)INCLUDE_SCAN_INIT;
		strvec_push(inputs, path);
		ret = add_input_file(c, inv, set, path, reason);
		while (*places.v[i])
			i++; /* the rest of this name's places were not looked at */
	}
	strvec_clear(&places);
	return ret;
}

/* add_absent_paths for the record: 0, or 1 with *reason set. */
static int require_absent(struct cache *c, const struct invocation *inv, struct absences *a,
			  const struct strset *candidates, struct include_set *set,
			  struct strvec *existing, enum counter *reason)
{
	if (!add_absent_paths(c, inv, a, candidates, set, existing))
		return 0;
	*reason = STAT_UNC_MODIFIED_DURING_COMPILE;
	return 1;
}

/*
 * What include resolution depended on besides the inputs' contents (see
 * compiler/includes.h), added to set: the paths that must stay absent or no
 * file, the dirs that must stay duplicates, and the files the dependency
 * list does not name (a header under the name the compiler used, a
 * precompiled header, what a __has_include found). Returns 0, 1 (not
 * stored: *reason set) or -1.
 */
static int record_include_constraints(struct cache *c, struct invocation *inv,
				      struct search_dirs *dirs, struct strvec *inputs,
				      struct include_scan **scans, struct include_set *set,
				      enum counter *reason)
{
	struct strset candidates = STRSET_INIT;
	struct strvec found = STRVEC_INIT;
	struct absences absences = ABSENCES_INIT;
	int rc = 1;

	take_duplicates(dirs, set);
	/* Warned about (or an error): each include dir must stay what it is,
	 * missing or a directory. */
	for (size_t i = 0; inv->dirs_warned && i < dirs->missing.nr; i++)
		strvec_push(&set->absent, dirs->missing.v[i]);
	for (size_t i = 0; inv->dirs_warned && i < dirs->chain.nr; i++) {
		strvec_push(&set->same_dirs, dirs->chain.v[i]);
		strvec_push(&set->same_dirs, dirs->chain.v[i]);
	}
	long odd = unexplained_input(dirs, inputs->v, *scans, inputs->nr, inv->forced_includes.v,
				     inv->forced_includes.nr);
	if (odd >= 0) {
		zlog("not stored: '%s' is under no search directory: a resolved symlink?",
		     inputs->v[odd]);
		*reason = STAT_UNC_UNEXPLAINED_HEADER;
		goto out;
	}
	rc = add_aliases(c, inv, dirs, inputs, scans, set, reason);
	if (rc)
		goto out;
	for (size_t i = 0; i < set->nr_files; i++) {
		const char *clean = path_skip_dot_slash(set->files[i].path);
		strset_add(&absences.inputs, clean, strlen(clean));
	}
	shadow_candidates(dirs, inputs->v, *scans, inputs->nr, inv->forced_includes.v,
			  inv->forced_includes.nr, &candidates);
	rc = require_absent(c, inv, &absences, &candidates, set, NULL, reason);
	if (!rc)
		rc = record_found(c, inv, &absences, set, &absences.aliases, false, reason);
	if (rc)
		goto out;
	/* Precompiled headers in use are inputs the depfile does not name. */
	strset_clear(&candidates);
	pch_candidates(dirs, inv->source, &(*scans)[0], inv->forced_includes.v,
		       inv->forced_includes.nr, &candidates);
	rc = require_absent(c, inv, &absences, &candidates, set, &found, reason);
	if (!rc)
		rc = record_found(c, inv, &absences, set, &found, true, reason);
	if (rc)
		goto out;
	/* What a __has_include found: gcc's dependency list does not name it
	 * either, and its disappearance changes the answer. */
	strset_clear(&candidates);
	strvec_clear(&found);
	probe_candidates(dirs, inputs->v, *scans, inputs->nr, &candidates);
	rc = require_absent(c, inv, &absences, &candidates, set, &found, reason);
	if (!rc)
		rc = record_found(c, inv, &absences, set, &found, false, reason);
out:
	strset_clear(&candidates);
	strvec_clear(&found);
	absences_release(&absences);
	return rc;
}

int cache_record(struct cache *c, struct invocation *inv, const struct digest *key,
		 const struct run_result *run, const char *depfile)
{
	struct strvec inputs = STRVEC_INIT;
	struct search_dirs dirs = SEARCH_DIRS_INIT;
	struct include_scan *scans = NULL;
	struct include_set set = { 0 };
	struct manifest old = { 0 };
	struct strbuf records = STRBUF_INIT;
	struct entry me = ENTRY_INIT;
	struct hasher h;
	enum counter reason = 0;
	int64_t bytes = 0, files = 0;
	int ret = -1;

	if (!c->store->writable) {
		zlog("not stored: %s", c->store->not_writable);
		goto out;
	}
	if (config_dirs_changed(c, inv)) {
		zlog("not stored: a directory the compiler reads configuration files from changed");
		count(c, STAT_UNC_MODIFIED_DURING_COMPILE);
		ret = 1;
		goto out;
	}
	for (int i = 0; i < inv->nr_outputs; i++)
		if (c->output_copies[i] && !strcmp(depfile, inv->outputs[i].path))
			depfile = c->output_copies[i];
	if (read_inputs(inv, depfile, &inputs) < 0)
		goto fail;
	set.files = xcalloc(inputs.nr, sizeof(*set.files));
	scans = xcalloc(inputs.nr, sizeof(*scans));
	for (size_t i = 0; i < inputs.nr; i++) {
		if (record_file(c, inv, inputs.v[i], &set.files[i], &scans[i], &reason) < 0) {
			set.nr_files = i + 1;
			goto fail;
		}
		set.nr_files = i + 1;
		if (reason) {
			count(c, reason);
			ret = 1;
			goto out;
		}
	}
	if (resolve_probe_wrappers(scans, inputs.nr) < 0) {
		zlog("not stored: a __has_include names a header only the preprocessor knows");
		count(c, STAT_UNC_COMPUTED_HAS_INCLUDE);
		ret = 1;
		goto out;
	}
	/* The source must still be what the key was computed from. */
	if (!digest_equal(&set.files[0].digest, &c->source_digest)) {
		zlog("not stored: the source changed during the compile");
		count(c, STAT_UNC_MODIFIED_DURING_COMPILE);
		ret = 1;
		goto out;
	}
	if (search_dirs_for(c, inv, &dirs) < 0)
		goto fail;
	int rc = record_include_constraints(c, inv, &dirs, &inputs, &scans, &set, &reason);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		count(c, reason);
		ret = 1;
		goto out;
	}
	zlog("recorded %zu inputs and %zu paths that must stay absent", inputs.nr, set.absent.nr);

	hasher_init(&h, NULL);
	hash_digest(&h, "direct-key", key);
	for (size_t i = 0; i < set.nr_files; i++) {
		hash_str(&h, "path", set.files[i].path);
		hash_digest(&h, "content", &set.files[i].digest);
	}
	hasher_final(&h, &set.result_key);

	if (build_result(c, inv, run, &records) < 0) {
		ret = 1;
		goto out;
	}
	if (store_put(c->store, ENTRY_RESULT, &set.result_key, &records, &bytes, &files) < 0)
		goto fail;
	stats_delta_add(&c->delta, STAT_CACHE_BYTES, bytes);
	stats_delta_add(&c->delta, STAT_CACHE_FILES, files);
	bytes = files = 0;

	if (store_get(c->store, ENTRY_MANIFEST, key, &me) == ENTRY_FOUND &&
	    manifest_decode(&me, &old) < 0)
		memset(&old, 0, sizeof(old));
	entry_release(&me);
	strbuf_reset(&records);
	manifest_encode(&set, &old, &records);
	if (store_put(c->store, ENTRY_MANIFEST, key, &records, &bytes, &files) < 0)
		goto fail;
	if (c->manifests)
		manifest_memo_forget(c->manifests, key); /* read again when next asked */
	stats_delta_add(&c->delta, STAT_CACHE_BYTES, bytes);
	stats_delta_add(&c->delta, STAT_CACHE_FILES, files);
	ret = 0;
	goto out;
fail:
	count(c, STAT_ERR_STORE_FAILED);
out:
	for (size_t i = 0; scans && i < inputs.nr; i++)
		include_scan_release(&scans[i]);
	free(scans);
	manifest_release(&old);
	include_set_release(&set);
	search_dirs_release(&dirs);
	strvec_clear(&inputs);
	strbuf_release(&records);
	return ret;
}
