#!/usr/bin/env perl
# SPDX-License-Identifier: GPL-2.0-only
# Write an architecture's performance page and its plots from one run of
# scripts/bench.sh: every figure as a ratio to a baseline measured in the
# same guest, the plots drawn by gnuplot from the same numbers. x86-64's
# page is docs/performance.md, arm64's docs/performance-arm64.md, which
# also shows x86-64's targets table from performance.md beside its own.
# What follows the marker line at the end of a page ($hand below) is
# written by hand and kept as it is.
#
# usage: scripts/bench-report.pl [--arch ARCH] RESULTS DOCS-DIR NAME=RELEASE...
#   ARCH: x86_64 (the default) or arm64, the kernels' architecture
#   RESULTS: "KERNEL MODE KEY VALUE" lines (MODE is tcg or icount),
#   "- meta tree DESCRIBE": the tree the figures come from, and
#   "- meta quick yes" for a --quick run
use strict;
use warnings;
use File::Path qw(make_path);
use Getopt::Long qw(GetOptions);
use POSIX qw(strftime);

# What differs between the architectures' pages: the page, its plots'
# suffix, its title, what writes it, the QEMU that runs its guests.
my %arches = (
	x86_64 => {page => 'performance.md', plots => '', title => 'Performance',
		   make => 'make bench', bench => 'scripts/bench.sh --report',
		   qemu => 'qemu-system-x86_64', machine => '',
		   see => ['The same figures on arm64: [performance-arm64.md](performance-arm64.md).']},
	arm64 => {page => 'performance-arm64.md', plots => '-arm64', title => 'Performance on arm64',
		  make => 'make bench-arm64', bench => 'scripts/bench.sh --arm64 --report',
		  qemu => 'qemu-system-aarch64', machine => ' (`qemu-system-aarch64 -M virt`)',
		  see => ['The same figures on x86-64: [performance.md](performance.md). Instruction counts',
			  'of two architectures are not times: only ratios, each to a baseline of the same',
			  'guest, compare across them.']},
);
my $hand = '<!-- Written by hand below this line: scripts/bench-report.pl keeps it as it is. -->';

my $usage = "usage: $0 [--arch ARCH] RESULTS DOCS-DIR NAME=RELEASE...\n";
my $arch = 'x86_64';
GetOptions('arch=s' => \$arch) or die $usage;
die "$0: unknown architecture '$arch' (x86_64 or arm64)\n" unless $arches{$arch};
my %this = %{$arches{$arch}};
my ($results, $docs, @described) = @ARGV;
die $usage unless $docs && @described;
my $page = "$docs/$this{page}";
my @kernels = map { (split /=/)[0] } @described;
my %release = map { split /=/, $_, 2 } @described;

my %v;	# $v{kernel}{mode}{key} = value
open my $in, '<', $results or die "$results: $!\n";
while (<$in>) {
	my ($k, $mode, $key, $value) = split;
	$v{$k}{$mode}{$key} = $value if defined $value;
}
close $in;

sub get { my ($k, $mode, $key) = @_; return $v{$k}{$mode}{$key}; }

