/* The daemon's remembered file digests (hash/filememo.h): what is trusted
 * without a system call, and what makes it forget. The scratch directory is
 * under /tmp, which must be a local filesystem (ext4, tmpfs, ...) for the
 * trusted cases. */
#include "unit.h"
#include "hash/filememo.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

static char *dir;
static struct file_memo *memo;

static int setup(void **state)
{
	(void)state;
	dir = unit_scratch_dir();
	setenv("ZC_UNIT_DIR", dir, 1);
	memo = file_memo_new();
	return memo ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	file_memo_free(memo);
	unit_rm_rf(dir);
	free(dir);
	return 0;
}

static char *at(const char *name)
{
	static char path[4][4200];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void expect_digest_of(const char *path, const char *text)
{
	struct digest got, want;

	digest_buffer(text, strlen(text), &want);
	assert_int_equal(file_memo_digest(memo, path, &got), 0);
	assert_true(digest_equal(&got, &want));
}

static size_t trusted(void)
{
	struct file_memo_info info;

	file_memo_info(memo, &info);
	return info.trusted;
}

/* A plain file in a watched directory is trusted: once read, a later
 * change is not looked at until the events are read. */
static void test_trusted_until_sync(void **state)
{
	(void)state;
	unit_write(at("a.h"), "one\n");
	expect_digest_of(at("a.h"), "one\n");
	assert_int_equal(trusted(), 1);
	unit_write(at("a.h"), "two\n");
	expect_digest_of(at("a.h"), "one\n"); /* no system call: still the old */
	file_memo_sync(memo);
	expect_digest_of(at("a.h"), "two\n");
}

static void test_absent_until_created(void **state)
{
	(void)state;
	assert_int_equal(file_memo_absent(memo, at("b.h")), 1);
	unit_write(at("b.h"), "now here\n");
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("b.h")), 0);
}

/* Renaming a directory on the path changes what the path names. */
static void test_parent_rename_forgets(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("d"), 0755), 0);
	unit_write(at("d/x.h"), "old\n");
	expect_digest_of(at("d/x.h"), "old\n");
	assert_int_equal(rename(at("d"), at("e")), 0);
	assert_int_equal(mkdir(at("d"), 0755), 0);
	unit_write(at("d/x.h"), "new\n");
	file_memo_sync(memo);
	expect_digest_of(at("d/x.h"), "new\n");
}

/* A symlink or a second hard link can change the content without an event
 * in this directory: never trusted, and a just-written file is not even
 * remembered by its stat data. */
static void test_links_not_trusted(void **state)
{
	(void)state;
	unit_write(at("target.h"), "first\n");
	assert_int_equal(symlink(at("target.h"), at("link.h")), 0);
	assert_int_equal(link(at("target.h"), at("hard.h")), 0);
	expect_digest_of(at("link.h"), "first\n");
	expect_digest_of(at("hard.h"), "first\n");
	assert_int_equal(trusted(), 0);
	unit_write(at("target.h"), "second\n");
	expect_digest_of(at("link.h"), "second\n");
	expect_digest_of(at("hard.h"), "second\n");
}

/* ".." after a real, watched directory names its parent: the header is
 * trusted under its clean path, and a change to it is seen. */
static void test_dot_dot_after_directory(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("sub"), 0755), 0);
	unit_write(at("c.h"), "c\n");
	expect_digest_of(at("sub/../c.h"), "c\n");
	expect_digest_of(at("sub/.//../c.h"), "c\n");
	assert_int_equal(trusted(), 1);
	assert_int_equal(file_memo_absent(memo, at("sub/../none.h")), 1);
	unit_write(at("c.h"), "changed\n");
	unit_write(at("none.h"), "here\n");
	file_memo_sync(memo);
	expect_digest_of(at("sub/../c.h"), "changed\n");
	assert_int_equal(file_memo_absent(memo, at("sub/../none.h")), 0);
}

/* ".." after a symlink goes to the parent of the link's target, not of
 * the link: never cut lexically, even when the link replaces a directory
 * that was known. */
