#!/usr/bin/env bash
# Scale benchmark (issue 6): model time per agent-step at N = 10k, 100k and
# 1M, thread scaling 1 -> 2, tie updates per second against a STREAM-like
# triad measured in the same run, bytes per active tie, and the full
# million-agent run (wall time and peak RSS via /usr/bin/time -v).
# Rewrites the "Scale" section of docs/performance.md.
#   BENCH_REPS=3 BENCH_STEPS=20 BENCH_MILLION=1 scripts/bench.sh
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
  -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lgsl -lgslcblas -lyaml -lm
cfg="$here/configs/bench/million.yaml"
res="$tmp/results.txt"; : >"$res"
echo "triad $(OMP_NUM_THREADS=2 "$tmp/triad" | cut -d' ' -f1)" >>"$res"
run_model() { # N THREADS
  for r in $(seq "$reps"); do
    echo "model $("$tmp/bench_model" "$cfg" "$1" "$steps" "$2")" >>"$res"
    tail -1 "$res" >&2
  done
}
run_model 10000 1; run_model 10000 2
run_model 100000 1; run_model 100000 2
run_model 1000000 1; run_model 1000000 2
if [ "$million" = 1 ]; then
  for r in $(seq "$reps"); do
    /usr/bin/time -v "$build/socap" run "$cfg" -o "$tmp/m.h5" --force --quiet --threads 2 2>"$tmp/tv" >/dev/null
    wall=$(grep "Elapsed (wall" "$tmp/tv" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$tmp/tv" | awk '{print $NF}')
    echo "million $wall $rss" >>"$res"; tail -1 "$res" >&2
  done
fi
/usr/bin/python3 "$here/scripts/bench_report.py" "$res" "$here/docs/performance.md" "$reps" "$steps" \
  "$(lscpu | grep 'Model name' | sed 's/.*: *//') / $(nproc) cores / $(free -g | awk '/Mem:/{print $2}') GiB"
