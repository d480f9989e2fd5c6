/* filememo.c - remembered file digests, kept valid by stat data or inotify
 * (see filememo.h for the rules). */
#include "../util/compat.h"
#include "filememo.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* Files changed this recently may change again within one timestamp tick:
 * not remembered on stat data alone (as in cache.c). */
#define FINE_SLACK_NS 20000000LL
#define COARSE_SLACK_NS 1000000000LL

/* IN_MASK_CREATE: an inode already watched (the same directory reached by
 * another path, through a bind mount) is refused rather than shared.
 * A directory's watch asks only for changes to its entries: writes to a
 * trusted file are seen by the file's own watch. Asking for a content or
 * attribute event would make the kernel mark every cached child dentry
 * (80 ms for a /tmp full of deleted temp files) and then queue an event
 * for every write() to any file in the directory: cc1's assembly in /tmp,
 * the objects in a build directory. */
#define DIR_WATCH_MASK                                                               \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |        \
	 IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_MASK_CREATE)
#define FILE_WATCH_MASK                                                             \
	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF |      \
	 IN_DONT_FOLLOW | IN_MASK_CREATE)
/* Directories deeper than this below "/" are never watched (stat data
 * decides there). */
#define MAX_WATCH_DEPTH 128
/* Watch descriptors only grow; past this the inotify instance is renewed. */
#define MAX_WATCH_DESCRIPTOR (1 << 20)

enum node_kind { NODE_FILE, NODE_ABSENT, NODE_DIR };

struct node {
	struct node *next; /* hash chain */
	enum node_kind kind;
	bool trusted;      /* NODE_FILE: valid until an event names it */
	/* NODE_FILE: the stat data the digest belongs to */
	uint64_t dev, ino, size, mtime_ns, ctime_ns;
	struct digest digest;
	/* NODE_DIR: its watch (-1: cannot be watched: nothing below is
	 * trusted). A trusted NODE_FILE: the watch on the file itself, which
	 * sees writes and new links through any name. */
	int wd;
	/* The tick (see file_memo_tick) when the node was made, or when a
	 * node below its path was last forgotten, whichever came last. */
	uint64_t changed;
	uint64_t hash;
	size_t path_len;
	char path[];
};

struct file_memo {
	pthread_mutex_t lock;
	int inotify_fd;   /* -1 without inotify */
	int mountinfo_fd; /* pollable: the mount table changed */
	struct node **buckets;
	size_t nr_buckets, nr_nodes, bytes;
	struct node **by_wd; /* watch descriptor -> directory node */
	size_t nr_wd;
	uint64_t dropped_all;
	uint64_t generation; /* nodes forgotten so far */
	uint64_t tick;       /* nodes made or forgotten so far */
};

static int64_t ts_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static uint64_t path_hash(const char *path, size_t len)
{
	return XXH3_64bits(path, len);
}

static struct node *find(struct file_memo *m, const char *path, size_t len)
{
	uint64_t h = path_hash(path, len);

	for (struct node *n = m->buckets[h % m->nr_buckets]; n; n = n->next)
		if (n->hash == h && n->path_len == len && !memcmp(n->path, path, len))
			return n;
	return NULL;
}

/* The directory part of an absolute path: "/a/b" -> "/a", "/a" -> "/". */
static size_t dir_len(const char *path, size_t len)
{
	const char *slash = memrchr(path, '/', len);

	return !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
}

/* Something at path is being forgotten: every remembered directory above it
 * says so (file_memo_unchanged_below). */
static void mark_ancestors_changed(struct file_memo *m, const char *path, size_t len)
{
	for (size_t l = dir_len(path, len); l > 0; l = l > 1 ? dir_len(path, l) : 0) {
		struct node *a = find(m, path, l);
		if (a)
			a->changed = m->tick;
	}
}

/* Forgets one node. A caller that forgets a whole tree marks the tree's
 * ancestors once (mark_ancestors = false for the nodes below its root). */
