// SPDX-License-Identifier: GPL-2.0-only
/*
 * The query ioctl: expected values, the extensible-struct size rules, and
 * every kind of bad argument with its exact errno.
 */
#include <fcntl.h>
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
				 RSEQDEV_FEATURE_FENCE | RSEQDEV_FEATURE_THREADS)

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

static void check_values(int fd)
{
	struct rseqdev_query q = { .size = sizeof(q) };

	ok(sizeof(q) == RSEQDEV_QUERY_SIZE_VER0, "struct size is the ABI's v0 size");
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
	ok(q.reserved == 0, "reserved is zero");
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
