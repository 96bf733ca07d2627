// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registration: every errno of the rseq system call, in mainline's order,
 * the fields a registration writes and an unregistration resets, and bad
 * areas. The same binary runs against the module and against native rseq.
 */
#include <sys/auxv.h>
#include <sys/mman.h>

#include "rseq_test_util.h"

#define AREA_BYTES 4096

static struct rseqdev_rseq *area;	/* page-aligned, AREA_BYTES */
static long page_size;

static uint64_t at(size_t offset)
{
	return (uintptr_t)area + offset;
}

static void fill_area(uint8_t byte)
{
	memset(area, byte, AREA_BYTES);
}

static void check_argument_errors(void)
{
	fill_area(0);
	expect_errno(raw_rseq(at(0), 32, (uint32_t)-1, RSEQ_SIG), EINVAL, "flags -1");
	expect_errno(raw_rseq(at(0), 32, 2, RSEQ_SIG), EINVAL, "unknown flag 2");
	expect_errno(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER | 2, RSEQ_SIG),
		     EINVAL, "unregister with an unknown flag");
	expect_errno(raw_rseq(at(1), 32, 0, RSEQ_SIG), EINVAL, "area misaligned by 1");
	expect_errno(raw_rseq(at(16), 32, 0, RSEQ_SIG), EINVAL, "area misaligned by 16");
	expect_errno(raw_rseq(at(16), 64, 0, RSEQ_SIG), EINVAL,
		     "extended area misaligned by 16");
	expect_errno(raw_rseq(at(0), 31, 0, RSEQ_SIG), EINVAL, "length 31");
	expect_errno(raw_rseq(at(0), 0, 0, RSEQ_SIG), EINVAL, "length 0");
	expect_errno(raw_rseq(at(0), 20, 0, RSEQ_SIG), EINVAL, "length 20");
	expect_errno(raw_rseq((uint64_t)-4096, 32, 0, RSEQ_SIG), EFAULT,
		     "area at -4096");
	expect_errno(raw_rseq(0xffff888000000000ull, 32, 0, RSEQ_SIG), EFAULT,
		     "kernel address");
	expect_errno(raw_rseq(0, 32, 0, RSEQ_SIG), EFAULT, "NULL area");
	expect_errno(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister while not registered");
}

static void check_registered_fields(const char *what)
{
	unsigned int cpu, node;

	if (getcpu(&cpu, &node))
		tap_bail("getcpu: %s", strerror(errno));
	/* Pinned: the CPU cannot change between the kernel's write and ours. */
	ok((int32_t)area->cpu_id == (int32_t)cpu && area->cpu_id_start == cpu,
	   "%s: cpu_id %d and cpu_id_start %u are the current CPU %u", what,
	   (int32_t)area->cpu_id, area->cpu_id_start, cpu);
	if (rseq_node_id_available())
		ok(area->node_id == node, "%s: node_id %u is the current node %u",
		   what, area->node_id, node);
	if (rseq_mm_cid_available())
		ok(area->mm_cid == 0, "%s: mm_cid %u of the only registered thread is 0",
		   what, area->mm_cid);
}

