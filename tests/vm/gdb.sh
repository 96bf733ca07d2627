# SPDX-License-Identifier: GPL-2.0-only
# Debian's gdb (gdb-minimal) over gdb_target, whose per-CPU operations
# abort on every attempt made while the debugger stops the thread: stepi
# through whole operations, next over them, breakpoints inside critical
# sections, finish and until out of one. The program must end with exact
# totals, every operation made under the debugger done through cpu_opv.
# The control runs the same session with RSEQDEV_CPU_OPV=never: stepping
# must then make no progress at all.
#
# The backend comes from the plan's RSEQDEV_BACKEND. usage: sh gdb.sh
# (gdb.sh --demo prints the demo's lines instead of TAP: see demo.sh)
. ./tap.sh

STEP_LIMIT=20000	# stepi budget for 3 operations through cpu_opv
CONTROL_STEPS=1500	# about 4 times what 3 operations take with cpu_opv
HIT_LIMIT=200		# breakpoint stops for 3 operations (8 aborts each)
script=/tmp/gdb_target.gdb
out=/tmp/gdb.out	# the checks' lines and the program's output
log=/tmp/gdb.log	# everything else gdb printed, for a failure's diagnosis

# The session. Each phase bounds its loop by a step or stop count, so that
# the control (no cpu_opv) ends; its progress goes out as "gdb-check:"
# lines, the rest of gdb's output to $log. Breakpoints 1-5 are the
# phases' functions, 6 on those inside the sections (section_ips).
#
# Displaced stepping is off: with it, gdb steps over a breakpoint by
# running a copy of its instruction elsewhere (at the program's entry),
# where the kernel finds the thread outside the section and disarms it
# (classic rule 3), so the section then commits after having been stopped.
# docs/debugging.md explains why that matters.
write_script() {
	cat > "$script" <<EOF
set pagination off
set confirm off
set width 0
set displaced-stepping off
set logging file $log
set logging redirect on
break phase_stepi
break phase_next
break phase_breakpoints
break phase_finish
break phase_until
run
set logging enabled on
set \$steps = 0
while ops_done < 3 && \$steps < ${1:-$STEP_LIMIT}
  stepi
  set \$steps = \$steps + 1
end
set logging enabled off
printf "gdb-check: stepi %d %d\n", ops_done, \$steps
if ops_done < 3
  kill
  quit
end
set logging enabled on
continue
set \$lines = 0
while ops_done < 7 && \$lines < 40
  next
  set \$lines = \$lines + 1
end
continue
set \$i = 0
while \$i < nr_section_ips
  eval "break *0x%lx", section_ips[\$i]
  set \$i = \$i + 1
end
set \$first = 6
set \$last = 5 + nr_section_ips
set \$stops = 0
while ops_done < 10 && \$stops < $HIT_LIMIT
  continue
  set \$stops = \$stops + 1
end
set logging enabled off
printf "gdb-check: next %d %d\n", \$lines, phase
printf "gdb-check: breakpoints %d %d\n", ops_done, \$stops
set logging enabled on
continue
set logging enabled off
printf "gdb-check: finish-from %d %d\n", phase, \$_hit_bpnum >= \$first
set logging enabled on
eval "disable %d-%d", \$first, \$last
set \$finishes = 0
while ops_done < 11 && \$finishes < 10
  finish
  set \$finishes = \$finishes + 1
end
set logging enabled off
printf "gdb-check: finish %d %d\n", ops_done, \$finishes
set logging enabled on
eval "enable %d-%d", \$first, \$last
continue
continue
set logging enabled off
printf "gdb-check: until-from %d %d\n", phase, \$_hit_bpnum >= \$first
set logging enabled on
eval "disable %d-%d", \$first, \$last
until until_here
set logging enabled off
printf "gdb-check: until %d\n", ops_done
set logging enabled on
continue
set logging enabled off
printf "gdb-check: exit %d\n", \$_exitcode
EOF
}

# session [ENV...]: run the session; its output in $out.
session() {
	rm -f "$log"
	env "$@" gdb -nx -batch -x "$script" ./gdb_target > "$out" 2>&1
}

# check NAME: the numbers of the session's "gdb-check: NAME" line.
check() {
	sed -n "s/^gdb-check: $1 //p" "$out"
}

if [ "$1" = --demo ]; then
	write_script
	session
	echo "gdb: stepi, next, breakpoints inside sections, finish, until:"
	sed -n 's/^gdb_target: /   /p' "$out"
	echo "   stepping through the first 3 operations took $(check stepi | cut -d' ' -f2) single steps"
	write_script "$CONTROL_STEPS"
	session RSEQDEV_CPU_OPV=never
	set -- $(check stepi)
	echo "without cpu_opv: $1 of 3 operations done after $2 single steps"
	exit 0
fi

version=$(gdb --version 2>&1 | head -n 1)
like "$version" '^GNU gdb' "gdb runs: $version"

write_script
session
set -- $(check stepi)
ok "stepi: 3 operations done in ${2:-?} steps" test "${1:-0}" -eq 3
# next leaves phase_next with its 4 operations done: the next phase starts at 7.
set -- $(check next) $(check breakpoints)
ok "next: 4 operations stepped over in ${1:-?} lines" \
	test "${3:-0}" -ge 7 -a "${1:-0}" -ge 4
set -- $(check breakpoints)
ok "continue over breakpoints inside sections: 3 operations after ${2:-?} stops" \
	test "${1:-0}" -eq 10 -a "${2:-0}" -ge 3
# The stop is in the innermost of several inlined functions: each finish
# leaves one, the operation completes within them.
set -- $(check finish)
is "$(check finish-from) ${1:-?}" "4 1 11" \
	"finish out of a section in ${2:-?} finishes (phase, stopped in one, operations done)"
is "$(check until-from) $(check until)" "5 1 14" \
	"until out of a section (phase, stopped in one, operations done)"
is "$(check exit) $(sed -n 's/^gdb_target: .*: //p' "$out" | tail -n 1)" "0 exact" \
	"the program exits 0 with exact totals"
# Stepped through (stepi, next, finish) or stopped in 8 times in a row
# (breakpoints): 11 operations through cpu_opv. Run on after one stop
# (until's 3): the retry commits.
like "$(grep '^gdb_target: ' "$out")" \
	'^gdb_target: 14 operations: 3 committed, [0-9]+ aborted attempts, 11 through cpu_opv$' \
	"stepped operations went through cpu_opv, those run on after one stop committed"
[ "$tap_failed" = 0 ] || { sed 's/^/# /' "$out"; tail -n 60 "$log" | sed 's/^/# gdb: /'; }

write_script "$CONTROL_STEPS"
session RSEQDEV_CPU_OPV=never
is "$(check stepi)" "0 $CONTROL_STEPS" \
	"control, RSEQDEV_CPU_OPV=never: no operation done in $CONTROL_STEPS steps"
[ "$(check stepi)" = "0 $CONTROL_STEPS" ] || sed 's/^/# /' "$out"
done_testing
