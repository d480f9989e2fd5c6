/*
 * spawn-timer: run several commands round-robin and time every spawn.
 *
 *   spawn-timer ROUNDS SPEC [::: SPEC]...
 *   SPEC = NAME COUNT [VAR=VALUE]... COMMAND [ARG]...
 *
 * In round r (0-based) every SPEC whose COUNT is greater than r runs once;
 * the starting SPEC rotates from round to round so that no command always
 * runs first or last.  VAR=VALUE words are added to that command's
 * environment only.  The command's stdout and stderr go to /dev/null.
 *
 * One line per spawn on stdout:  NAME ROUND MICROSECONDS
 * The clock (CLOCK_MONOTONIC) is read just before posix_spawnp() and just
 * after waitpid() returns, so the figure is what a build tool pays for the
 * command: exec, dynamic loading, the work, exit and reaping.
 * A command that exits non-zero aborts the run (exit status 2) with a
 * message on stderr: a failing compile is not a cache hit to be timed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct spec {
	const char *name;
	long count;
	char **argv;  /* NULL-terminated, points into main's argv */
	char **envp;  /* environ plus this spec's VAR=VALUE words */
};

static char **build_env(char **assign, int nassign)
{
	int n = 0;
	while (environ[n])
		n++;
	char **envp = calloc((size_t)(n + nassign + 1), sizeof *envp);
	if (!envp) {
		perror("spawn-timer: calloc");
		exit(2);
	}
	int m = 0;
	for (int i = 0; i < n; i++) {
		/* drop inherited variables that this spec overrides */
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int overridden = 0;
		for (int j = 0; j < nassign; j++)
			if (strncmp(assign[j], environ[i], klen) == 0 && assign[j][klen] == '=')
				overridden = 1;
		if (!overridden)
			envp[m++] = environ[i];
	}
	for (int j = 0; j < nassign; j++)
		envp[m++] = assign[j];
	envp[m] = NULL;
	return envp;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: spawn-timer ROUNDS NAME COUNT [VAR=VALUE]... COMMAND [ARG]... [::: NAME COUNT ...]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		usage();
	long rounds = strtol(argv[1], NULL, 10);
	if (rounds <= 0)
		usage();

	struct spec *specs = calloc((size_t)argc, sizeof *specs);
	int nspecs = 0;
	int i = 2;
	while (i < argc) {
		int start = i;
		while (i < argc && strcmp(argv[i], ":::") != 0)
			i++;
		/* argv[start .. i-1] is one spec */
		if (i - start < 3)
			usage();
		struct spec *s = &specs[nspecs++];
		s->name = argv[start];
		s->count = strtol(argv[start + 1], NULL, 10);
		int a = start + 2;
		int nassign = 0;
		while (a + nassign < i && strchr(argv[a + nassign], '=') &&
		       argv[a + nassign][0] != '=' && argv[a + nassign][0] != '/')
			nassign++;
		if (a + nassign >= i)
			usage();
		s->envp = build_env(&argv[a], nassign);
		s->argv = &argv[a + nassign];
		if (i < argc)
			argv[i++] = NULL; /* terminate this spec's argv at ":::" */
	}

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long r = 0; r < rounds; r++) {
		for (int k = 0; k < nspecs; k++) {
			struct spec *s = &specs[(r + k) % nspecs];
			if (s->count <= r)
				continue;
			pid_t pid;
			int status;
			long long t0 = now_ns();
			int err = posix_spawnp(&pid, s->argv[0], &fa, NULL, s->argv, s->envp);
			if (err) {
				fprintf(stderr, "spawn-timer: %s: cannot run %s: %s\n", s->name, s->argv[0], strerror(err));
				return 2;
			}
			while (waitpid(pid, &status, 0) < 0)
				if (errno != EINTR) {
					perror("spawn-timer: waitpid");
					return 2;
				}
			long long t1 = now_ns();
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "spawn-timer: %s: command failed (status %d) in round %ld:", s->name, status, r);
				for (char **p = s->argv; *p; p++)
					fprintf(stderr, " %s", *p);
				fputc('\n', stderr);
				return 2;
			}
			printf("%s %ld %lld\n", s->name, r, (t1 - t0 + 500) / 1000);
		}
	}
	return 0;
}
