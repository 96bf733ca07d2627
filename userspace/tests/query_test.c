// SPDX-License-Identifier: GPL-2.0-only
/*
 * The query ioctl: expected values, the extensible-struct size rules, and
 * every kind of bad argument with its exact errno.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include <rseqdev/rseqdev.h>

#include "tap.h"

/* Features this version of the module implements; update with the module. */
#define EXPECTED_FEATURES	(RSEQDEV_FEATURE_RSEQ | RSEQDEV_FEATURE_NODE_ID | \
				 RSEQDEV_FEATURE_MM_CID | RSEQDEV_FEATURE_CPU_OPV | \
				 RSEQDEV_FEATURE_CPU_OPV_MM_CID | RSEQDEV_FEATURE_STATS | \
				 RSEQDEV_FEATURE_FENCE | RSEQDEV_FEATURE_THREADS | \
				 slice_ext_feature())

static long page_size;

/* One page followed by a PROT_NONE guard page. */
static char *page_with_guard(void)
{
	char *p = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	if (mprotect(p + page_size, page_size, PROT_NONE))
		tap_bail("mprotect: %s", strerror(errno));
	return p;
}

static unsigned int possible_cpu_ids(void)
{
	unsigned int first, last = 0;
	char buf[256];
	char *s;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		tap_bail("cannot read the possible CPU mask");
	fclose(f);
	/* "0-3" or "0,2-5": the id after the last separator is the highest. */
	s = strrchr(buf, ',');
	s = s ? s + 1 : buf;
	if (sscanf(s, "%u-%u", &first, &last) < 2)
		last = first;
	return last + 1;
}

/*
 * The time-slice extension's bit follows the module parameter slice_ext
 * (on by default; rseqctl.sh turns it off and on again).
 */
static unsigned long long slice_ext_feature(void)
{
	FILE *f = fopen("/sys/module/rseqdev/parameters/slice_ext", "r");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == 'Y' ? RSEQDEV_FEATURE_SLICE_EXT : 0;
}

static void check_values(int fd)
{
	struct rseqdev_query q = { .size = sizeof(q) };

	ok(sizeof(q) == RSEQDEV_QUERY_SIZE_VER1, "struct size is the ABI's v1 size");
	if (!ok(ioctl(fd, RSEQDEV_IOC_QUERY, &q) == 0, "query succeeds"))
		diag("errno %s", strerror(errno));
	ok(q.size == sizeof(q), "size is echoed");
	ok(q.abi_version == RSEQDEV_ABI_VERSION, "abi_version %u", q.abi_version);
	ok(q.features == EXPECTED_FEATURES, "features 0x%llx",
	   (unsigned long long)q.features);
	ok(q.rseq_feature_size == 28, "rseq feature size %u", q.rseq_feature_size);
	ok(q.rseq_align == 32, "rseq alignment %u", q.rseq_align);
	ok(q.nr_cpu_ids == possible_cpu_ids(), "nr_cpu_ids %u matches sysfs",
	   q.nr_cpu_ids);
	ok(q.cpu_opv_max_ops == RSEQDEV_CPU_OPV_MAX_OPS, "cpu_opv max ops %u",
	   q.cpu_opv_max_ops);
	ok(q.cpu_opv_max_op_len == RSEQDEV_CPU_OPV_MAX_OP_LEN,
	   "cpu_opv max op len %u", q.cpu_opv_max_op_len);
	ok(q.cpu_opv_max_total_len == RSEQDEV_CPU_OPV_MAX_TOTAL_LEN,
	   "cpu_opv max total len %u", q.cpu_opv_max_total_len);
	ok(q.cpu_opv_nr_op_types == RSEQDEV_NR_CPU_OPS, "cpu_opv operation types %u",
	   q.cpu_opv_nr_op_types);
}

static void check_library(void)
{
	struct rseqdev_query q;

	ok(rseqdev_query(&q) == 0 && q.abi_version == RSEQDEV_ABI_VERSION &&
	   q.features == EXPECTED_FEATURES, "rseqdev_query() agrees");
	ok(rseqdev_device_fd() == rseqdev_device_fd(),
	   "the library keeps one descriptor");
}

