# SPDX-License-Identifier: GPL-2.0-only
# rseqdev: restartable sequences and cpu_opv through a loadable module.
#
#   make               module for the running kernel (or KVER=/KDIR=) and user space
#   make module        the module only;  make userspace: library, rseqctl, tests
#   make check         W=1 + sparse (C=2) module build, checkpatch, the ABI's layout, man pages
#   make demo          build, boot the default stock kernel in QEMU, show it working
#   make test          the whole test suite on the full kernel matrix
#   make test-quick    the test suite on the default kernel only
#   make test-latest   the quick suite on the newest kernel of every series and flavour
#   make test-arm64    the test plan on Debian's arm64 kernels (2 and 4 CPUs) in
#                      qemu-system-aarch64, cross-built; not part of "make test"
#   make test-debug    the test suite on the debug kernel (lockdep, KASAN, ...),
#                      built from Debian's source on first use (make debug-kernel)
#   make bench         the benchmarks in the VM on every pinned x86-64 kernel (TCG
#                      and icount); rewrites docs/performance.md and its plots
#   make bench-arm64   the same on the pinned arm64 kernels in qemu-system-aarch64;
#                      rewrites docs/performance-arm64.md and its plots
#   make dkms-install  add, build and install the module through DKMS
#   make dkms-remove   remove it from DKMS and every kernel
#   make install       install the library, headers, pkg-config file, rseqctl, the
#                      preload shim and the man pages (PREFIX=, DESTDIR=, MANDIR=)
#   make deb           Debian packages (rseqdev-dkms, librseqdev0, librseqdev-dev,
#                      rseqdev-tools) in build/deb/, built in a copy of the tree
#   make deb-arm64     the same for arm64, cross-built, in build/deb-arm64/

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
DEBUG_KERNEL ?= 6.1-debug

all: module userspace

module:
	@test -d $(KDIR) || { echo "no kernel build tree at $(KDIR): install the headers or set KVER=/KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-clean:
	@test ! -d $(KDIR) || $(MAKE) -C $(KDIR) M=$(CURDIR) clean

userspace:
	$(MAKE) -C userspace

install:
	$(MAKE) -C userspace install

check: userspace
	prove tests/host/build.t tests/host/style.t tests/host/uapi.t tests/host/link.t tests/host/man.t

demo:
	scripts/demo.sh

test:
	scripts/test.sh

test-quick:
	scripts/test.sh --quick

debug-kernel:
	scripts/debug-kernel.sh $(DEBUG_KERNEL)

test-debug:
	scripts/test.sh --kernels $(DEBUG_KERNEL)

test-latest:
	scripts/test.sh --latest

test-arm64:
	scripts/test.sh --arm64

bench:
	scripts/bench.sh --report

bench-arm64:
	scripts/bench.sh --arm64 --report

dkms-install:
	scripts/dkms-install.sh $(KVER)

dkms-remove:
	scripts/dkms-install.sh --remove

deb:
	scripts/deb.sh

deb-arm64:
	scripts/deb.sh --arch arm64

clean: module-clean
	$(MAKE) -C userspace clean
	rm -rf build

.PHONY: all module module-clean userspace install check demo test test-quick debug-kernel test-debug test-latest test-arm64 bench bench-arm64 \
	dkms-install dkms-remove deb deb-arm64 clean
