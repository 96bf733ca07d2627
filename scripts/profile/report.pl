#!/usr/bin/env perl
# SPDX-License-Identifier: GPL-2.0-only
# The report of scripts/profile.sh: name the function of every address the
# plugin counted, and print, per function, the kernel instructions per
# context switch of each registration, beside the first one's.
#
# usage: scripts/profile/report.pl SWITCHES NAME=COUNTS:LOG...
#   SWITCHES: context switches per run; COUNTS: the plugin's "ADDRESS
#   COUNT" lines; LOG: the guest's output, with "# ksym ADDRESS TYPE NAME
#   [MODULE]" lines (its /proc/kallsyms) and "# switch-ns VALUE"
#
# Every run counts its boot, module load and set-up as well: only the
# differences between runs are per-switch costs, and the table shows the
# functions whose count differs by at least half an instruction per switch.
use strict;
use warnings;
no warnings qw(portable);	# 64-bit addresses: hex() beyond 32 bits
use List::Util qw(max);

my ($switches, @runs) = @ARGV;
die "usage: $0 SWITCHES NAME=COUNTS:LOG...\n" unless $switches && @runs >= 1;

# symbols(LOG): [sorted addresses], {address => name}, switch ns
sub symbols {
	my ($log) = @_;
	my (%name, $ns);
	open my $in, '<', $log or die "$log: $!\n";
	while (<$in>) {
		if (/# ksym ([0-9a-f]+) [tTwW] (\S+)(?:\s+\[(\S+)\])?/) {
			next if substr($2, 0, 1) eq '$';	# arm64 mapping symbols
			$name{hex $1} = $3 ? "$2 [$3]" : $2;
		} elsif (/# switch-ns ([0-9.]+)/) {
			$ns = $1;
		}
	}
	close $in;
	die "$log: no symbols (the guest's /proc/kallsyms)\n" unless %name;
	return ([sort { $a <=> $b } keys %name], \%name, $ns);
}

# the last index of @$sorted whose value is <= $x, or -1
sub floor_index {
	my ($sorted, $x) = @_;
	my ($lo, $hi) = (0, $#$sorted);
	return -1 if $hi < 0 || $sorted->[0] > $x;
	while ($lo < $hi) {
		my $mid = int(($lo + $hi + 1) / 2);
		if ($sorted->[$mid] <= $x) { $lo = $mid } else { $hi = $mid - 1 }
	}
	return $lo;
}

my (@names, @per_fn, @ns);
for my $run (@runs) {
	my ($name, $counts, $log) = $run =~ /^([^=]+)=([^:]+):(.+)$/
		or die "$run: not NAME=COUNTS:LOG\n";
	my ($addrs, $sym, $ns) = symbols($log);
	my %fn;
	open my $in, '<', $counts or die "$counts: $!\n";
	while (<$in>) {
		my ($addr, $count) = split;
		my $i = floor_index($addrs, hex $addr);
		$fn{$i < 0 ? '(unknown)' : $sym->{$addrs->[$i]}} += $count;
	}
	close $in;
	push @names, $name;
	push @per_fn, { map { $_ => $fn{$_} / $switches } keys %fn };
	push @ns, $ns;
}

my %all = map { %$_ } @per_fn;
my @rows;
for my $fn (keys %all) {
	my @v = map { $_->{$fn} // 0 } @per_fn;
	my $diff = max(map { abs($_ - $v[0]) } @v);
	push @rows, [$diff, $fn, @v] if $diff >= 0.5;
}
@rows = sort { $b->[0] <=> $a->[0] || $a->[1] cmp $b->[1] } @rows;

my $w = max(40, map { length $_->[1] } @rows);
printf "%-${w}s%s\n", 'kernel instructions per switch', join('', map { sprintf '%14s', $_ } @names);
printf "%-${w}s%s\n", $_->[1], join('', map { sprintf '%14.1f', $_ } @$_[2 .. $#$_]) for @rows;
my @total = map { my $t = 0; $t += $_ for values %$_; $t } @per_fn;
printf "%-${w}s%s\n", 'added over ' . $names[0] . ', all functions',
	join('', map { sprintf '%14.1f', $_ - $total[0] } @total);
printf "%-${w}s%s\n", 'the benchmark\'s own figure, ns per switch',
	join('', map { defined $_ ? sprintf('%14.1f', $_) : sprintf('%14s', '-') } @ns);
