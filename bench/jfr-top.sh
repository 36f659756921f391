#!/usr/bin/env bash
# Summarises a JFR recording's CPU samples (jdk.ExecutionSample): the methods on top of the
# sampled stacks (self time), and the frames found anywhere in the stacks (inclusive time), as
# shares of all samples. Stacks are as deep as JFR prints them (5 frames by default; --stack-depth).
#
#   bench/jfr-top.sh RECORDING.jfr [N]        N lines per list (default 25)
set -euo pipefail
rec=${1:?usage: bench/jfr-top.sh RECORDING.jfr [N]}
n=${2:-25}
jfr print --stack-depth 64 --events jdk.ExecutionSample "$rec" | awk -v n="$n" '
  /^jdk.ExecutionSample/ { samples++; top = 1; delete seen; next }
  /^[ \t]+stackTrace = \[/ { instack = 1; next }
  instack && /^[ \t]+\]/ { instack = 0; next }
  instack && /line:/ {
    f = $0; sub(/^[ \t]+/, "", f); sub(/[ \t]+line:.*/, "", f); sub(/\(.*/, "", f)
    if (top) { self[f]++; top = 0 }
    if (!(f in seen)) { seen[f] = 1; incl[f]++ }
  }
  END {
    printf "%d samples\n\nself (top of stack):\n", samples
    for (f in self) printf "%6.1f%%  %s\n", 100 * self[f] / samples, f | "sort -rn | head -" n
    close("sort -rn | head -" n)
    printf "\ninclusive (anywhere in the stack):\n"
    for (f in incl) printf "%6.1f%%  %s\n", 100 * incl[f] / samples, f | "sort -rn | head -" n
    close("sort -rn | head -" n)
  }'
