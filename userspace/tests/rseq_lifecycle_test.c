// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registration across a thread's life: fork keeps it, threads and vfork
 * children start without it, exec drops it and never writes the old area
 * again, exiting threads leave nothing behind. The same binary runs
 * against the module and against native rseq.
 *
 *   rseq_lifecycle_test                  the tests
 *   rseq_lifecycle_test --hold FILE      (module only) register, close the
 *                                        device, write FILE, wait for SIGTERM
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "rseq_test_util.h"

/* Where the pre-exec program registers an area, and the new one maps. */
#define OLD_AREA_ADDR	((void *)0x6ff000000000ul)
#define PATTERN		0xab

static long page_size;

/* Sleeping switches the thread out: the kernel's next chance to write. */
static void give_the_kernel_chances(void)
{
	int i;

	for (i = 0; i < 5; i++) {
		usleep(1000);
		raise(SIGUSR2);
	}
}

static void ignore(int sig)
{
	(void)sig;
}

static void check_fork_child(void *unused)
{
	struct rseqdev_rseq *abi = rseq_get_abi();

	(void)unused;
	if ((int32_t)abi->cpu_id < 0)
		_exit(10);
	if (raw_rseq((uintptr_t)abi, library_area_len(), 0, RSEQ_SIG) != -1 ||
	    errno != EBUSY)
		_exit(11);
	pin_to_cpu(1);
	usleep(1000);
	if (abi->cpu_id != 1 || abi->cpu_id_start != 1)
		_exit(12);
	_exit(0);
}

static void check_fork(void)
{
	int status = run_in_child(check_fork_child, NULL);

	ok(exited_with(status, 0),
	   "fork: child registered, re-registering gives EBUSY, IDs follow it (status 0x%x)",
	   status);
	ok((int32_t)rseq_current_cpu_raw() >= 0, "fork: parent still registered");
}

static void *thread_registers_own_area(void *unused)
{
	struct rseqdev_rseq *abi = rseq_get_abi();
	long ret;

	(void)unused;
	if ((int32_t)abi->cpu_id != RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED &&
	    rseqdev_get_backend() == RSEQ_BACKEND_MODULE)
		return (void *)1;
	ret = raw_rseq((uintptr_t)abi, library_area_len(), 0, RSEQ_SIG);
	if (ret)
		return (void *)2;
	return (int32_t)abi->cpu_id >= 0 ? NULL : (void *)3;
}

static void check_new_thread(void)
{
	pthread_t thread;
	void *result;

	pthread_create(&thread, NULL, thread_registers_own_area, NULL);
	pthread_join(thread, &result);
	ok(result == NULL,
	   "a new thread starts unregistered and can register (result %ld)",
	   (long)result);
}

static struct rseqdev_rseq vfork_area __attribute__((aligned(32)));