static void unlink_node_marking(struct file_memo *m, struct node *dead, bool mark_ancestors)
{
	struct node **p = &m->buckets[dead->hash % m->nr_buckets];

	while (*p != dead)
		p = &(*p)->next;
	*p = dead->next;
	if (dead->wd >= 0) {
		if ((size_t)dead->wd < m->nr_wd && m->by_wd[dead->wd] == dead) {
			m->by_wd[dead->wd] = NULL;
			inotify_rm_watch(m->inotify_fd, dead->wd);
		}
	}
	m->nr_nodes--;
	m->bytes -= sizeof(*dead) + dead->path_len + 1;
	m->generation++;
	m->tick++;
	if (mark_ancestors)
		mark_ancestors_changed(m, dead->path, dead->path_len);
	free(dead);
}

static void unlink_node(struct file_memo *m, struct node *dead)
{
	unlink_node_marking(m, dead, true);
}

/* Forgets everything: the answer to an overflow or a new mount. Every node
 * made afterwards is younger than any tick a caller holds. */
static void drop_all(struct file_memo *m)
{
	for (size_t b = 0; b < m->nr_buckets; b++)
		while (m->buckets[b])
			unlink_node_marking(m, m->buckets[b], false);
	m->dropped_all++;
}

static struct node *add_node(struct file_memo *m, const char *path, size_t len,
			     enum node_kind kind)
{
	struct node *n = xcalloc(1, sizeof(*n) + len + 1);

	memcpy(n->path, path, len);
	n->path_len = len;
	n->kind = kind;
	n->wd = -1;
	n->changed = ++m->tick;
	n->hash = path_hash(path, len);
	n->next = m->buckets[n->hash % m->nr_buckets];
	m->buckets[n->hash % m->nr_buckets] = n;
	m->nr_nodes++;
	m->bytes += sizeof(*n) + len + 1;
	return n;
}

/* Forgets path and, when it is a directory we know, everything below it. */
static void forget_tree(struct file_memo *m, const char *name, size_t len)
{
	char path[PATH_MAX];
	struct node *n;
	bool was_dir;

	if (len >= sizeof(path)) {
		drop_all(m);
		return;
	}
	/* name may be the node's own path, freed below. */
	memcpy(path, name, len);
	path[len] = '\0';
	/* Every node of the path: a file's node and a stale absence of it may
	 * both be there (the file appeared after the last sync). */
	was_dir = false;
	while ((n = find(m, path, len))) {
		was_dir |= n->kind == NODE_DIR;
		unlink_node(m, n);
	}
	if (!was_dir)
		return;
	if (len == 1) {
		drop_all(m); /* "/" itself */
		return;
	}
	for (size_t b = 0; b < m->nr_buckets; b++) {
		for (struct node **p = &m->buckets[b]; *p;) {
			struct node *c = *p;
			if (c->path_len > len && c->path[len] == '/' && !memcmp(c->path, path, len)) {
				/* path's ancestors are marked already */
				unlink_node_marking(m, c, false); /* *p now names the next one */
				continue;
			}
			p = &c->next;
		}
	}
}

struct file_memo *file_memo_new(void)
{
	struct file_memo *m = xcalloc(1, sizeof(*m));

	pthread_mutexattr_t recursive;
	pthread_mutexattr_init(&recursive);
	pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m->lock, &recursive); /* file_memo_hold() nests */
	pthread_mutexattr_destroy(&recursive);
	m->generation = 1; /* 0 is nobody's */
	m->nr_buckets = 16384;
	m->buckets = xcalloc(m->nr_buckets, sizeof(*m->buckets));
	m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->inotify_fd < 0)
		zlog("file memo: no inotify (%s): stat data decides", strerror(errno));
	m->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (m->mountinfo_fd < 0 && m->inotify_fd >= 0) {
		/* Without it a new mount would go unseen: no watches then. */
		close(m->inotify_fd);
		m->inotify_fd = -1;
	}
	return m;
}