static void test_dot_dot_after_symlink(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("d"), 0755), 0);
	assert_int_equal(mkdir(at("d/e"), 0755), 0);
	assert_int_equal(mkdir(at("s"), 0755), 0);
	unit_write(at("d/c.h"), "inner\n");
	unit_write(at("c.h"), "outer\n");
	assert_int_equal(symlink("d/e", at("l")), 0);
	expect_digest_of(at("l/../c.h"), "inner\n");
	expect_digest_of(at("s/../c.h"), "outer\n");
	assert_int_equal(rename(at("s"), at("s.old")), 0);
	assert_int_equal(symlink("d/e", at("s")), 0);
	file_memo_sync(memo);
	expect_digest_of(at("s/../c.h"), "inner\n");
}

/* Below a missing directory: the missing ancestor is remembered, and its
 * creation (and of what is below it) is seen. */
static void test_absent_below_missing_directory(void **state)
{
	struct file_memo_info info;

	(void)state;
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 1);
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 1);
	assert_int_equal(file_memo_absent(memo, at("m/other.h")), 1);
	file_memo_info(memo, &info);
	assert_int_equal(info.absent, 1); /* "m" stands for all of them */
	assert_int_equal(mkdir(at("m"), 0755), 0);
	assert_int_equal(mkdir(at("m/n"), 0755), 0);
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 1);
	unit_write(at("m/n/x.h"), "x\n");
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 0);
	assert_int_equal(file_memo_absent(memo, at("m/n")), 0);
	assert_int_equal(system("rm -rf -- \"$ZC_UNIT_DIR/m\""), 0);
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("m/n")), 1);
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 1);
}

/* A file created after its absence was remembered, and read before the
 * events were: once they are, the absence is gone with the file's node. */
static void test_created_then_read_before_sync(void **state)
{
	(void)state;
	assert_int_equal(file_memo_absent(memo, at("late.h")), 1);
	unit_write(at("late.tmp"), "late\n");
	file_memo_sync(memo);
	/* one event names late.h: IN_MOVED_TO */
	assert_int_equal(rename(at("late.tmp"), at("late.h")), 0);
	expect_digest_of(at("late.h"), "late\n");
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("late.h")), 0);
	expect_digest_of(at("late.h"), "late\n");
}

/* What lstat says, in file_memo_absent's terms. */
static int kernel_absent(const char *p)
{
	struct stat st;

	if (lstat(p, &st) == 0)
		return 0;
	return errno == ENOENT || errno == ENOTDIR ? 1 : -1;
}

/* A remembered missing ancestor, then a file renamed onto its path and
 * read before the event is: the absence goes with the event. */
static void test_file_renamed_onto_missing_ancestor(void **state)
{
	struct digest d;

	(void)state;
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 1); /* "m" remembered */
	unit_write(at("m.tmp"), "now a file\n");
	file_memo_sync(memo);
	assert_int_equal(rename(at("m.tmp"), at("m")), 0);
	assert_int_equal(file_memo_digest(memo, at("m"), &d), 0);
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("m")), 0);
	assert_int_equal(file_memo_absent(memo, at("m/n/x.h")), 1); /* ENOTDIR */
}

/* "F/." and "F//" name nothing when F is a file or a dangling symlink;
 * a path too long for the kernel is refused even if it would shorten. */
static void test_paths_the_kernel_refuses(void **state)
{
	static char p[3 * PATH_MAX];
	struct digest d;

	(void)state;
	unit_write(at("f.h"), "f\n");
	assert_int_equal(symlink("nowhere", at("l")), 0);
	assert_int_equal(file_memo_absent(memo, at("f.h/.")), kernel_absent(at("f.h/.")));
	assert_int_equal(file_memo_absent(memo, at("./f.h//")), kernel_absent(at("./f.h//")));
	assert_int_equal(file_memo_absent(memo, at("l/.")), kernel_absent(at("l/.")));
	assert_int_equal(file_memo_digest(memo, at("f.h/."), &d), -1);
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", dir);
	while (n < PATH_MAX + 100)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/.");
	snprintf(p + n, sizeof(p) - n, "/f.h");
	assert_int_equal(file_memo_absent(memo, p), kernel_absent(p));
	assert_int_equal(file_memo_digest(memo, p, &d), -1);
}

