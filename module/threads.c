// SPDX-License-Identifier: GPL-2.0-only
/*
 * RSEQDEV_IOC_THREADS: which threads of a process are registered through
 * the module, and their counters, for rseqctl.
 *
 * The process's state lists its registered threads under a raw lock; the
 * entries are copied to a kernel buffer under that lock and to user space
 * after it. Counters are read without stopping their owners: each is a
 * value it held during the call.
 */
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/rseqdev.h>

#include "compat/compat.h"
#include "internal.h"

/* Bounds the kernel buffer; a caller with more threads calls in chunks. */
#define RSEQDEV_THREADS_MAX	4096

/*
 * The mm of thread @pid (0: current), referenced, or an ERR_PTR. Reading
 * another process's registrations takes what reading its /proc/PID/maps
 * takes.
 */
static struct mm_struct *rseqdev_threads_mm(pid_t pid)
{
	struct task_struct *task;
	struct mm_struct *mm;

	if (pid < 0)
		return ERR_PTR(-ESRCH);
	if (pid) {
		struct pid *found = find_get_pid(pid);

		task = get_pid_task(found, PIDTYPE_PID);
		put_pid(found);
	} else {
		task = get_task_struct(current);
	}
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = get_task_mm(task);
	if (!mm)
		mm = ERR_PTR(-ESRCH);
	else if (!rseqdev_compat_may_inspect(task)) {
		mmput(mm);
		mm = ERR_PTR(-EPERM);
	}
	put_task_struct(task);
	return mm;
}

struct rseqdev_threads_copy {
	struct rseqdev_thread_info *info;
	unsigned int room;
	unsigned int filled;
};

/* Under the list's raw lock. */
static void rseqdev_threads_fill_one(struct list_head *node, void *arg)
{
	struct rseqdev_thread *t = list_entry(node, struct rseqdev_thread, mm_node);
	struct rseqdev_threads_copy *copy = arg;
	struct rseqdev_thread_info *info;

	if (copy->filled == copy->room)
		return;
	info = &copy->info[copy->filled++];
	*info = (struct rseqdev_thread_info) {
		.tid = task_pid_vnr(t->task),
		.area_len = t->len,
		.area = (u64)(unsigned long)t->area,
		.sig = t->sig,
		.cpu = READ_ONCE(t->cpu),
		.aborts = READ_ONCE(t->nr_aborts),
		.preempts = READ_ONCE(t->nr_preempts),
		.signals = READ_ONCE(t->nr_signals),
		.fences = READ_ONCE(t->nr_fences),
		.generation = t->rules->gen,
	};
}

/* Each entry is @info_size bytes: zero past what this module knows. */
static int rseqdev_threads_copy_out(const struct rseqdev_threads *req,
				 const struct rseqdev_threads_copy *copy)
{
	char __user *dst = u64_to_user_ptr(req->threads);
	size_t known = min_t(size_t, req->info_size, sizeof(*copy->info));
	unsigned int i;

	for (i = 0; i < copy->filled; i++, dst += req->info_size) {
		if (copy_to_user(dst, &copy->info[i], known) ||
		    clear_user(dst + known, req->info_size - known))
			return -EFAULT;
	}
	return 0;
}

static int rseqdev_threads_check(const struct rseqdev_threads *req)
{
	if (req->flags || req->reserved)
		return -EINVAL;
	if (req->info_size < RSEQDEV_THREAD_INFO_SIZE_VER0 ||
	    req->info_size > RSEQDEV_MAX_ARG_SIZE)
		return -EINVAL;
	return 0;
}

/**
 * rseqdev_threads_report() - RSEQDEV_IOC_THREADS
 * @req: the request, size already checked
 *
 * Return: the number of registered threads (the ioctl writes it back to
 * @req->nr), or a negative errno.
 */
long rseqdev_threads_report(const struct rseqdev_threads *req)
{
	struct rseqdev_threads_copy copy = { };
	struct mm_struct *mm;
	struct rseqdev_mm *rmm;
	unsigned int nr = 0;
	long ret;

	ret = rseqdev_threads_check(req);
	if (ret)
		return ret;
	mm = rseqdev_threads_mm(req->pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	copy.room = min_t(u32, req->nr, RSEQDEV_THREADS_MAX);
	if (copy.room) {
		copy.info = kvcalloc(copy.room, sizeof(*copy.info), GFP_KERNEL);
		if (!copy.info) {
			ret = -ENOMEM;
			goto out_mm;
		}
	}
	rmm = rseqdev_mm_lookup(mm);
	if (rmm) {
		nr = rseqdev_mm_visit_threads(rmm, rseqdev_threads_fill_one, &copy);
		rseqdev_mm_put(rmm);
	}
	ret = rseqdev_threads_copy_out(req, &copy);
	if (!ret)
		ret = nr;
	kvfree(copy.info);
out_mm:
	mmput(mm);
	return ret;
}