# ratio(A, B) with two decimals, or "—" when either is missing.
sub ratio {
	my ($a, $b, $digits) = @_;
	return '—' unless defined $a && defined $b && $b != 0;
	return sprintf('%.' . ($digits // 2) . 'f', $a / $b);
}

sub num { my ($x) = @_; return defined $x ? sprintf('%.0f', $x) : '—'; }

# Added cost per switch of registration kind @kind over the unregistered
# one; undef when the unregistered figure is no baseline: above native's.
sub added {
	my ($k, $mode, $how, $kind) = @_;
	my ($x, $none) = (get($k, $mode, "switch/$how/$kind"), get($k, $mode, "switch/$how/none"));
	return undef unless defined $x && defined $none && !baseline_broken($k, $mode, $how);
	return $x - $none;
}

sub baseline_broken {
	my ($k, $mode, $how) = @_;
	my ($native, $none) = map { get($k, $mode, "switch/$how/$_") } qw(native none);
	return defined $native && defined $none && $none >= $native;
}

# What the summary says of a switch benchmark: added over native's added,
# or, with no baseline, the whole switch over native's whole switch.
sub switch_ratio {
	my ($k, $how) = @_;
	return ratio(added($k, 'icount', $how, 'module'), added($k, 'icount', $how, 'native'))
		unless baseline_broken($k, 'icount', $how);
	return ratio(get($k, 'icount', "switch/$how/module"), get($k, 'icount', "switch/$how/native"));
}

sub verdict {
	my ($value, $limit) = @_;
	return '' if $value eq '—';
	return $value <= $limit ? ' (met)' : ' (missed)';
}

my @md;
sub out { push @md, @_ ? join('', @_) : ''; }

sub row { return '| ' . join(' | ', @_) . ' |'; }

sub table {
	my ($head, @rows) = @_;
	out(row(@$head));
	out('|' . join('|', map { '---' } @$head) . '|');
	out(row(@$_)) for @rows;
	out();
}

# The lines of a file, none if it does not exist.
sub lines {
	my ($file) = @_;
	return () unless -e $file;
	open my $f, '<', $file or die "$file: $!\n";
	return <$f>;
}

sub machine {
	my @cpuinfo = lines('/proc/cpuinfo');
	my ($cpu) = grep { /^model name/ } @cpuinfo;
	$cpu = defined $cpu ? (split /:\s*/, $cpu, 2)[1] : 'unknown CPU';
	chomp $cpu;
	my $cores = grep { /^processor/ } @cpuinfo;
	my ($qemu) = `$this{qemu} --version 2>/dev/null` =~ /version (\S+)/;
	my $commit = get('-', 'meta', 'tree') // 'unknown';
	return ($cpu, $cores, $qemu // 'unknown', $commit);
}

# --- plots -----------------------------------------------------------------

my @plots;

# A clustered bar chart: @$rows = [label, value...], one bar per @$series.
sub plot {
	my (%p) = @_;
	my $name = "$p{name}$this{plots}";
	if (!grep { grep { defined } @$_[1 .. $#$_] } @{$p{rows}}) {
		out("(No figures for the plot \"$p{title}\" in this run.)");
		out();
		return;
	}
	my $data = join('', map { join("\t", map { defined $_ ? $_ : 'NaN' } @$_) . "\n" } @{$p{rows}});
	my $cols = scalar @{$p{series}};
	my $using = join(', ', map { sprintf("\$data using %d:xtic(1) title '%s'", $_ + 2, $p{series}[$_]) }
				 0 .. $cols - 1);
	my $script = <<"EOF";
set terminal svg size 860,380 noenhanced font 'sans,11' background rgb 'white'
set output '$docs/performance/$name.svg'
\$data << EOD
${data}EOD
set title "$p{title}"
set ylabel "$p{ylabel}"
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics rotate by -20
set yrange [0:*]
$p{extra}
plot $using
EOF
	push @plots, [$name, $script];
	out("![$p{title}](performance/$name.svg)");
	out();
}

# Each plot's gnuplot script is kept beside RESULTS, to redraw or inspect.
# A plot's rows: one cluster per kernel and @$variants entry, labelled
# "KERNEL VARIANT", its bars from $bars->(KERNEL, VARIANT).
sub clusters {
	my ($variants, $bars) = @_;
	return [map { my $k = $_; map { ["$k $_", $bars->($k, $_)] } @$variants } @kernels];
}

sub draw_plots {
	make_path("$docs/performance");
	for my $plot (@plots) {
		my $file = "$results.$plot->[0].gp";
		open my $gp, '>', $file or die "$file: $!\n";
		print $gp $plot->[1];
		close $gp;
		system('gnuplot', $file) == 0 or die "gnuplot $file failed\n";
	}
}

# --- sections --------------------------------------------------------------

sub header {
	my ($cpu, $cores, $qemu, $commit) = machine();
	out("# $this{title}");
	out();
	out("Written by `$this{make}` ($this{bench}, then scripts/bench-report.pl);");
	out('run it again to regenerate this page and its plots from one new run. Do not edit it by hand');
	out('above the comment at its end: what follows that comment is kept as it is.');
	out();
	out("- Run of " . strftime('%Y-%m-%d', gmtime) . ", tree $commit, on $cpu ($cores host CPUs),",
	    " QEMU $qemu$this{machine}.");
	out('- Kernels: ' . join(', ', map { "$_ ($release{$_})" } @kernels) . '.');
	if (get('-', 'meta', 'quick')) {
		out('- **A --quick run**: fewer repetitions, medians of fewer runs; its figures show that the');
		out('  path works, they are not the ones to quote.');
	}
	out('- **icount**: QEMU `-icount shift=0`, 1 CPU. One guest instruction takes one nanosecond of');
	out('  guest time, so "ns" there counts instructions and the figures repeat exactly from run to run.');
	out('- **TCG**: plain QEMU emulation with 2 CPUs. Its absolute times mean little (a TCG "instruction"');
	out('  costs anything from one to hundreds of host instructions, and a vCPU runs in time slices of');
	out('  several milliseconds); only ratios within one run say something.');
	out('- Every figure below is a ratio to a baseline measured in the same guest, or a difference of');
	out('  two such figures; the raw numbers are in the tables the benchmarks print (`scripts/bench.sh`).');
	out('- Where the costs go and why some targets are out of reach: [design.md](design.md) (context');
	out('  switches, cpu_opv), [library.md](library.md#retries) (the counter), the README\'s');
	out('  [Benchmarks](../README.md#benchmarks) (the fence\'s floor).');
	my ($see, @more) = @{$this{see}};
	out("- $see");
	out("  $_") for @more;
	out();
}

sub summary {
	out('## Against the targets');
	out();
	out('The targets of issue 16. Per switch: cost added to a switch by a 32-byte registration through');
	out('the module, over native rseq\'s added cost. Bystander: an unregistered process\'s switch with');
	out('the module loaded (idle, or used by another process) over unloaded, the worse of yield and pipe.');
	out('cpu_opv: a 2-operation vector over a no-op ioctl. Counter: a per-CPU counter increment through');
	out('the library over a plain per-thread increment, one thread. Fence: the module\'s fence over');
	out('membarrier\'s with the other CPU idle.');
	out();
	my @rows;
	for my $k (@kernels) {
		my $worst_bystander;
		for my $state (qw(idle used)) {
			for my $how (qw(yield pipe)) {
				my $r = ratio(get($k, 'icount', "bystander/$state/$how"),
					      get($k, 'icount', "bystander/unloaded/$how"), 3);
				$worst_bystander = $r if $r ne '—' &&
					(!defined $worst_bystander || $r > $worst_bystander);
			}
		}
		$worst_bystander //= '—';
		my @switch = map { switch_ratio($k, $_) } qw(yield pipe);
		my @mark = map { baseline_broken($k, 'icount', $_) ? '*' : '' } qw(yield pipe);
		my $local_i = ratio(get($k, 'icount', 'opv/local'), get($k, 'icount', 'opv/ioctl'));
		my $local_t = ratio(get($k, 'tcg', 'opv/local'), get($k, 'tcg', 'opv/ioctl'));
		my $remote = ratio(get($k, 'tcg', 'opv/remote'), get($k, 'tcg', 'opv/ioctl'));
		my $counter = ratio(get($k, 'icount', 'ops/1/rseq'), get($k, 'icount', 'ops/1/plain'));
		my @fence = map { ratio(get($k, 'tcg', "fence/idle/module-$_"),
					get($k, 'tcg', "fence/idle/membarrier-$_")) } qw(all one);
		push @rows, [$k,
			     "$switch[0]$mark[0]" . verdict($switch[0], 1.0) .
			     " / $switch[1]$mark[1]" . verdict($switch[1], 1.0),
			     $worst_bystander . verdict($worst_bystander, 1.01),
			     "$local_i" . verdict($local_i, 3) . " / $local_t" . verdict($local_t, 3),
			     $remote . verdict($remote, 10),
			     $counter . verdict($counter, 1.5),
			     "$fence[0]" . verdict($fence[0], 1.2) . " / $fence[1]" . verdict($fence[1], 1.2)];
	}
	my @head = ('kernel', 'per switch, yield / pipe (≤ 1.00)', 'bystander (≤ 1.01)',
		    'cpu_opv here, icount / TCG (≤ 3)', 'cpu_opv remote, TCG (≤ 10)',
		    'counter (≤ 1.5)', 'fence idle, all / one CPU (≤ 1.2)');
	table(\@head, @rows);
	for my $k (@kernels) {
		for my $how (grep { baseline_broken($k, 'icount', $_) } qw(yield pipe)) {
			out("\\* $k, $how: the unregistered run costs more per switch than the native one, so");
			out('it gives no baseline to subtract; the figure is the whole switch through the module');
			out("over the whole switch with native rseq.");
			out();
		}
	}
	x86_64_targets(row(@head)) unless $arch eq 'x86_64';
}

# x86-64's targets table, its rows and notes as performance.md has them,
# when that page's table has the columns of this one ($head).
sub x86_64_targets {
	my ($head) = @_;
	my $x86 = $arches{x86_64}{page};
	my @lines = lines("$docs/$x86");
	chomp @lines;
	my ($run) = map { /^- Run of ([^,]+, tree [^,]+),/ ? $1 : () } @lines;
	my ($first) = grep { $lines[$_] eq $head } 0 .. $#lines;
	if (!@lines) {
		out("x86-64: no figures to compare, $x86 is absent.");
	} elsif (!defined $run || !defined $first) {
		out("x86-64: [$x86]($x86#against-the-targets) has no table of these columns (an older report's).");
	} else {
		my ($end) = grep { $lines[$_] =~ /^## / || $lines[$_] eq $hand } $first .. $#lines;
		out("x86-64, as [$x86]($x86#against-the-targets) has it (run of $run):");
		out();
		out($_) for @lines[$first .. ($end // @lines) - 1];
		pop @md while @md && $md[-1] eq '';
	}
	out();
}

sub switches {
	my @kinds = ([native => 'native rseq'], [module => 'module'], [both => 'module + native'],
		     ['71-legacy' => 'module, 7.1 legacy'], ['71-optimized' => 'module, 7.1 optimized']);
	out('## Context switches (icount)');
	out();
	out('Two SCHED_FIFO threads yielding to each other on one CPU (yield), and two processes');
	out('passing a byte through pipes (pipe), both counted per context switch. "Added" is the');
	out('cost over the same benchmark with nothing registered, in guest instructions.');
	out();
	my @rows;
	for my $k (@kernels) {
		push @rows, [$k, 'unregistered', num(get($k, 'icount', 'switch/yield/none')), '',
			     num(get($k, 'icount', 'switch/pipe/none')), '', ''];
		for my $kind (@kinds) {
			my @a = map { added($k, 'icount', $_, $kind->[0]) } qw(yield pipe);
			push @rows, [$k, $kind->[1], num(get($k, 'icount', "switch/yield/$kind->[0]")),
				     defined $a[0] ? sprintf('%+.0f', $a[0]) : '—',
				     num(get($k, 'icount', "switch/pipe/$kind->[0]")),
				     defined $a[1] ? sprintf('%+.0f', $a[1]) : '—',
				     ratio($a[0], added($k, 'icount', 'yield', 'native'))];
		}
	}
	table(['kernel', 'registration', 'yield', 'added', 'pipe', 'added',
	       'added yield / native\'s'], @rows);
	plot(name => 'switch', title => 'Instructions added per context switch (icount)',
	     ylabel => 'guest instructions over unregistered',
	     series => [map { $_->[1] } @kinds[0, 1, 3, 4]],
	     rows => clusters([qw(yield pipe)], sub {
			my ($k, $how) = @_;
			return map { added($k, 'icount', $how, $_->[0]) } @kinds[0, 1, 3, 4];
		     }),
	     extra => '');
	out('Bystander: a process that registers nothing, per switch, the module unloaded, loaded and');
	out('idle, and loaded while another process holds a registration (icount):');
	out();
	@rows = ();
	for my $k (@kernels) {
		for my $how (qw(yield pipe)) {
			my $base = get($k, 'icount', "bystander/unloaded/$how");
			push @rows, [$k, $how, num($base),
				     map { ratio(get($k, 'icount', "bystander/$_/$how"), $base, 3) } qw(idle used)];
		}
	}
	table(['kernel', 'switch', 'unloaded', 'loaded, idle', 'loaded, used elsewhere'], @rows);
}

sub cpu_opv {
	my @calls = ([getpid => 'getpid()'], [ioctl => 'no-op ioctl'], [local => 'cpu_opv, this CPU'],
		     ['mm-cid' => 'cpu_opv, own mm_cid'], [remote => 'cpu_opv, other CPU']);
	out('## cpu_opv');
	out();
	out('A 2-operation vector (compare, store) against getpid() and a no-op ioctl on the device');
	out('(an unknown command: the cost of reaching the module at all). icount has one CPU, so no');
	out('remote figure.');
	out();
	my @rows;
	for my $k (@kernels) {
		for my $mode (qw(icount tcg)) {
			my ($pid, $io) = (get($k, $mode, 'opv/getpid'), get($k, $mode, 'opv/ioctl'));
			push @rows, [$k, $mode, map { my $x = get($k, $mode, "opv/$_->[0]");
				defined $x ? ratio($x, $io) . ' / ' . ratio($x, $pid) : '—' } @calls[1 .. 4]];
		}
	}
	table(['kernel', 'mode', map { "$_->[1] (× ioctl / × getpid)" } @calls[1 .. 4]], @rows);
	plot(name => 'cpu_opv', title => 'cpu_opv latency, 2 operations, in no-op ioctls',
	     ylabel => 'multiples of a no-op ioctl (log scale)',
	     series => [map { $_->[1] } @calls[0, 2, 3, 4]],
	     rows => clusters([qw(icount tcg)], sub {
			my ($k, $mode) = @_;
			return map { my $x = get($k, $mode, "opv/$_->[0]");
				     defined $x ? $x / get($k, $mode, 'opv/ioctl') : undef } @calls[0, 2, 3, 4];
		     }),
	     extra => "set logscale y\nset yrange [0.1:*]");
	out('Longest time with preemption off (the module\'s own maximum over 20000 vectors), and the');
	out('share of counter increments that fell back to cpu_opv (TCG, two threads per CPU):');
	out();
	@rows = ();
	for my $k (@kernels) {
		push @rows, [$k, num(get($k, 'icount', 'opv/preempt-off/2')),
			     num(get($k, 'icount', 'opv/preempt-off/16')),
			     map { my $x = get($k, 'tcg', "opv/fallbacks/$_"); defined $x ? sprintf('%.1e', $x) : '—' }
			     qw(normal yield)];
	}
	table(['kernel', '2 ops, icount instructions', '16 ops + 4216 B, icount instructions',
	       'fallbacks per add', 'with a yield after every add'], @rows);
}

sub counter {
	my @kinds = ([rseq => 'rseq per-CPU'], [atomic => 'atomic fetch-add'], [mutex => 'mutex'],
		     [plain => 'plain per-thread']);
	out('## Counter increment');
	out();
	out('A shared counter incremented through the library\'s per-CPU counter (rseq), an atomic');
	out('fetch-add on one word, a mutex, and a per-thread word (plain, the floor: no sharing), as');
	out('multiples of plain with the same threads. icount: one CPU, and "plain" in instructions.');
	out();
	my (@rows, @plot);
	for my $k (@kernels) {
		for my $mode (qw(icount tcg)) {
			for my $t (1, 2, 4) {
				my $plain = get($k, $mode, "ops/$t/plain");
				next unless defined $plain;
				push @rows, [$k, $mode, $t, ($mode eq 'icount' ? num($plain) : '—'),
					     map { ratio(get($k, $mode, "ops/$t/$_->[0]"), $plain) } @kinds[0 .. 2]];
				push @plot, ["$k, $t thread" . ($t > 1 ? 's' : ''),
					     map { get($k, $mode, "ops/$t/$_->[0]") / $plain } @kinds]
					if $mode eq 'tcg';
			}
		}
	}
	table(['kernel', 'mode', 'threads', 'plain, instructions', map { "$_->[1] / plain" } @kinds[0 .. 2]],
	      @rows);
	plot(name => 'counter', title => 'Counter increment by thread count (TCG, 2 CPUs)',
	     ylabel => 'multiples of a plain per-thread increment (log scale)',
	     series => [map { $_->[1] } @kinds], rows => \@plot,
	     extra => "set logscale y\nset yrange [0.5:*]");
}

sub fence {
	out('## The rseq fence (TCG)');
	out();
	out('The module\'s fence against membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ), on all');
	out('CPUs and on one, with a thread of the process spinning on the other CPU (busy) and with');
	out('it asleep (idle), in getpid() calls. When the other CPU is busy, both wait for QEMU to');
	out('run the interrupted vCPU, so both show its time slice.');
	out();
	my @rows;
	for my $k (@kernels) {
		for my $state (qw(busy idle)) {
			my $pid = get($k, 'tcg', "fence/$state/getpid");
			push @rows, [$k, $state, map({ ratio(get($k, 'tcg', "fence/$state/$_"), $pid) }
						     qw(module-all membarrier-all module-one membarrier-one)),
				     map { ratio(get($k, 'tcg', "fence/$state/module-$_"),
						 get($k, 'tcg', "fence/$state/membarrier-$_")) } qw(all one)];
		}
	}
	table(['kernel', 'other CPU', 'module, all', 'membarrier, all', 'module, one', 'membarrier, one',
	       'module / membarrier, all', 'module / membarrier, one'], @rows);
}

sub slice {
	out('## Time-slice extension');
	out();
	out('What its hooks cost a process that does not use them while another process has them');
	out('armed (armed / disarmed), and a contended spinlock with twice as many threads as CPUs,');
	out('acquisitions per second with the extension over without (TCG).');
	out();
	my @rows;
	for my $k (@kernels) {
		push @rows, [$k, map({ my $m = $_; map { ratio(get($k, $m, "slice/$_/armed"),
							      get($k, $m, "slice/$_/disarmed"), 3) }
				       qw(getpid yield) } qw(icount tcg)),
			     ratio(get($k, 'tcg', 'slicelock/on'), get($k, 'tcg', 'slicelock/off'))];
	}
	table(['kernel', 'getpid, icount', 'yield, icount', 'getpid, TCG', 'yield, TCG',
	       'spinlock, on / off'], @rows);
}

sub current_cpu {
	out('## Reading the current CPU');
	out();
	out('The registered area\'s cpu_id against glibc\'s sched_getcpu() and the getcpu system call.');
	out();
	my @rows;
	for my $k (@kernels) {
		for my $mode (qw(icount tcg)) {
			my $area = get($k, $mode, 'cpu/area');
			push @rows, [$k, $mode, ($mode eq 'icount' ? sprintf('%.1f', $area // 0) : '—'),
				     map { ratio(get($k, $mode, "cpu/$_"), $area) } qw(sched_getcpu getcpu)];
		}
	}
	table(['kernel', 'mode', 'area read, instructions', 'sched_getcpu() / area', 'getcpu / area'], @rows);
}

header();
summary();
switches();
cpu_opv();
counter();
fence();
slice();
current_cpu();
draw_plots();
# The page's hand-written end, if it has one, goes on after the marker.
my @kept = lines($page);
shift @kept while @kept && $kept[0] ne "$hand\n";
shift @kept;
out($hand);
open my $md, '>', $page or die "$page: $!\n";
print $md map { "$_\n" } @md;
print $md @kept;
close $md;
print STDERR "bench-report: wrote $page and " . scalar(@plots) . " plots\n";