void file_memo_free(struct file_memo *m)
{
	if (!m)
		return;
	drop_all(m);
	if (m->inotify_fd >= 0)
		close(m->inotify_fd);
	if (m->mountinfo_fd >= 0)
		close(m->mountinfo_fd);
	free(m->buckets);
	free(m->by_wd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void handle_event(struct file_memo *m, const struct inotify_event *ev)
{
	struct node *dir;
	char path[PATH_MAX];

	if (ev->mask & IN_Q_OVERFLOW) {
		zlog("file memo: inotify queue overflow: forgetting every file");
		drop_all(m);
		return;
	}
	if (ev->wd < 0 || (size_t)ev->wd >= m->nr_wd || !(dir = m->by_wd[ev->wd]))
		return;
	if (ev->mask & IN_IGNORED) {
		dir->wd = -1; /* the kernel removed the watch */
		m->by_wd[ev->wd] = NULL;
	}
	if (dir->kind == NODE_FILE) {
		/* Anything at all on a trusted file's own watch. */
		unlink_node(m, dir);
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
		forget_tree(m, dir->path, dir->path_len);
		return;
	}
	if (!ev->len)
		return;
	int n = snprintf(path, sizeof(path), "%s/%s", dir->path_len == 1 ? "" : dir->path,
			 ev->name);
	if (n > 0 && (size_t)n < sizeof(path))
		forget_tree(m, path, (size_t)n);
	else
		drop_all(m); /* cannot name it: forget everything to be safe */
}

static void sync_locked(struct file_memo *m)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { m->mountinfo_fd, POLLPRI, 0 };

	if (m->inotify_fd < 0)
		return;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR))) {
		zlog("file memo: the mount table changed: forgetting everything");
		drop_all(m);
	}
	for (;;) {
		ssize_t len = read(m->inotify_fd, buf, sizeof(buf));
		if (len <= 0) {
			if (len < 0 && errno != EAGAIN && errno != EINTR) {
				drop_all(m);
				close(m->inotify_fd);
				m->inotify_fd = -1;
			}
			break;
		}
		for (char *p2 = buf; p2 < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p2;
			handle_event(m, ev);
			p2 += sizeof(*ev) + ev->len;
		}
	}
}

void file_memo_sync(struct file_memo *m)
{
	pthread_mutex_lock(&m->lock);
	sync_locked(m);
	pthread_mutex_unlock(&m->lock);
}