/* Sizes: the struct's version field. */
static void check_sizes(int fd)
{
	char *page = page_with_guard();
	struct rseqdev_query *q;
	uint32_t big = RSEQDEV_MAX_ARG_SIZE;

	/* A newer caller's larger struct with a zero tail is accepted... */
	memset(page, 0, page_size);
	q = (struct rseqdev_query *)page;
	q->size = big;
	ok(ioctl(fd, RSEQDEV_IOC_QUERY, q) == 0 && q->size == sizeof(*q) &&
	   q->abi_version == RSEQDEV_ABI_VERSION,
	   "size %u with zero tail: accepted, size says what was filled", big);

	/* ...but not with anything it does not understand in the tail. */
	memset(page, 0, page_size);
	q->size = big;
	page[big - 1] = 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), E2BIG,
		     "non-zero byte past the known struct");

	/* An older, exactly-v0 struct ending at the guard page is not overrun. */
	q = (struct rseqdev_query *)(page + page_size - RSEQDEV_QUERY_SIZE_VER0);
	memset(q, 0, RSEQDEV_QUERY_SIZE_VER0);
	q->size = RSEQDEV_QUERY_SIZE_VER0;
	ok(ioctl(fd, RSEQDEV_IOC_QUERY, q) == 0, "v0 struct against a guard page");

	q = (struct rseqdev_query *)page;
	memset(page, 0, page_size);
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EINVAL, "size 0");
	q->size = RSEQDEV_QUERY_SIZE_VER0 - 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EINVAL, "size v0 - 1");
	q->size = 8;
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EINVAL, "size 8");
	q->size = RSEQDEV_MAX_ARG_SIZE + 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EINVAL, "size 4097");
	q->size = UINT32_MAX;
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EINVAL, "size 0xffffffff");
	munmap(page, 2 * page_size);
}

static void check_flags(int fd)
{
	static const uint32_t bad[] = { 1, 2, 0x80000000u, UINT32_MAX };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct rseqdev_query q = { .size = sizeof(q), .flags = bad[i] };
		char what[32];

		snprintf(what, sizeof(what), "flags 0x%x", bad[i]);
		expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, &q), EINVAL, what);
	}
}

static void check_pointers(int fd)
{
	char *page = page_with_guard();
	struct rseqdev_query *q;
	char *ro;

	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, NULL), EFAULT, "NULL");
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, page + page_size), EFAULT,
		     "PROT_NONE page");
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, (void *)0xffffffff81000000ul),
		     EFAULT, "kernel address");
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, (void *)-4096l), EFAULT,
		     "top page of the address space");

	/* Valid size field, rest of the struct in the guard page. */
	q = (struct rseqdev_query *)(page + page_size - 16);
	memset(q, 0, 16);
	q->size = sizeof(*q);
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EFAULT,
		     "struct straddling into a PROT_NONE page");

	/* Readable but not writable: the answer cannot be written back. */
	q = (struct rseqdev_query *)page;
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	ro = page;
	if (mprotect(ro, page_size, PROT_READ))
		tap_bail("mprotect: %s", strerror(errno));
	expect_errno(ioctl(fd, RSEQDEV_IOC_QUERY, q), EFAULT, "read-only struct");
	ok(q->abi_version == 0, "read-only struct left untouched");
	munmap(page, 2 * page_size);

	/* Misaligned is fine: the struct is copied, not accessed in place. */
	{
		_Alignas(8) char buf[sizeof(struct rseqdev_query) + 1] = { 0 };
		struct rseqdev_query mis;

		mis.size = sizeof(mis);
		mis.flags = 0;
		memcpy(buf + 1, &mis, 8);
		ok(ioctl(fd, RSEQDEV_IOC_QUERY, buf + 1) == 0,
		   "misaligned struct accepted");
		memcpy(&mis, buf + 1, sizeof(mis));
		ok(mis.abi_version == RSEQDEV_ABI_VERSION,
		   "misaligned struct filled");
	}
}

static void check_commands(int fd)
{
	struct rseqdev_query q = { .size = sizeof(q) };
	struct termios tio;

	expect_errno(ioctl(fd, _IOWR(RSEQDEV_IOC_MAGIC, 0x7f, struct rseqdev_query), &q),
		     ENOTTY, "unknown command number");
	expect_errno(ioctl(fd, _IOWR('x', 0x00, struct rseqdev_query), &q),
		     ENOTTY, "wrong magic");
	expect_errno(ioctl(fd, _IOR(RSEQDEV_IOC_MAGIC, 0x00, struct rseqdev_query), &q),
		     ENOTTY, "query with the wrong direction");
	expect_errno(ioctl(fd, _IOWR(RSEQDEV_IOC_MAGIC, 0x00, uint64_t), &q),
		     ENOTTY, "query with the wrong encoded size");
	expect_errno(ioctl(fd, 0, &q), ENOTTY, "command 0");
	expect_errno(ioctl(fd, TCGETS, &tio), ENOTTY, "a terminal ioctl");
}

/*
 * What a binary built with an older header passes: the command numbers
 * written out as those headers computed them, each with a struct of its
 * command's first size. The numbers encode the first sizes and never
 * change; STATS also answers to the number the headers gave it while they
 * still took sizeof() (0xc048b503, 72 bytes).
 */
#define OLD_IOC_QUERY		0xc030b500u
#define OLD_IOC_REGISTER	0x4018b501u
#define OLD_IOC_CPU_OPV		0x4018b502u
#define OLD_IOC_STATS		0xc038b503u
#define OLD_IOC_STATS_72	0xc048b503u
#define OLD_IOC_FENCE		0x4010b504u
#define OLD_IOC_THREADS		0xc020b505u

/* A struct of @size bytes in a buffer whose remaining bytes are 0xa5. */
struct old_arg {
	uint32_t size;
	uint32_t flags;
	unsigned char rest[120];
};

