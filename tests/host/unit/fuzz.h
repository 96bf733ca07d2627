/* SPDX-License-Identifier: GPL-2.0-only */
/* The entry point libFuzzer's main() calls with each input (fuzz_args.c). */
#ifndef RSEQDEV_FUZZ_H
#define RSEQDEV_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* RSEQDEV_FUZZ_H */
