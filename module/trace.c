// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace events' one definition (see rseqdev_trace.h): the tracepoints,
 * their tracefs entries and their formats are instantiated here only.
 */
#define CREATE_TRACE_POINTS
#include "rseqdev_trace.h"
