/*
 * filememo.h - the daemon's memory of file contents: path -> content digest,
 * and path -> "absent", so that a warm hit neither reads nor hashes headers
 * it has seen, and (where it can be proven) does not even stat them.
 *
 * A remembered file is either
 *  - trusted: its directory and every ancestor are watched with inotify on
 *    a local filesystem, the path has no symlink, "." or ".." in it, the file
 *    is a regular file with one link and not a mount point, and the watches
 *    were in place before it was read. Any event naming it (or an ancestor
 *    directory entry on its path) forgets it. Used without a system call.
 *    The directories' watches see their entries only (created, deleted,
 *    renamed); each trusted file has a watch of its own for its content
 *    and attributes. A directory's permissions are not watched.
 *  - stat-validated: used only while stat data (device, inode, size, mtime,
 *    ctime) is unchanged, and remembered only when it was last changed
 *    safely before it was read (the same rule as the manifests').
 * A remembered absence is always trusted (its directory is watched);
 * absences elsewhere are not remembered.
 *
 * Events are read by file_memo_sync(), which the daemon calls at the start
 * of each request: whatever changed before the client started is then
 * known. On an event queue overflow or a change of the mount table every
 * remembered fact is dropped. The watch is a speed-up: without inotify (or
 * beyond its limits) stat data decides.
 *
 * Memory: about 220 bytes per remembered path plus its length; 10,000
 * files take about 3 MB. Past FILE_MEMO_MAX_NODES everything is forgotten
 * and the memory starts again from empty.
 *
 * Thread-safe (one mutex, which file_memo_hold() takes for a batch of
 * questions). Paths must be absolute.
 */
#ifndef ZC_FILEMEMO_H
#define ZC_FILEMEMO_H

#include "../util/compat.h"
#include "hash.h"

#define FILE_MEMO_MAX_NODES 200000

struct file_memo;

struct file_memo_info {
	size_t files, trusted, absent, watches, bytes;
	uint64_t dropped_all; /* times everything was forgotten */
};

/* NULL only when out of memory; works without inotify. */
struct file_memo *file_memo_new(void);
void file_memo_free(struct file_memo *m);

/* Reads the pending inotify events and forgets what they name. */
void file_memo_sync(struct file_memo *m);

/* The content digest of the file at path; -1 when it cannot be read. */
int file_memo_digest(struct file_memo *m, const char *path, struct digest *out);

/* The stat data that goes with a digest: the file's when it was read, and
 * still its own (else an event or a stat would have said otherwise). */
struct file_memo_stat {
	uint64_t ino, size, mtime_ns, ctime_ns;
	/* Memory holds the answer now, trusted: it will answer alone until it
	 * forgets (see file_memo_generation). */
	bool trusted;
};
/* file_memo_digest, and the stat data the digest belongs to. */
int file_memo_digest_stat(struct file_memo *m, const char *path, struct digest *out,
			  struct file_memo_stat *st);

/* 1 when nothing exists at path (lstat: ENOENT or ENOTDIR), 0 when
 * something does, -1 when lstat fails otherwise (cannot tell). */
int file_memo_absent(struct file_memo *m, const char *path);
/* file_memo_absent; *trusted says whether memory holds the answer now,
 * trusted (see struct file_memo_stat). */
int file_memo_absent_trusted(struct file_memo *m, const char *path, bool *trusted);

/* Keeps the others out (other threads' questions, and the reading of
 * events) from file_memo_hold() to file_memo_unhold(): one include set's
 * thousand questions take the lock once, and are answered as of one
 * moment. The calls above may be made in between, by the holder only. */
void file_memo_hold(struct file_memo *m);
void file_memo_unhold(struct file_memo *m);

/* Moves whenever the memory forgets anything. While it has not moved, every
 * answer that memory held trusted (a trusted digest, a remembered absence)
 * still holds, as of the last file_memo_sync(). */
uint64_t file_memo_generation(struct file_memo *m);

/*
 * Scopes: checking a set of answers by directory instead of one by one.
 *
 * The tick moves whenever memory makes or forgets a node. Forgetting
 * anything marks every remembered directory above it with the tick. So
 * when memory held a path's answer trusted at tick T (or took it then,
 * with its watches in place before it looked), and the path's scope
 * (file_memo_scope) is still watched, was remembered by T and has been
 * marked by nothing since, memory still answers the same.
 */
uint64_t file_memo_tick(struct file_memo *m);
/* Is dir a watched directory, remembered at since, and has nothing at or
 * below it been forgotten since? */
bool file_memo_unchanged_below(struct file_memo *m, const char *dir, uint64_t since);
/* Writes the scope of an absolute path to out: the directory below which
 * lies whatever memory's answer for path rests on. Its length, or 0 (a
 * relative path, or out too small). Lexical: no system call. */
size_t file_memo_scope(const char *path, char *out, size_t size);

void file_memo_info(struct file_memo *m, struct file_memo_info *info);

#endif