static struct old_arg old_arg(uint32_t size)
{
	struct old_arg a;

	memset(&a, 0, sizeof(a));
	memset((char *)&a + size, 0xa5, sizeof(a) - size);
	a.size = size;
	return a;
}

/* Nothing past the caller's @size bytes was written. */
static bool old_tail_intact(const struct old_arg *a, uint32_t size)
{
	const unsigned char *p = (const unsigned char *)a;
	uint32_t i;

	for (i = size; i < sizeof(*a); i++)
		if (p[i] != 0xa5)
			return false;
	return true;
}

static void check_old_query_and_stats(int fd)
{
	struct old_arg a = old_arg(48);

	ok(ioctl(fd, OLD_IOC_QUERY, &a) == 0 && a.size == 48 && old_tail_intact(&a, 48),
	   "old binary: query, 48 bytes, answered within them");
	a = old_arg(56);
	ok(ioctl(fd, OLD_IOC_STATS, &a) == 0 && a.size == 56 && old_tail_intact(&a, 56),
	   "old binary: stats, 56 bytes, answered within them");
	a = old_arg(72);
	ok(ioctl(fd, OLD_IOC_STATS_72, &a) == 0 && a.size == 72 && old_tail_intact(&a, 72),
	   "old binary: stats under the 72-byte number, answered within 72 bytes");
	a = old_arg(56);
	expect_errno(ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, RSEQDEV_IOC_MAGIC, 0x03, 64), &a),
		     ENOTTY, "stats under a number with a size it never had");
}

static void check_old_register(int fd)
{
	static struct rseqdev_rseq area __attribute__((aligned(32)));
	struct rseqdev_register reg = {
		.size = RSEQDEV_REGISTER_SIZE_VER0,
		.rseq = (uintptr_t)&area,
		.rseq_len = RSEQDEV_RSEQ_ORIG_SIZE - 1,
		.sig = 0x53053053,
	};

	/* A length no version accepts: the module read and judged the struct. */
	expect_errno(ioctl(fd, OLD_IOC_REGISTER, &reg), EINVAL,
		     "old binary: register reaches the rseq rules (bad length)");
}

static void check_old_cpu_opv(int fd)
{
	uint64_t x = 41, y = 41;
	struct rseqdev_cpu_op op = {
		.op = RSEQDEV_CPU_OP_COMPARE_EQ,
		.len = sizeof(x),
		.u.compare = { .a = (uintptr_t)&x, .b = (uintptr_t)&y },
	};
	struct rseqdev_cpu_opv opv = {
		.size = RSEQDEV_CPU_OPV_SIZE_VER0,
		.ops = (uintptr_t)&op,
		.nr_ops = 1,
	};
	long equal, differ;

	equal = ioctl(fd, OLD_IOC_CPU_OPV, &opv);
	y = 42;
	differ = ioctl(fd, OLD_IOC_CPU_OPV, &opv);
	ok(equal == 0 && differ == 1,
	   "old binary: cpu_opv runs a compare (%ld when equal, %ld when not)", equal, differ);
}

static void check_old_fence_and_threads(int fd)
{
	struct rseqdev_fence fence = { .size = RSEQDEV_FENCE_SIZE_VER0,
				       .flags = RSEQDEV_FENCE_REGISTER };
	struct rseqdev_threads threads = {
		.size = RSEQDEV_THREADS_SIZE_VER0,
		.info_size = RSEQDEV_THREAD_INFO_SIZE_VER0,
	};

	ok(ioctl(fd, OLD_IOC_FENCE, &fence) == 0, "old binary: fence registration");
	fence.flags = 0;
	ok(ioctl(fd, OLD_IOC_FENCE, &fence) == 0, "old binary: fence");
	ok(ioctl(fd, OLD_IOC_THREADS, &threads) == 0 && threads.nr == 0,
	   "old binary: threads of its own process (none registered: %u)", threads.nr);
}

static void check_old_binaries(int fd)
{
	check_old_query_and_stats(fd);
	check_old_register(fd);
	check_old_cpu_opv(fd);
	check_old_fence_and_threads(fd);
}

int main(void)
{
	int fd;

	page_size = sysconf(_SC_PAGESIZE);
	fd = open(RSEQDEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (!ok(fd >= 0, "open " RSEQDEV_DEVICE_PATH))
		tap_bail("cannot open the device: %s", strerror(errno));

	check_values(fd);
	check_library();
	check_sizes(fd);
	check_flags(fd);
	check_pointers(fd);
	check_commands(fd);
	check_old_binaries(fd);

	/* Reading alone is enough to query. */
	close(fd);
	fd = open(RSEQDEV_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	{
		struct rseqdev_query q = { .size = sizeof(q) };

		ok(fd >= 0 && ioctl(fd, RSEQDEV_IOC_QUERY, &q) == 0,
		   "query through a read-only descriptor");
	}
	close(fd);
	return tap_done();
}
