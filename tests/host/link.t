#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# librseqdev and librseq in one program (issue 13). On the host, no VM:
#  - librseqdev.so and librseqdev.a define names under the rseqdev_
#    prefix only (see userspace/lib/librseqdev.map), so no name of
#    librseq's;
#  - a program linked against librseqdev and a stand-in for librseq that
#    defines librseq's public names (rseq_offset, rseq_size, rseq_flags,
#    rseq_register_current_thread, its per-CPU allocator's
#    rseq_percpu_malloc, ...), and that reads glibc's
#    __rseq_offset, __rseq_size and __rseq_flags through <sys/rseq.h>,
#    links in either library order, dynamically and statically, and each
#    call reaches its own library: the stand-in's return marker values,
#    librseqdev's register the thread through the native backend.
. "$(dirname "$0")/tap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lib=$work/userspace
prefixes='^rseqdev_'

out=$(make -s -C "$RSEQDEV_TOP/userspace" O="$lib" \
      "$lib/librseqdev.so.$(rseqdev_version)" "$lib/librseqdev.a" 2>&1)
is "$out" "" "librseqdev builds (shared and static)"

exported=$(nm -D --defined-only "$lib/librseqdev.so" | awk '{ print $3 }')
ok "librseqdev.so exports names" test -n "$exported"
is "$(grep -vE "$prefixes" <<< "$exported")" "" \
	"librseqdev.so exports only rseqdev_ names"
