// SPDX-License-Identifier: GPL-2.0-only
/*
 * modctl: load and unload a module with the raw system calls, printing the
 * exact errno by name, so that shell tests can assert it.
 *
 *   modctl load FILE [PARAMS]   finit_module(FILE, PARAMS)
 *   modctl unload NAME          delete_module(NAME, O_NONBLOCK)
 *
 * Prints "ok" or the errno name (EAGAIN, EEXIST, ...); exits 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *errno_name(int err)
{
	switch (err) {
	case EAGAIN: return "EAGAIN";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOEXEC: return "ENOEXEC";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	default: return "E?";
	}
}

static int report(long ret)
{
	if (ret == 0) {
		printf("ok\n");
		return 0;
	}
	printf("%s\n", errno_name(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "load")) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return report(-1);
		return report(syscall(SYS_finit_module, fd,
				      argc == 4 ? argv[3] : "", 0));
	}
	if (argc == 3 && !strcmp(argv[1], "unload"))
		return report(syscall(SYS_delete_module, argv[2], O_NONBLOCK));
	fprintf(stderr, "usage: modctl load FILE [PARAMS] | modctl unload NAME\n");
	return 2;
}
