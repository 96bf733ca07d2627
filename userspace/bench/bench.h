/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the parts of rseq_bench. */
#ifndef RSEQDEV_BENCH_H
#define RSEQDEV_BENCH_H

#include <stdarg.h>
#include <stdint.h>

#define BENCH_SWITCH_CHILD "--switch-child"
#define BENCH_SLICE_LOCK_CHILD "--slicelock-child"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

uint64_t bench_now_ns(void);
double bench_median(double *v, int n);
int bench_repetitions(void);
long bench_scale(long n);
void bench_pin(int cpu);
__attribute__((format(printf, 1, 2))) void bench_line(const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void bench_data(double value, const char *fmt, ...);

int bench_switch(const char *self);
int bench_switch_child(int argc, char **argv);
int bench_switch_unregistered(const char *self, double *yield_ns);
int bench_bystander(const char *self);
int bench_slice(const char *self);
int bench_slice_lock(const char *self);
int bench_slice_lock_child(void);
int bench_cpu(void);
int bench_ops(void);
int bench_opv(void);
int bench_fence(void);

#endif /* RSEQDEV_BENCH_H */
