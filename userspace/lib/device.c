// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Opening the rseqdev device once per process, and the query ioctl.
 * <linux/rseqdev_layout.h> makes every build of the library check the
 * layout of the structs it hands to the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/rseqdev_layout.h>
#include <rseqdev/rseqdev.h>

/* -1 until the first successful open; then the process's descriptor. */
static int device_fd = -1;

const char *rseqdev_device_path(void)
{
	const char *path = getenv(RSEQDEV_ENV_DEVICE);

	return path && *path ? path : RSEQDEV_DEVICE_PATH;
}

int rseqdev_device_fd(void)
{
	int fd = __atomic_load_n(&device_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = open(rseqdev_device_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Two threads may race to open: keep one descriptor, close the other. */
	if (!__atomic_compare_exchange_n(&device_fd, &expected, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

int rseqdev_query(struct rseqdev_query *query)
{
	int fd = rseqdev_device_fd();

	if (fd < 0)
		return -1;
	memset(query, 0, sizeof(*query));
	query->size = sizeof(*query);
	return ioctl(fd, RSEQDEV_IOC_QUERY, query) ? -1 : 0;
}

int rseqdev_stats(struct rseqdev_stats *stats, unsigned int flags)
{
	int fd = rseqdev_device_fd();

	if (fd < 0)
		return -1;
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	stats->flags = flags;
	return ioctl(fd, RSEQDEV_IOC_STATS, stats) ? -1 : 0;
}

int rseqdev_requested_generation(int *legacy)
{
	const char *word = getenv(RSEQDEV_ENV_GENERATION);
	int is_legacy = 0, gen;

	if (!word || !*word) {
		gen = RSEQDEV_GEN_DEFAULT;
	} else if (!strcmp(word, "classic")) {
		gen = RSEQDEV_GEN_CLASSIC;
	} else if (!strcmp(word, "7.1")) {
		gen = RSEQDEV_GEN_7_1;
	} else if (!strcmp(word, "7.1-legacy")) {
		gen = RSEQDEV_GEN_7_1;
		is_legacy = 1;
	} else {
		errno = EINVAL;
		return -1;
	}
	if (legacy)
		*legacy = is_legacy;
	return gen;
}

/*
 * The device, for a call that names the generation $RSEQDEV_GENERATION
 * asks for (in *@gen): -1 with errno when either is missing.
 */
static int device_fd_for_generation(unsigned int *gen)
{
	int requested = rseqdev_requested_generation(NULL);

	if (requested < 0)
		return -1;
	*gen = (unsigned int)requested;
	return rseqdev_device_fd();
}

int rseqdev_rseq(void *area, unsigned int len, int flags, unsigned int sig)
{
	struct rseqdev_register reg = {
		.size = sizeof(reg),
		.flags = (unsigned int)flags,
		.rseq = (uintptr_t)area,
		.rseq_len = len,
		.sig = sig,
	};
	int fd = device_fd_for_generation(&reg.generation);

	if (fd < 0)
		return -1;
	return ioctl(fd, RSEQDEV_IOC_REGISTER, &reg) ? -1 : 0;
}

static int fence_ioctl(unsigned int flags, int cpu)
{
	struct rseqdev_fence fence = {
		.size = sizeof(fence),
		.flags = flags,
		.cpu = cpu,
	};
	int fd = rseqdev_device_fd();

	if (fd < 0)
		return -1;
	return ioctl(fd, RSEQDEV_IOC_FENCE, &fence) ? -1 : 0;
}

int rseqdev_fence_register(void)
{
	return fence_ioctl(RSEQDEV_FENCE_REGISTER, 0);
}

int rseqdev_fence(unsigned int flags, int cpu)
{
	return fence_ioctl(flags, flags & RSEQDEV_FENCE_CPU ? cpu : 0);
}

int rseqdev_threads(int pid, struct rseqdev_thread_info *info, unsigned int nr)
{
	struct rseqdev_threads req = {
		.size = sizeof(req),
		.pid = pid,
		.nr = nr,
		.threads = (uintptr_t)info,
		.info_size = sizeof(*info),
	};
	int fd = rseqdev_device_fd();

	if (fd < 0)
		return -1;
	if (ioctl(fd, RSEQDEV_IOC_THREADS, &req))
		return -1;
	return (int)req.nr;
}

int rseqdev_slice_prctl(unsigned long op, unsigned long arg3,
			unsigned long arg4, unsigned long arg5)
{
	struct rseqdev_slice_prctl req = {
		.size = sizeof(req),
		.op = op,
		.arg3 = arg3,
		.arg4 = arg4,
		.arg5 = arg5,
	};
	int fd = device_fd_for_generation(&req.generation);

	if (fd < 0)
		return -1;
	return ioctl(fd, RSEQDEV_IOC_SLICE_PRCTL, &req);
}

int rseqdev_slice_yield(void)
{
	int fd = rseqdev_device_fd();

	if (fd < 0)
		return -1;
	return ioctl(fd, RSEQDEV_IOC_SLICE_YIELD);
}

const char *rseqdev_version(void)
{
	return RSEQDEV_VERSION;
}