/* A path of ~2,000 components: answered, not a stack overflow. */
static void test_deep_path(void **state)
{
	static char p[PATH_MAX];

	(void)state;
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", dir);
	while (n + 8 < PATH_MAX)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/a");
	snprintf(p + n, sizeof(p) - n, "/x.h");
	assert_int_equal(file_memo_absent(memo, p), 1);
}

/* A deleted and recreated directory: what was absent in it may exist. */
static void test_recreated_dir_forgets_absence(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("g"), 0755), 0);
	assert_int_equal(file_memo_absent(memo, at("g/v.h")), 1);
	assert_int_equal(system("rm -rf -- \"$ZC_UNIT_DIR/g\""), 0);
	assert_int_equal(mkdir(at("g"), 0755), 0);
	unit_write(at("g/v.h"), "v\n");
	file_memo_sync(memo);
	assert_int_equal(file_memo_absent(memo, at("g/v.h")), 0);
}

/* A link made after the file was read, and a write through it: the
 * file's own watch sees both. */
static void test_write_through_new_link(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("p"), 0755), 0);
	assert_int_equal(mkdir(at("q"), 0755), 0);
	unit_write(at("p/f.h"), "before\n");
	expect_digest_of(at("p/f.h"), "before\n");
	assert_int_equal(link(at("p/f.h"), at("q/g.h")), 0);
	FILE *f = fopen(at("q/g.h"), "r+");
	assert_non_null(f);
	fputs("AFTER!\n", f);
	fclose(f);
	file_memo_sync(memo);
	expect_digest_of(at("p/f.h"), "AFTER!\n");
}

/* Asking for a directory's digest fails and forgets nothing below it. */
static void test_directory_digest_keeps_watches(void **state)
{
	struct digest d;

	(void)state;
	assert_int_equal(mkdir(at("dd"), 0755), 0);
	unit_write(at("dd/x.h"), "x1\n");
	expect_digest_of(at("dd/x.h"), "x1\n");
	assert_int_equal(file_memo_digest(memo, at("dd"), &d), -1);
	unit_write(at("dd/x.h"), "x2\n");
	file_memo_sync(memo);
	expect_digest_of(at("dd/x.h"), "x2\n");
}

/* Trusted answers hold while the generation stands: it moves when an event
 * makes memory forget, not when memory learns. */
static void test_generation_moves_on_forgetting(void **state)
{
	struct file_memo_stat st;
	struct digest d;
	bool trusted;
	(void)state;

	unit_write(at("gen.h"), "g\n");
	/* Read from disk this time, with the watches placed first: held
	 * trusted from now on. */
	assert_int_equal(file_memo_digest_stat(memo, at("gen.h"), &d, &st), 0);
	assert_true(st.trusted);
	assert_int_equal(file_memo_absent_trusted(memo, at("none.h"), &trusted), 1);
	assert_true(trusted);
	uint64_t g = file_memo_generation(memo);
	assert_int_equal(file_memo_digest_stat(memo, at("gen.h"), &d, &st), 0);
	assert_true(st.trusted);
	assert_int_equal(file_memo_absent_trusted(memo, at("none.h"), &trusted), 1);
	assert_true(trusted);
	file_memo_sync(memo);
	assert_true(file_memo_generation(memo) == g);
	unit_write(at("none.h"), "now here\n");
	file_memo_sync(memo);
	assert_true(file_memo_generation(memo) != g);
	g = file_memo_generation(memo);
	unit_write(at("gen.h"), "changed\n");
	file_memo_sync(memo);
	assert_true(file_memo_generation(memo) != g);
}

static void expect_scope(const char *path, const char *want)
{
	char out[PATH_MAX];
	size_t len = file_memo_scope(path, out, sizeof(out));

	if (!want) {
		assert_int_equal(len, 0);
		return;
	}
	if (strcmp(out, want))
		fail_msg("the scope of %s is %s, not %s", path, out, want);
	assert_int_equal(len, strlen(want));
}

/* The scope: the path's directory, or the highest point a ".." reached. */
static void test_scope_is_lexical(void **state)
{
	(void)state;
	expect_scope("/a/b/c.h", "/a/b");
	expect_scope("/x.h", "/");
	expect_scope("/a/./b//c.h", "/a/b");
	expect_scope("/a/b/lib/../include/c.h", "/a/b");
	expect_scope("/a/b/lib/../include/sys/c.h", "/a/b");
	expect_scope("/a/x/../b/y/../../c/d/e.h", "/a");
	expect_scope("/a/x/../../c.h", "/");
	expect_scope("/a/b/../../../c.h", "/");
	expect_scope("/a/b/c/..", "/a");
	expect_scope("rel/c.h", NULL); /* relative: no scope */
	char tiny[4];
	assert_int_equal(file_memo_scope("/abc/d.h", tiny, sizeof(tiny)), 0);
}

