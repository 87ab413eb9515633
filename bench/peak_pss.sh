#!/usr/bin/env bash
# Peak memory of a whole process tree (a rebuild's processes and their phone-check workers):
# the sum of PSS (shared pages split between their sharers) every 0.5 s, until FLAG goes.
#   touch /tmp/sampling; bench/peak_pss.sh /tmp/sampling & <run the command>; rm /tmp/sampling
flag=${1:?a flag file: sampling stops when it is removed}
max=0
while [ -e "$flag" ]; do
  tot=0
  for p in $(pgrep -f "cli.main queue refresh|multiprocessing.spawn|multiprocessing.forkserver"); do
    v=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null); tot=$((tot + ${v:-0}))
  done
  [ $tot -gt $max ] && max=$tot
  sleep 0.5
done
echo "peak PSS of the process tree: $((max/1024)) MB"
