#include "compat.h"
#include "spawn.h"
#include "fs.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t child_pid;

/* Only records and forwards: the child decides how to die. */
bool spawn_forwards_signals = true;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

void run_result_release(struct run_result *res)
{
	strbuf_release(&res->out);
	strbuf_release(&res->err);
}

int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int run_capture(char *const *argv, char *const *envp, struct run_result *res)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { 0 }, old[ZC_ARRAY_SIZE(forwarded)];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	pid_t pid;
	int ret = -1, rc;

	strbuf_init(&res->out, 0);
	strbuf_init(&res->err, 0);
	res->status = 0;
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
		error("cannot create a pipe:");
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; spawn_forwards_signals && i < ZC_ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, &old[i]);
	/* The daemon's threads block signals, it ignores some, and it
	 * inherited others from whichever client started it: a compiler it
	 * runs starts with none of that. The wrapper's child inherits what
	 * the build gave the wrapper. */
	posix_spawnattr_init(&attr);
	if (!spawn_forwards_signals) {
		sigset_t none, defaults;
		sigemptyset(&none);
		sigfillset(&defaults);
		posix_spawnattr_setsigmask(&attr, &none);
		posix_spawnattr_setsigdefault(&attr, &defaults);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	}
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	if (rc != 0) {
		errno = rc;
		error("cannot run '%s':", argv[0]);
		goto restore;
	}
	/* Only a process that forwards signals has one child at a time (the
	 * daemon runs several, from several threads). */
	if (spawn_forwards_signals)
		child_pid = pid;

	struct pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
	struct strbuf *bufs[2] = { &res->out, &res->err };
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			error("poll failed:");
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			strbuf_grow(bufs[i], 65536);
			ssize_t n = read(fds[i].fd, bufs[i]->buf + bufs[i]->len, 65536);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			strbuf_setlen(bufs[i], bufs[i]->len + (size_t)n);
		}
	}
	while (waitpid(pid, &res->status, 0) < 0) {
		if (errno != EINTR) {
			error("waitpid failed:");
			goto restore;
		}
	}
	ret = 0;
restore:
	if (spawn_forwards_signals)
		child_pid = 0;
	for (size_t i = 0; spawn_forwards_signals && i < ZC_ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &old[i], NULL);
out:
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return ret;
}

int exec_program(char *const *argv)
{
	/* execvp: a script without "#!" runs under /bin/sh, as from a shell
	 * (argv[0] is a path: no PATH search). */
	execvp(argv[0], argv);
	return error("cannot run '%s':", argv[0]);
}
