#!/usr/bin/env bash
# Scale benchmark (issue 6): model time per agent-step at N = 10k, 100k and
# 1M, thread scaling 1 -> 2, tie updates per second against a STREAM-like
# triad measured in the same run, bytes per active tie, and the full
# million-agent run (wall time and peak RSS via /usr/bin/time -v).
# Rewrites the "Scale" section of docs/performance.md.
#   BENCH_REPS=3 BENCH_STEPS=20 BENCH_MILLION=1 scripts/bench.sh
# (the model runs are interleaved: each repetition runs every N on 1 and 2
# threads back to back, and ratios are taken within a repetition)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${BENCH_REPS:-3}"; steps="${BENCH_STEPS:-20}"; million="${BENCH_MILLION:-1}"
build="$here/build-bench"
"$here/scripts/setup.sh" "$build" -DCMAKE_BUILD_TYPE=Release
[ -x /usr/bin/time ] || { apt-get install -y -qq time >/dev/null; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
inc="-I$here/include -I/usr/include/hdf5/serial"
cc -O2 -fopenmp -o "$tmp/triad" "$here/scripts/stream_triad.c"
cc -O2 -fopenmp $inc -o "$tmp/bench_model" "$here/scripts/bench_model.c" -L"$build" -lsocap \
  -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lgsl -lgslcblas -lyaml -lz -lm
cfg="$here/configs/bench/million.yaml"
res="$tmp/results.txt"; : >"$res"
echo "triad $(OMP_NUM_THREADS=2 "$tmp/triad" | cut -d' ' -f1)" >>"$res"
run_model() { # N THREADS
  echo "model $("$tmp/bench_model" "$cfg" "$1" "$steps" "$2")" >>"$res"
  tail -1 "$res" >&2
}
# The VM's speed drifts by tens of per cent within minutes, so the runs that
# are compared are interleaved: every repetition runs each N on 1 and on 2
# threads back to back (alternating which goes first), and the report takes
# the ratios within a repetition before taking their median.
for r in $(seq "$reps"); do
  for n in 10000 100000 1000000; do
    if [ $((r % 2)) = 1 ]; then run_model "$n" 1; run_model "$n" 2; else run_model "$n" 2; run_model "$n" 1; fi
  done
done
if [ "$million" = 1 ]; then
  for r in $(seq "$reps"); do
    /usr/bin/time -v "$build/socap" run "$cfg" -o "$tmp/m.h5" --force --quiet --threads 2 2>"$tmp/tv" >/dev/null
    wall=$(grep "Elapsed (wall" "$tmp/tv" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$tmp/tv" | awk '{print $NF}')
    echo "million $wall $rss" >>"$res"; tail -1 "$res" >&2
  done
fi
# the vector level socap's inner loops use on this CPU (docs/design.md, "Vector code")
if grep -qw avx512f /proc/cpuinfo; then vec="AVX-512"
elif grep -qw avx2 /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo; then vec="AVX2, no AVX-512"
else vec="no AVX2"; fi
/usr/bin/python3 "$here/scripts/bench_report.py" "$res" "$here/docs/performance.md" "$reps" "$steps" \
  "$(lscpu | grep 'Model name' | sed 's/.*: *//') ($vec) / $(nproc) cores / $(free -g | awk '/Mem:/{print $2}') GiB"