/* A scope stays unchanged while nothing at or below it is forgotten; a
 * change below it, deep or shallow, marks it; a change beside it does
 * not; a directory made again is not the one that was checked. */
static void test_scope_marked_by_changes_below(void **state)
{
	struct file_memo_stat st;
	struct digest d;
	bool trusted;
	char top[PATH_MAX], sub[PATH_MAX], beside[PATH_MAX];
	(void)state;

	snprintf(top, sizeof(top), "%s", at("top"));
	snprintf(sub, sizeof(sub), "%s", at("top/sub"));
	snprintf(beside, sizeof(beside), "%s", at("beside"));
	assert_int_equal(mkdir(top, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(mkdir(beside, 0700), 0);
	unit_write(at("top/sub/deep.h"), "deep\n");
	unit_write(at("beside/other.h"), "other\n");
	uint64_t before = file_memo_tick(memo);
	assert_int_equal(file_memo_digest_stat(memo, at("top/sub/deep.h"), &d, &st), 0);
	assert_true(st.trusted);
	assert_int_equal(file_memo_digest_stat(memo, at("beside/other.h"), &d, &st), 0);
	assert_int_equal(file_memo_absent_trusted(memo, at("top/none.h"), &trusted), 1);
	assert_true(trusted);
	uint64_t t = file_memo_tick(memo);
	assert_true(file_memo_unchanged_below(memo, top, t));
	assert_true(file_memo_unchanged_below(memo, sub, t));
	assert_false(file_memo_unchanged_below(memo, top, before)); /* made after */

	/* beside: top and sub stay as they were */
	unit_write(at("beside/other.h"), "changed\n");
	file_memo_sync(memo);
	assert_true(file_memo_unchanged_below(memo, top, t));
	assert_true(file_memo_unchanged_below(memo, sub, t));

	/* deep below: both marked */
	unit_write(at("top/sub/deep.h"), "changed\n");
	file_memo_sync(memo);
	assert_false(file_memo_unchanged_below(memo, top, t));
	assert_false(file_memo_unchanged_below(memo, sub, t));

	/* an absence made true no more marks its directory */
	assert_int_equal(file_memo_absent_trusted(memo, at("top/none.h"), &trusted), 1);
	t = file_memo_tick(memo);
	assert_true(file_memo_unchanged_below(memo, top, t));
	unit_write(at("top/none.h"), "here\n");
	file_memo_sync(memo);
	assert_false(file_memo_unchanged_below(memo, top, t));

	/* made again: another directory, whatever its marks */
	assert_int_equal(file_memo_digest_stat(memo, at("top/sub/deep.h"), &d, &st), 0);
	t = file_memo_tick(memo);
	assert_true(file_memo_unchanged_below(memo, sub, t));
	unit_rm_rf(sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	unit_write(at("top/sub/deep.h"), "again\n");
	file_memo_sync(memo);
	assert_int_equal(file_memo_digest_stat(memo, at("top/sub/deep.h"), &d, &st), 0);
	assert_false(file_memo_unchanged_below(memo, sub, t));
	/* no directory there at all */
	assert_false(file_memo_unchanged_below(memo, at("top/nothing"), file_memo_tick(memo)));
}

static void test_missing_file_fails(void **state)
{
	struct digest d;

	(void)state;
	assert_int_equal(file_memo_digest(memo, at("nope.h"), &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_trusted_until_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_until_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_rename_forgets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dot_dot_after_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dot_dot_after_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_below_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_then_read_before_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_renamed_onto_missing_ancestor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_the_kernel_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recreated_dir_forgets_absence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_through_new_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_digest_keeps_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_moves_on_forgetting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_is_lexical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_marked_by_changes_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_fails, setup, teardown),
	};
	return cmocka_run_group_tests_name("filememo", tests, NULL, NULL);
}