static void check_vfork(void)
{
	long child_ret = -2;	/* written by the vfork child */
	int status;
	pid_t pid;

	memset(&vfork_area, 0, sizeof(vfork_area));
	vfork_area.cpu_id = (uint32_t)RSEQDEV_RSEQ_CPU_ID_UNINITIALIZED;
	pid = vfork();
	if (pid == 0) {
		RSEQ_WRITE_ONCE(child_ret, raw_rseq((uintptr_t)&vfork_area,
						    RSEQDEV_RSEQ_ORIG_SIZE, 0, RSEQ_SIG));
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(RSEQ_READ_ONCE(child_ret) == 0, "vfork: the child starts unregistered and can register");
	ok((int32_t)rseq_current_cpu_raw() >= 0, "vfork: parent still registered");
}

/* The program after exec: own the old area's address, let events happen. */
static int after_exec(void)
{
	unsigned char *page, *p;
	long ret;

	page = mmap(OLD_AREA_ADDR, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page != OLD_AREA_ADDR)
		return 20;
	memset(page, PATTERN, page_size);
	signal(SIGUSR2, ignore);
	pin_to_cpu(0);
	give_the_kernel_chances();
	pin_to_cpu(1);
	give_the_kernel_chances();
	for (p = page; p < page + page_size; p++) {
		if (*p != PATTERN)
			return 21;
	}
	/* Not registered any more: a new registration succeeds. */
	ret = raw_rseq((uintptr_t)rseq_get_abi(), library_area_len(), 0,
		       RSEQ_SIG);
	return ret ? 22 : 0;
}

static void exec_with_old_area(void *self)
{
	void *page = mmap(OLD_AREA_ADDR, page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	char *const argv[] = { self, "--after-exec", NULL };

	if (page != OLD_AREA_ADDR)
		_exit(30);
	/* The inherited registration is the library's; this one is at page. */
	if (rseqdev_unregister_current_thread() ||
	    raw_rseq((uintptr_t)page, 32, 0, RSEQ_SIG))
		_exit(31);
	execv(self, argv);
	_exit(32);
}

static void check_exec(const char *self)
{
	int status = run_in_child(exec_with_old_area, (void *)self);

	ok(exited_with(status, 0),
	   "exec drops the registration and never writes the old area (status 0x%x)",
	   status);
}

static void *short_life(void *arg)
{
	bool by_library = (uintptr_t)arg & 1;
	struct rseqdev_rseq *abi = rseq_get_abi();

	if (by_library) {
		/* Unregistered again by the library's thread-exit destructor. */
		if (rseqdev_register_current_thread())
			return (void *)1;
	} else if (raw_rseq((uintptr_t)abi, library_area_len(), 0, RSEQ_SIG)) {
		/* Left registered: the kernel side cleans up at exit. */
		return (void *)2;
	}
	return (int32_t)abi->cpu_id >= 0 ? NULL : (void *)3;
}

static void check_short_lived_threads(void)
{
	enum { BATCH = 50 };
	long total = test_scaled(1000, BATCH);
	pthread_t threads[BATCH];
	int done, i, bad = 0;
	void *result;

	for (done = 0; done < total; done += BATCH) {
		for (i = 0; i < BATCH; i++)
			pthread_create(&threads[i], NULL, short_life,
				       (void *)(uintptr_t)(done + i));
		for (i = 0; i < BATCH; i++) {
			pthread_join(threads[i], &result);
			bad += result != NULL;
		}
	}
	ok(bad == 0, "%d short-lived threads registered, half left registered at exit (%d failed)",
	   done, bad);
}

/* Registration pins the module even with the device closed. */
static int hold(const char *ready_file)
{
	static struct rseqdev_rseq area __attribute__((aligned(32)));
	struct rseqdev_register reg = {
		.size = sizeof(reg),
		.rseq = (uintptr_t)&area,
		.rseq_len = sizeof(area),
		.sig = RSEQ_SIG,
	};
	int fd = open(RSEQDEV_DEVICE_PATH, O_RDWR);
	FILE *f;

	if (fd < 0 || ioctl(fd, RSEQDEV_IOC_REGISTER, &reg))
		return 1;
	close(fd);
	pin_to_cpu(1);
	usleep(1000);
	f = fopen(ready_file, "w");
	if (!f)
		return 1;
	fprintf(f, "cpu_id %d\n", (int32_t)area.cpu_id);
	fclose(f);
	for (;;)
		pause();
}

enum area_fault { AREA_UNMAPPED, AREA_READ_ONLY };

/*
 * A thread whose registered area is unmapped, or made read-only, between
 * two system calls: the kernel cannot write the IDs on its way back to
 * user space, and the process gets SIGSEGV there, as from mainline.
 */
static void *lose_the_area(void *arg)
{
	enum area_fault fault = (enum area_fault)(intptr_t)arg;
	void *area = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED || raw_rseq((uintptr_t)area, 32, 0, RSEQ_SIG))
		_exit(3);
	if (fault == AREA_UNMAPPED)
		munmap(area, page_size);
	else
		mprotect(area, page_size, PROT_READ);
	give_the_kernel_chances();
	_exit(0);
}

static void area_fault_child(void *arg)
{
	pthread_t thread;

	/* A new thread: the forked one is registered already. */
	pthread_create(&thread, NULL, lose_the_area, arg);
	pthread_join(thread, NULL);
}

static void check_area_faults(void)
{
	int status;

	status = run_in_child(area_fault_child, (void *)(intptr_t)AREA_UNMAPPED);
	ok(killed_by(status, SIGSEGV),
	   "area unmapped while registered: SIGSEGV (status 0x%x)", status);
	status = run_in_child(area_fault_child, (void *)(intptr_t)AREA_READ_ONLY);
	ok(killed_by(status, SIGSEGV),
	   "area made read-only while registered: SIGSEGV (status 0x%x)", status);
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "--hold"))
		return hold(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "--after-exec"))
		return after_exec();

	require_backend();
	if (rseqdev_register_current_thread())
		tap_bail("cannot register: %s", strerror(errno));
	expect_requested_rules();
	signal(SIGUSR2, ignore);

	check_fork();
	check_new_thread();
	check_vfork();
	check_exec("/proc/self/exe");
	check_short_lived_threads();
	check_area_faults();
	return tap_done();
}
