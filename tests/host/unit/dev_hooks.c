// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's device.c, built into the tests as it is, plus what lets a
 * test open the device anew: the descriptor is otherwise kept for the life
 * of the process, so a test could not go from a missing device to the
 * fake one.
 */
#include "../../../userspace/lib/device.c"

#include "fake_module.h"

void fake_device_forget(void)
{
	int fd = __atomic_exchange_n(&device_fd, -1, __ATOMIC_ACQ_REL);

	if (fd >= 0)
		close(fd);
}
