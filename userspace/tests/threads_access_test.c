// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may list another process's registrations (RSEQDEV_IOC_THREADS, as
 * `rseqctl threads PID` does): exactly who may open its /proc/PID/maps,
 * the kernel's ptrace read check, PTRACE_MODE_READ_FSCREDS. Each case
 * compares the ioctl with that open, made by the same process: the ioctl
 * gives EPERM where the open gives EACCES.
 *
 * Yama restricts only attaching: under kernel.yama.ptrace_scope=1, a
 * sibling of the same user may still read /proc/PID/maps but not open
 * /proc/PID/mem (an attach check). The test shows both, so that it also
 * proves that scope 1 was in effect.
 *
 * The target and the inspectors run as an unprivileged user (uid 1000),
 * forked by a root parent: the target is the inspectors' sibling, not
 * their descendant. Runs as root; skips without Yama.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rseqdev/rseqdev.h>

#include "tap.h"

#define USER		1000
#define OTHER_USER	1001
#define SCOPE_FILE	"/proc/sys/kernel/yama/ptrace_scope"

/* What one inspector saw: 0 or the errno of each attempt. */
struct seen {
	int ioctl;
	int maps;
	int mem;
};

/* Also makes the process dumpable again, as a setuid() from root undoes. */
static void become(uid_t ruid, uid_t euid)
{
	if (setgroups(0, NULL) || setresgid(USER, USER, USER) ||
	    setresuid(ruid, euid, euid) || prctl(PR_SET_DUMPABLE, 1))
		_exit(100);
}

static int open_errno(pid_t pid, const char *file)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int threads_errno(pid_t pid)
{
	struct rseqdev_thread_info info;
	struct rseqdev_threads req = {
		.size = sizeof(req), .pid = pid, .nr = 1,
		.threads = (uintptr_t)&info, .info_size = sizeof(info),
	};

	return ioctl(rseqdev_device_fd(), RSEQDEV_IOC_THREADS, &req) ? errno : 0;
}

static void look_at(pid_t target, struct seen *seen)
{
	seen->ioctl = threads_errno(target);
	seen->maps = open_errno(target, "maps");
	seen->mem = open_errno(target, "mem");
}

static pid_t start_target(void)
{
	pid_t pid = fork();

	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* An inspector's child inherits the user and dumpability. */
		if (geteuid() == 0)
			become(USER, USER);
		for (;;)
			pause();
	}
	return pid;
}

struct inspector {
	uid_t ruid, euid;
	pid_t target;	/* 0: a child of the inspector's own */
};

/* The inspector forks the target itself when it has none. */
static void inspect(const struct inspector *who, struct seen *seen)
{
	pid_t target = who->target;

	become(who->ruid, who->euid);
	if (!target) {
		target = start_target();
		usleep(50000);
	}
	look_at(target, seen);
	if (!who->target) {
		kill(target, SIGKILL);
		waitpid(target, NULL, 0);
	}
}

/* Runs @who in a child of this (root) process; returns what it saw. */
static struct seen inspect_as(uid_t ruid, uid_t euid, pid_t target)
{
	const struct inspector who = { ruid, euid, target };
	struct seen seen = { -1, -1, -1 };
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		tap_bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		inspect(&who, &seen);
		_exit(write(fds[1], &seen, sizeof(seen)) != (ssize_t)sizeof(seen));
	}
	close(fds[1]);
	if (read(fds[0], &seen, sizeof(seen)) != (ssize_t)sizeof(seen))
		diag("inspector wrote nothing");
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return seen;
}

/* The ioctl decides as /proc/PID/maps does: EPERM where it gives EACCES. */
static void same_as_proc(const struct seen *seen, const char *what)
{
	diag("%s: ioctl %s, maps %s, mem %s", what, strerror(seen->ioctl),
	     strerror(seen->maps), strerror(seen->mem));
	ok(seen->maps ? seen->ioctl == EPERM && seen->maps == EACCES :
			seen->ioctl == 0,
	   "%s: the ioctl decides as /proc/PID/maps", what);
}

static int set_scope(int scope)
{
	FILE *f = fopen(SCOPE_FILE, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%d\n", scope) < 0;
	return fclose(f) || ret ? -1 : 0;
}

static int get_scope(void)
{
	FILE *f = fopen(SCOPE_FILE, "r");
	int scope = -1;

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	return scope;
}

static void check_scope(int scope, pid_t target)
{
	char what[64];
	struct seen seen;

	ok(set_scope(scope) == 0, "ptrace_scope set to %d", scope);
	snprintf(what, sizeof(what), "scope %d, sibling", scope);
	seen = inspect_as(USER, USER, target);
	same_as_proc(&seen, what);
	ok(seen.ioctl == 0, "%s: allowed (a read, which Yama leaves alone)", what);
	ok(scope ? seen.mem == EACCES : seen.mem == 0,
	   "%s: /proc/PID/mem %s", what, scope ? "refused (Yama is on)" : "allowed");

	snprintf(what, sizeof(what), "scope %d, descendant", scope);
	seen = inspect_as(USER, USER, 0);
	same_as_proc(&seen, what);
	ok(seen.ioctl == 0 && seen.mem == 0, "%s: allowed", what);

	/* The filesystem uid counts, not the real one. */
	snprintf(what, sizeof(what), "scope %d, fsuid %d", scope, OTHER_USER);
	seen = inspect_as(USER, OTHER_USER, target);
	same_as_proc(&seen, what);
	ok(seen.ioctl == EPERM, "%s: refused", what);

	snprintf(what, sizeof(what), "scope %d, other user", scope);
	seen = inspect_as(OTHER_USER, OTHER_USER, target);
	same_as_proc(&seen, what);
	ok(seen.ioctl == EPERM, "%s: refused", what);
}

int main(void)
{
	int scope = get_scope();
	pid_t target;

	if (geteuid() != 0 || scope < 0) {
		ok(1, "# SKIP needs root and Yama (%s)", SCOPE_FILE);
		return tap_done();
	}
	if (rseqdev_device_fd() < 0)
		tap_bail("no device: %s", strerror(errno));
	target = start_target();
	usleep(50000);
	check_scope(0, target);
	check_scope(1, target);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
	ok(set_scope(scope) == 0, "ptrace_scope restored to %d", scope);
	return tap_done();
}
