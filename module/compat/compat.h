/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The compatibility layer: every difference between kernel versions and
 * flavours, and every use of a facility that a kernel may lack, sits behind
 * the plain helpers declared here. The rest of the module includes no
 * version header and tests no kernel version.
 */
#ifndef RSEQDEV_COMPAT_H
#define RSEQDEV_COMPAT_H

/**
 * compat_check_facilities() - verify every kernel facility the module needs
 *
 * Logs one line naming each missing facility.
 *
 * Return: 0 when all are present, -EOPNOTSUPP otherwise.
 */
int compat_check_facilities(void);

#endif /* RSEQDEV_COMPAT_H */