static bool local_filesystem(const char *dir)
{
	struct statfs fs;

	if (statfs(dir, &fs) < 0)
		return false;
	switch ((unsigned long)fs.f_type) {
	case EXT4_SUPER_MAGIC: /* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case F2FS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

/* Events on wd are about n from now on. */
static void map_watch(struct file_memo *m, struct node *n, int wd)
{
	if ((size_t)wd >= m->nr_wd) {
		size_t nr = (size_t)wd * 2 + 64;
		m->by_wd = xrealloc(m->by_wd, nr * sizeof(*m->by_wd));
		memset(m->by_wd + m->nr_wd, 0, (nr - m->nr_wd) * sizeof(*m->by_wd));
		m->nr_wd = nr;
	}
	n->wd = wd;
	m->by_wd[wd] = n;
}

/* Watches n->path; -1 (n->wd stays -1) when the kernel refuses. */
static int add_watch(struct file_memo *m, struct node *n, uint32_t mask)
{
	int wd = inotify_add_watch(m->inotify_fd, n->path, mask);

	if (wd < 0)
		return -1;
	if ((size_t)wd >= MAX_WATCH_DESCRIPTOR) {
		inotify_rm_watch(m->inotify_fd, wd);
		return -1; /* renewed by the next capacity check */
	}
	map_watch(m, n, wd);
	return 0;
}

/* Room for a request's new nodes; forgetting everything makes it. Called
 * before any node is looked at, so that no caller holds a freed node. */
static void ensure_capacity(struct file_memo *m)
{
	if (m->nr_nodes + 256 < FILE_MEMO_MAX_NODES && m->nr_wd < MAX_WATCH_DESCRIPTOR)
		return;
	drop_all(m);
	if (m->nr_wd >= MAX_WATCH_DESCRIPTOR && m->inotify_fd >= 0) {
		/* A new instance numbers its watches from 1 again. */
		close(m->inotify_fd);
		m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		free(m->by_wd);
		m->by_wd = NULL;
		m->nr_wd = 0;
	}
}

/* The watched node of directory dir (len bytes of path), watching it and
 * its ancestors first; NULL when it cannot be watched (then nothing below
 * it is trusted). */
static struct node *watched_dir_at(struct file_memo *m, const char *dir, size_t len,
				   int depth)
{
	struct node *n = find(m, dir, len);

	if (n)
		return n->kind == NODE_DIR && n->wd >= 0 ? n : NULL;
	if (m->inotify_fd < 0 || len >= PATH_MAX || depth > MAX_WATCH_DEPTH)
		return NULL;
	if (len > 1) {
		/* The parent first: its events cover this directory's name. */
		const char *slash = memrchr(dir, '/', len);
		size_t plen = slash == dir ? 1 : (size_t)(slash - dir);
		if (!slash || !watched_dir_at(m, dir, plen, depth + 1))
			return NULL;
	}
	n = add_node(m, dir, len, NODE_DIR);
	char *path = xstrndup(dir, len); /* not on the stack: this recurses */
	char *real = realpath(path, NULL);
	bool canonical = real && !strcmp(real, path);
	free(real);
	if (canonical && local_filesystem(path))
		add_watch(m, n, DIR_WATCH_MASK);
	free(path);
	return n->wd >= 0 ? n : NULL;
}

static struct node *watched_dir(struct file_memo *m, const char *dir, size_t len)
{
	return watched_dir_at(m, dir, len, 0);
}

static bool same_stat(const struct node *n, const struct stat *st)
{
	return n->dev == (uint64_t)st->st_dev && n->ino == (uint64_t)st->st_ino &&
	       n->size == (uint64_t)st->st_size && n->mtime_ns == (uint64_t)ts_ns(st->st_mtim) &&
	       n->ctime_ns == (uint64_t)ts_ns(st->st_ctim);
}

static void set_stat(struct node *n, const struct stat *st)
{
	n->dev = (uint64_t)st->st_dev;
	n->ino = (uint64_t)st->st_ino;
	n->size = (uint64_t)st->st_size;
	n->mtime_ns = (uint64_t)ts_ns(st->st_mtim);
	n->ctime_ns = (uint64_t)ts_ns(st->st_ctim);
}

static bool is_mount_root(const char *path)
{
	struct statx sx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return true;
	/* A kernel that cannot say (before 5.8): assume the worst. */
	return !(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	       (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Has path a "", "." or ".." component after a slash? */
static bool needs_normalizing(const char *path)
{
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		const char *c = p + 1;
		if (c[0] == '/' || (c[0] == '.' && (c[1] == '/' || !c[1] ||
						   (c[1] == '.' && (c[2] == '/' || !c[2])))))
			return true;
	}
	return false;
}

/*
 * The path without ".", ".." and empty components, where that provably
 * names the same file: "D/.." becomes the parent of D only while D is a
 * watched directory (canonical when its watch was placed, and any rename,
 * removal or replacement of it since is an event that forgets it), so D is
 * no symlink and the kernel's ".." from it is its parent. Build systems
 * write include directories as ".../lib/.." all the time; without this
 * every header below one would be stat-validated on each hit.
 * Returns path itself when it is clean or cannot be proven equal, else buf.
 */
static const char *normalize(struct file_memo *m, const char *path, char *buf, size_t *len)
{
	size_t out = 0;
	const char *p = path;

	/* The kernel refuses a path this long, however it would shorten. */
	if (!path_is_absolute(path) || *len >= PATH_MAX || !needs_normalizing(path))
		return path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		if (clen == 0 || (clen == 1 && p[0] == '.')) {
			/* nothing: "a//b" and "a/./b" name a/b */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			if (out > 0) {
				if (!watched_dir(m, buf, out))
					return path;
				out = dir_len(buf, out);
				if (out == 1)
					out = 0; /* the root: kept as the empty prefix */
			}
		} else {
			if (out + 1 + clen >= PATH_MAX)
				return path;
			buf[out++] = '/';
			memcpy(buf + out, p, clen);
			out += clen;
		}
		p = end;
	}
	/* "D/" and "D/." name D only when D is a directory (else ENOTDIR):
	 * that too must be proven. */
	size_t raw = *len;
	if (out > 0 && (path[raw - 1] == '/' || (path[raw - 1] == '.' && path[raw - 2] == '/')) &&
	    !watched_dir(m, buf, out))
		return path;
	if (out == 0)
		buf[out++] = '/';
	buf[out] = '\0';
	*len = out;
	return buf;
}

static void report_stat(struct file_memo_stat *to, uint64_t ino, uint64_t size,
			uint64_t mtime_ns, uint64_t ctime_ns)
{
	if (to)
		*to = (struct file_memo_stat){ ino, size, mtime_ns, ctime_ns, false };
}

int file_memo_digest(struct file_memo *m, const char *path, struct digest *out)
{
	return file_memo_digest_stat(m, path, out, NULL);
}

int file_memo_digest_stat(struct file_memo *m, const char *path, struct digest *out,
			  struct file_memo_stat *fst)
{
	size_t len = strlen(path);
	struct node *n, *dir;
	struct stat st, after;
	struct strbuf content = STRBUF_INIT;
	struct timespec now;
	char clean[PATH_MAX];
	int ret = -1, wd = -1;

	pthread_mutex_lock(&m->lock);
	ensure_capacity(m);
	path = normalize(m, path, clean, &len);
	n = find(m, path, len);
	if (n && n->kind == NODE_ABSENT) {
		/* Created since the last sync: the absence is stale. */
		unlink_node(m, n);
		n = NULL;
	}
	if (n && n->kind != NODE_FILE)
		n = NULL; /* a directory node is not ours to drop */
	if (n && n->trusted) {
		*out = n->digest;
		report_stat(fst, n->ino, n->size, n->mtime_ns, n->ctime_ns);
		if (fst)
			fst->trusted = true;
		ret = 0;
		goto out;
	}
	/* Watches go in before the file is read: any change after that is an
	 * event, on the directories of the path or on the file itself. */
	dir = path_is_absolute(path) ? watched_dir(m, path, dir_len(path, len)) : NULL;
	if (lstat(path, &st) < 0)
		goto gone;
	bool symlink = S_ISLNK(st.st_mode);
	if (symlink && stat(path, &st) < 0)
		goto gone;
	if (n && same_stat(n, &st)) {
		*out = n->digest; /* validated by stat data */
		report_stat(fst, n->ino, n->size, n->mtime_ns, n->ctime_ns);
		ret = 0;
		goto out;
	}
	if (n)
		unlink_node(m, n);
	if (dir && !symlink && S_ISREG(st.st_mode) && st.st_nlink == 1) {
		/* A candidate for trust: its own watch first, then a fresh
		 * look at what the watch is on. */
		wd = inotify_add_watch(m->inotify_fd, path, FILE_WATCH_MASK);
		if (wd >= 0 && lstat(path, &st) < 0)
			goto out;
		symlink = S_ISLNK(st.st_mode);
		if (symlink && stat(path, &st) < 0)
			goto out;
	}
	if (digest_file(path, out, &content) < 0)
		goto out;
	if (stat(path, &after) < 0 || after.st_ino != st.st_ino || after.st_size != st.st_size ||
	    ts_ns(after.st_mtim) != ts_ns(st.st_mtim) || ts_ns(after.st_ctim) != ts_ns(st.st_ctim)) {
		/* Changed while read: the digest is of neither stat; use it,
		 * remember nothing, and say the file is brand new. */
		report_stat(fst, (uint64_t)st.st_ino, (uint64_t)st.st_size, (uint64_t)INT64_MAX,
			    (uint64_t)INT64_MAX);
		ret = 0;
		goto out;
	}
	report_stat(fst, (uint64_t)st.st_ino, (uint64_t)st.st_size, (uint64_t)ts_ns(st.st_mtim),
		    (uint64_t)ts_ns(st.st_ctim));
	ret = 0;
	bool trusted = wd >= 0 && (size_t)wd < MAX_WATCH_DESCRIPTOR && !symlink &&
		       S_ISREG(st.st_mode) && st.st_nlink == 1 && !is_mount_root(path);
	if (!trusted) {
		clock_gettime(CLOCK_REALTIME, &now);
		int64_t slack = st.st_ctim.tv_nsec ? FINE_SLACK_NS : COARSE_SLACK_NS;
		if (ts_ns(st.st_ctim) >= ts_ns(now) - slack || ts_ns(st.st_mtim) >= ts_ns(now) - slack)
			goto out;
	}
	n = add_node(m, path, len, NODE_FILE);
	n->trusted = trusted;
	set_stat(n, &st);
	n->digest = *out;
	if (trusted) {
		map_watch(m, n, wd);
		wd = -1; /* the node owns it now */
		if (fst)
			fst->trusted = true;
	}
	goto out;
gone:
	if (n)
		unlink_node(m, n);
out:
	if (wd >= 0)
		inotify_rm_watch(m->inotify_fd, wd);
	pthread_mutex_unlock(&m->lock);
	strbuf_release(&content);
	return ret;
}

/* Whether an ancestor directory of path is remembered as absent (then path
 * is too); the walk stops at the first ancestor that is a watched
 * directory, which exists. No system call. */
static bool ancestor_absent(struct file_memo *m, const char *path, size_t len)
{
	for (size_t l = dir_len(path, len); l > 1; l = dir_len(path, l)) {
		struct node *a = find(m, path, l);
		if (a && a->kind == NODE_ABSENT)
			return true;
		if (a && a->kind == NODE_DIR && a->wd >= 0)
			return false;
	}
	return false;
}

/* path is missing, and so is its directory: remembers the shallowest
 * missing ancestor whose own directory is watched, so that the next
 * question about anything below it needs no system call. Whether it did. */
static bool remember_missing_ancestor(struct file_memo *m, const char *path, size_t len)
{
	struct stat st;
	char prefix[PATH_MAX];

	for (size_t l = dir_len(path, len); l > 1; l = dir_len(path, l)) {
		if (!watched_dir(m, path, dir_len(path, l)))
			continue;
		memcpy(prefix, path, l);
		prefix[l] = '\0';
		if (lstat(prefix, &st) == 0 || errno != ENOENT)
			return false;
		struct node *a = find(m, path, l);
		if (a && a->kind == NODE_DIR && a->wd < 0)
			unlink_node(m, a); /* "cannot be watched": it is not there */
		else if (a)
			return false;
		add_node(m, path, l, NODE_ABSENT);
		return true;
	}
	return false;
}

int file_memo_absent(struct file_memo *m, const char *path)
{
	bool trusted;

	return file_memo_absent_trusted(m, path, &trusted);
}

int file_memo_absent_trusted(struct file_memo *m, const char *path, bool *trusted)
{
	size_t len = strlen(path);
	struct node *n, *dir;
	struct stat st;
	char clean[PATH_MAX];
	int ret;

	*trusted = false;
	pthread_mutex_lock(&m->lock);
	ensure_capacity(m);
	path = normalize(m, path, clean, &len);
	n = find(m, path, len);
	if (n && n->kind == NODE_ABSENT) {
		*trusted = true;
		ret = 1;
		goto out;
	}
	/* Watched directories and trusted files exist until an event says
	 * otherwise. */
	if (n && ((n->kind == NODE_DIR && n->wd >= 0) || (n->kind == NODE_FILE && n->trusted))) {
		*trusted = true;
		ret = 0;
		goto out;
	}
	if (!path_is_absolute(path) || len >= PATH_MAX) {
		ret = lstat(path, &st) == 0 ? 0 : errno == ENOENT || errno == ENOTDIR ? 1 : -1;
		goto out;
	}
	if (ancestor_absent(m, path, len)) {
		*trusted = true;
		ret = 1;
		goto out;
	}
	dir = watched_dir(m, path, dir_len(path, len));
	if (lstat(path, &st) == 0) {
		ret = 0;
		goto out;
	}
	ret = errno == ENOENT || errno == ENOTDIR ? 1 : -1;
	if (errno != ENOENT || n)
		goto out;
	if (dir)
		add_node(m, path, len, NODE_ABSENT);
	*trusted = dir || remember_missing_ancestor(m, path, len);
out:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void file_memo_hold(struct file_memo *m)
{
	pthread_mutex_lock(&m->lock);
}

void file_memo_unhold(struct file_memo *m)
{
	pthread_mutex_unlock(&m->lock);
}

uint64_t file_memo_generation(struct file_memo *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t generation = m->generation;
	pthread_mutex_unlock(&m->lock);
	return generation;
}

uint64_t file_memo_tick(struct file_memo *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t tick = m->tick;
	pthread_mutex_unlock(&m->lock);
	return tick;
}

bool file_memo_unchanged_below(struct file_memo *m, const char *dir, uint64_t since)
{
	bool unchanged;

	pthread_mutex_lock(&m->lock);
	struct node *n = find(m, dir, strlen(dir));
	unchanged = n && n->kind == NODE_DIR && n->wd >= 0 && n->changed <= since;
	pthread_mutex_unlock(&m->lock);
	return unchanged;
}

/*
 * Lexically, as a stack of components: "." and "" are nothing, ".." pops
 * (not above "/"). Memory normalizes "D/.." only where D is a watched
 * directory, so whenever it answered from memory alone the lexical form is
 * the path it looked at, every "D" lies below the lowest point the pops
 * reached, and the node that answered (the path's own, or its directory's
 * for a file) lies below the path's directory.
 */
size_t file_memo_scope(const char *path, char *out, size_t size)
{
	size_t depth = 0, lowest = SIZE_MAX, len = 0;
	size_t ends[PATH_MAX / 2]; /* out's length at each depth */

	if (!path_is_absolute(path) || size < 2)
		return 0;
	ends[0] = 1;
	out[0] = '/';
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			depth -= depth > 0;
			lowest = depth < lowest ? depth : lowest;
		} else if (clen && !(clen == 1 && p[0] == '.')) {
			size_t at = depth ? ends[depth] : 0;
			if (depth + 1 >= sizeof(ends) / sizeof(ends[0]) || at + 1 + clen >= size)
				return 0;
			out[at] = '/';
			memcpy(out + at + 1, p, clen);
			ends[++depth] = at + 1 + clen;
		}
		p = end;
	}
	/* The path's directory, or higher where a ".." went higher. */
	size_t scope = depth ? depth - 1 : 0;
	scope = lowest < scope ? lowest : scope;
	len = scope ? ends[scope] : 1;
	out[len] = '\0';
	return len;
}

void file_memo_info(struct file_memo *m, struct file_memo_info *info)
{
	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&m->lock);
	for (size_t b = 0; b < m->nr_buckets; b++) {
		for (struct node *n = m->buckets[b]; n; n = n->next) {
			if (n->kind == NODE_FILE) {
				info->files++;
				info->trusted += n->trusted;
			} else if (n->kind == NODE_ABSENT) {
				info->absent++;
			}
			info->watches += n->wd >= 0;
		}
	}
	info->bytes = m->bytes + m->nr_buckets * sizeof(*m->buckets) + m->nr_wd * sizeof(void *);
	info->dropped_all = m->dropped_all;
	pthread_mutex_unlock(&m->lock);
}
