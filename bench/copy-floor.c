/*
 * copy-floor: the floor of a warm build, as a compiler launcher.
 *
 *   copy-floor COMPILER ARG...     (put there by CMAKE_<LANG>_COMPILER_LAUNCHER)
 *
 * It never runs COMPILER.  It copies the object named by -o from the same
 * path in a finished build of the same project, and writes a depfile for
 * -MF naming the source alone (ninja has already folded the real ones into
 * its log).  The finished build is found by swapping the build directory
 * named by $COPY_FLOOR_FROM ("build-floor:build-bare": the path component
 * build-floor becomes build-bare) in the output's absolute path.
 *
 * What it costs is what any cache pays at the least for a hit: a process
 * start under the build tool, a file created and its bytes copied.  No
 * lookup, no hashing, no check that the copy is right: a benchmark tool,
 * never a cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "copy-floor: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

/* The path of output in the finished build: cwd/output with the build
 * directory component swapped. */
static int source_of(const char *output, const char *swap, char *out, size_t size)
{
	char cwd[PATH_MAX], abs[PATH_MAX * 2], from[NAME_MAX + 3], *at;
	const char *colon = strchr(swap, ':');

	if (!colon || (size_t)(colon - swap) > NAME_MAX)
		return -1;
	snprintf(from, sizeof(from), "/%.*s/", (int)(colon - swap), swap);
	if (output[0] == '/')
		snprintf(abs, sizeof(abs), "%s", output);
	else if (getcwd(cwd, sizeof(cwd)))
		snprintf(abs, sizeof(abs), "%s/%s", cwd, output);
	else
		return -1;
	at = strstr(abs, from);
	if (!at)
		return -1;
	*at = '\0';
	if ((size_t)snprintf(out, size, "%s/%s/%s", abs, colon + 1, at + strlen(from)) >= size)
		return -1;
	return 0;
}

static int copy_object(const char *output, const char *swap)
{
	char from[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int in, out, rc = 1;

	if (source_of(output, swap, from, sizeof(from)) < 0) {
		fprintf(stderr, "copy-floor: %s is not below %s\n", output, swap);
		return 1;
	}
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail("cannot open", from);
	snprintf(tmp, sizeof(tmp), "%s.floor%ld", output, (long)getpid());
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		fail("cannot create", tmp);
		goto out_in;
	}
	if (fstat(in, &st) < 0) {
		fail("cannot stat", from);
		goto out_both;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0) {
			fail("cannot copy to", tmp);
			goto out_both;
		}
		left -= n;
	}
	rc = 0;
out_both:
	if (close(out) < 0 && rc == 0)
		rc = fail("cannot write", tmp);
	if (rc == 0 && rename(tmp, output) < 0)
		rc = fail("cannot rename to", output);
	if (rc != 0)
		unlink(tmp);
out_in:
	close(in);
	return rc;
}

static int write_depfile(const char *depfile, const char *object, const char *source)
{
	FILE *f = fopen(depfile, "w");

	if (!f)
		return fail("cannot create", depfile);
	fprintf(f, "%s: %s\n", object, source);
	if (fclose(f) != 0)
		return fail("cannot write", depfile);
	return 0;
}

int main(int argc, char **argv)
{
	const char *swap = getenv("COPY_FLOOR_FROM");
	const char *object = NULL, *depfile = NULL;

	if (!swap) {
		fprintf(stderr, "copy-floor: COPY_FLOOR_FROM is not set\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "-o"))
			object = argv[++i];
		else if (!strcmp(argv[i], "-MF"))
			depfile = argv[++i];
	}
	if (!object) {
		fprintf(stderr, "copy-floor: no -o in the command\n");
		return 2;
	}
	if (copy_object(object, swap) != 0)
		return 1;
	if (depfile && write_depfile(depfile, object, argv[argc - 1]) != 0)
		return 1;
	return 0;
}