archived=$(nm "$lib/librseqdev.a" | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ { print $3 }')
is "$(grep -vE "$prefixes" <<< "$archived")" "" \
	"librseqdev.a defines only rseqdev_ globals"

# The stand-in: librseq's public names, each answering a marker.
cat > "$work/librseq.c" <<'SRC'
#include <stddef.h>
#include <stdint.h>

ptrdiff_t rseq_offset = 0x1111;
unsigned int rseq_size = 0x2222;
unsigned int rseq_flags = 0x3333;

int rseq_register_current_thread(void) { return 4201; }
int rseq_unregister_current_thread(void) { return 4202; }
int rseq_available(unsigned int query) { return 4203 + (int)query; }
int32_t rseq_current_cpu(void) { return 4204; }
int32_t rseq_current_cpu_raw(void) { return 4205; }
int rseq_init(void) { return 4206; }
int rseq_fence(int cpu) { return 4207 + cpu; }
void *rseq_percpu_malloc(void *pool) { return (char *)pool + 4209; }
void rseq_percpu_free(void *ptr) { *(int *)ptr = 4210; }
SRC

# What a user of librseq writes (its header's declarations), in a file of
# its own: <rseq/rseq.h> and <rseqdev/rseq.h> both define inline rseq_*
# helpers, so one source file takes one library's header.
cat > "$work/librseq_user.c" <<'SRC'
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern ptrdiff_t rseq_offset;
extern unsigned int rseq_size;
extern unsigned int rseq_flags;
int rseq_register_current_thread(void);
int rseq_unregister_current_thread(void);
int rseq_available(unsigned int query);
int32_t rseq_current_cpu(void);
int rseq_init(void);
int rseq_fence(int cpu);
void *rseq_percpu_malloc(void *pool);
void rseq_percpu_free(void *ptr);

int librseq_says(void);

int librseq_says(void)
{
	static char pool[4216];
	int fails = 0, freed = 0;

#define EXPECT(expr, want)						\
	do {								\
		long long got = (long long)(expr);			\
		if (got != (want)) {					\
			printf("librseq: %s is %lld, want %lld\n",	\
			       #expr, got, (long long)(want));		\
			fails++;					\
		}							\
	} while (0)
	EXPECT(rseq_offset, 0x1111);
	EXPECT(rseq_size, 0x2222);
	EXPECT(rseq_flags, 0x3333);
	EXPECT(rseq_register_current_thread(), 4201);
	EXPECT(rseq_unregister_current_thread(), 4202);
	EXPECT(rseq_available(1), 4204);
	EXPECT(rseq_current_cpu(), 4204);
	EXPECT(rseq_init(), 4206);
	EXPECT(rseq_fence(1), 4208);
	EXPECT((char *)rseq_percpu_malloc(pool) - pool, 4209);
	rseq_percpu_free(&freed);
	EXPECT(freed, 4210);
	return fails;
}
SRC

# glibc's registration as programs see it.
cat > "$work/glibc_view.c" <<'SRC'
#include <stddef.h>
#include <sys/rseq.h>

void glibc_rseq(ptrdiff_t *offset, unsigned int *size, unsigned int *flags);

void glibc_rseq(ptrdiff_t *offset, unsigned int *size, unsigned int *flags)
{
	*offset = __rseq_offset;
	*size = __rseq_size;
	*flags = __rseq_flags;
}
SRC

# librseqdev's side, through its own headers.
cat > "$work/main.c" <<'SRC'
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rseqdev/rseq.h>
#include <rseqdev/rseqdev.h>

int librseq_says(void);
void glibc_rseq(ptrdiff_t *offset, unsigned int *size, unsigned int *flags);

int main(void)
{
	ptrdiff_t glibc_offset;
	unsigned int glibc_size, glibc_flags;
	int fails = librseq_says();
	int32_t cpu;

	glibc_rseq(&glibc_offset, &glibc_size, &glibc_flags);
	printf("glibc: __rseq_offset %td, __rseq_size %u, __rseq_flags %u\n",
	       glibc_offset, glibc_size, glibc_flags);
	if (strcmp(rseqdev_device_path(), RSEQDEV_DEVICE_PATH)) {
		printf("rseqdev_device_path() is %s\n", rseqdev_device_path());
		fails++;
	}
	if (rseqdev_init() != RSEQ_BACKEND_NATIVE ||
	    rseqdev_get_backend() != RSEQ_BACKEND_NATIVE ||
	    strcmp(rseqdev_backend_name(rseqdev_get_backend()), "native")) {
		printf("backend %s, want native\n",
		       rseqdev_backend_name(rseqdev_get_backend()));
		return 1;
	}
	if (rseqdev_register_current_thread()) {
		perror("rseqdev_register_current_thread");
		return 1;
	}
	cpu = rseqdev_current_cpu();
	if (cpu < 0 || cpu != rseq_current_cpu_raw() ||
	    cpu >= sysconf(_SC_NPROCESSORS_CONF)) {
		printf("rseqdev_current_cpu() %d, the area says %d\n", cpu,
		       rseq_current_cpu_raw());
		fails++;
	}
	/* The native backend adopts glibc's registration when there is one. */
	if (glibc_size && (rseqdev_rseq_offset != glibc_offset || !rseqdev_rseq_size)) {
		printf("rseqdev_rseq_offset %td, rseqdev_rseq_size %u: not glibc's area\n",
		       rseqdev_rseq_offset, rseqdev_rseq_size);
		fails++;
	}
	if (!glibc_size && rseqdev_rseq_size < 20) {
		printf("rseqdev_rseq_size %u: no area of the library's own\n",
		       rseqdev_rseq_size);
		fails++;
	}
	printf("librseqdev: backend native, cpu %d, rseqdev_rseq_offset %td, rseqdev_rseq_size %u\n",
	       cpu, rseqdev_rseq_offset, rseqdev_rseq_size);
	return fails ? 1 : 0;
}
SRC

cflags=(-O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$RSEQDEV_TOP/userspace/include"
	-I"$RSEQDEV_TOP/uapi")
standin=$work/standin
mkdir -p "$standin"
out=$(cd "$work" && gcc -O2 -Wall -Werror -fPIC -shared -Wl,-soname,librseq.so.0 \
	-o "$standin/librseq.so" librseq.c 2>&1 &&
      ln -s librseq.so "$standin/librseq.so.0" &&
      gcc -O2 -Wall -Werror -c -o "$standin/librseq.o" librseq.c 2>&1 &&
      ar rcs "$standin/librseq.a" "$standin/librseq.o" 2>&1)
is "$out" "" "the stand-in librseq builds (shared and static)"
ok "the stand-in exports librseq's names" \
	bash -c "nm -D --defined-only '$standin/librseq.so' | grep -qw rseq_register_current_thread"

# glibc's own registration may be on or off (GLIBC_TUNABLES): with it, the
# native backend adopts glibc's area; without, it registers its own.
# link NAME ARGS...: build the program with the given link line and run it.
link() {
	local name=$1 exe=$work/prog-$((++programs)) out
	shift
	out=$(cd "$work" && gcc "${cflags[@]}" -o "$exe" main.c librseq_user.c \
		glibc_view.c "$@" 2>&1)
	is "$out" "" "$name: links"
	for tunable in "" glibc.pthread.rseq=0; do
		out=$(env GLIBC_TUNABLES=$tunable RSEQDEV_BACKEND=native \
		      LD_LIBRARY_PATH="$lib:$standin" "$exe" 2>&1)
		is "$?" 0 "$name${tunable:+, $tunable}: each library answers its own names"
		[ -n "$out" ] && printf "%s\n" "$out" | sed "s/^/#   /"
	done
}

programs=0
link "shared, librseqdev first" -L"$lib" -L"$standin" -lrseqdev -lrseq -lpthread
link "shared, librseq first" -L"$lib" -L"$standin" -lrseq -lrseqdev -lpthread
link "static archives" "$lib/librseqdev.a" "$standin/librseq.a" -lpthread

done_testing