static void check_register_unregister(void)
{
	fill_area(0);
	area->cpu_id = (uint32_t)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED;
	ok(raw_rseq(at(0), 32, 0, RSEQ_SIG) == 0, "register a 32-byte area");
	check_registered_fields("right after registering");

	expect_errno(raw_rseq(at(0), 32, 0, RSEQ_SIG), EBUSY, "same registration again");
	expect_errno(raw_rseq(at(64), 32, 0, RSEQ_SIG), EINVAL, "a second area");
	expect_errno(raw_rseq(at(0), 64, 0, RSEQ_SIG), EINVAL, "same area, other length");
	expect_errno(raw_rseq(at(0), 32, 0, RSEQ_SIG + 1), EPERM,
		     "same area, other signature");
	expect_errno(raw_rseq(at(64), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister another area");
	expect_errno(raw_rseq(at(0), 64, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister with another length");
	expect_errno(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG + 1),
		     EPERM, "unregister with another signature");

	/* Unregistering resets the kernel's fields and leaves rseq_cs alone. */
	area->rseq_cs = 0x1234560;
	area->cpu_id_start = 77;
	ok(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0, "unregister");
	ok(area->cpu_id_start == 0 && (int32_t)area->cpu_id == -1 &&
	   area->node_id == 0 && area->mm_cid == 0,
	   "unregister resets cpu_id_start 0, cpu_id -1, node_id 0, mm_cid 0");
	ok(area->rseq_cs == 0x1234560, "unregister leaves rseq_cs alone");
	expect_errno(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG),
		     EINVAL, "unregister twice");
}

/*
 * Kernels before 6.3 (no AT_RSEQ_FEATURE_SIZE) accept only 32 bytes; the
 * module and later kernels accept longer, 32-byte aligned areas.
 */
static bool extended_areas_accepted(void)
{
	return rseqdev_get_backend() == RSEQ_BACKEND_MODULE ||
	       getauxval(AT_RSEQ_FEATURE_SIZE) != 0;
}

static void check_extended_length(size_t offset, uint32_t len)
{
	fill_area(0);
	if (!extended_areas_accepted()) {
		expect_errno(raw_rseq(at(offset), len, 0, RSEQ_SIG), EINVAL,
			     "a kernel before 6.3 refuses an extended area");
		return;
	}
	ok(raw_rseq(at(offset), len, 0, RSEQ_SIG) == 0,
	   "register a %u-byte area", len);
	ok(raw_rseq(at(offset), len, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0,
	   "unregister the %u-byte area", len);
}

static void check_extended_and_stale(void)
{
	check_extended_length(0, 64);
	check_extended_length(32, 33);

	/* A stale descriptor left by a previous owner of the area. */
	fill_area(0);
	area->rseq_cs = 0xdead000;
	ok(raw_rseq(at(0), 32, 0, RSEQ_SIG) == 0, "register an area with a stale rseq_cs");
	ok(area->rseq_cs == 0, "registration clears the stale rseq_cs");
	ok(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0,
	   "unregister it");
}

static void register_in_unmapped(void *unused)
{
	void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)unused;
	munmap(p, page_size);
	_exit(raw_rseq((uintptr_t)p, 32, 0, RSEQ_SIG) == -1 && errno == EFAULT ? 0 : 1);
}

/* Readable, so registration passes; the first ID write cannot. */
static void register_read_only(void *unused)
{
	void *p = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	(void)unused;
	raw_rseq((uintptr_t)p, 32, 0, RSEQ_SIG);
	_exit(3);
}

static void unmap_after_registering(void *unused)
{
	void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)unused;
	if (raw_rseq((uintptr_t)p, 32, 0, RSEQ_SIG))
		_exit(4);
	munmap(p, page_size);
	sleep_until_switched();
	_exit(3);
}

static void check_bad_areas(void)
{
	ok(exited_with(run_in_child(register_in_unmapped, NULL), 0),
	   "unmapped area: EFAULT");
	ok(killed_by(run_in_child(register_read_only, NULL), SIGSEGV),
	   "read-only area: SIGSEGV once the kernel writes the IDs");
	ok(killed_by(run_in_child(unmap_after_registering, NULL), SIGSEGV),
	   "area unmapped while registered: SIGSEGV at the next event");
}

/* The ioctl's own struct rules (module only): size, tail, pointer. */
static void check_ioctl_struct(void)
{
	int fd = rseqdev_device_fd();
	char buf[RSEQDEV_MAX_ARG_SIZE + 8] __attribute__((aligned(8)));
	struct rseqdev_register *reg = (struct rseqdev_register *)buf;

	memset(buf, 0, sizeof(buf));
	fill_area(0);
	area->cpu_id = (uint32_t)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED;
	reg->rseq = at(0);
	reg->rseq_len = 32;
	reg->sig = RSEQ_SIG;
	reg->size = RSEQDEV_REGISTER_SIZE_VER0 - 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_REGISTER, reg), EINVAL, "ioctl size v0 - 1");
	reg->size = 0;
	expect_errno(ioctl(fd, RSEQDEV_IOC_REGISTER, reg), EINVAL, "ioctl size 0");
	reg->size = RSEQDEV_MAX_ARG_SIZE + 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_REGISTER, reg), EINVAL, "ioctl size 4097");
	reg->size = 64;
	buf[40] = 1;
	expect_errno(ioctl(fd, RSEQDEV_IOC_REGISTER, reg), E2BIG,
		     "ioctl size 64 with a non-zero byte past the struct");
	expect_errno(ioctl(fd, RSEQDEV_IOC_REGISTER, NULL), EFAULT, "ioctl NULL argument");
	expect_errno(ioctl(fd, RSEQDEV_IOC_REGISTER, (void *)0xffff888000000000ul),
		     EFAULT, "ioctl kernel address");
	expect_errno(ioctl(fd, _IOW(RSEQDEV_IOC_MAGIC, 0x01, uint64_t), reg), ENOTTY,
		     "register with the wrong encoded size");
	ok((int32_t)area->cpu_id == RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED,
	   "rejected ioctls registered nothing");

	/* A larger struct from a newer caller, zero tail: accepted. */
	buf[40] = 0;
	ok(ioctl(fd, RSEQDEV_IOC_REGISTER, reg) == 0 && (int32_t)area->cpu_id == 0,
	   "ioctl size 64 with a zero tail registers");
	ok(raw_rseq(at(0), 32, RSEQDEV_RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0, "and unregisters");
}

int main(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	require_backend();
	area = mmap(NULL, AREA_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	if (pin_to_cpu(0))
		tap_bail("sched_setaffinity: %s", strerror(errno));

	check_argument_errors();
	check_register_unregister();
	check_extended_and_stale();
	check_bad_areas();
	if (rseqdev_get_backend() == RSEQ_BACKEND_MODULE)
		check_ioctl_struct();
	return tap_done();
}
