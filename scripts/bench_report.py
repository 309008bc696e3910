"""Turn scripts/bench.sh results into the Scale section of docs/performance.md."""
import statistics
import sys
from collections import defaultdict

res, doc, reps, steps, machine = sys.argv[1:6]
triad = None
model = defaultdict(list)
million = []
for line in open(res):
    f = line.split()
    if f[0] == "triad":
        triad = float(f[1])
    elif f[0] == "model":
        n, st, th, tm, tmet, act, bpt, upd = f[1:9]
        ph = tuple(float(x) for x in f[9:])
        model[(int(n), int(th))].append((float(tm), float(tmet), int(act), float(bpt), float(upd), ph))
    elif f[0] == "million":
        w = f[1].split(":")
        secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(w)))
        million.append((secs, int(f[2]) / 1024 / 1024))

def med(xs):
    return statistics.median(xs)

rows = []
per = {}
for (n, th), v in sorted(model.items()):
    tm = [x[0] for x in v]
    tmet = med([x[1] for x in v])
    aps = n * int(steps) / med(tm)
    ups = med([x[4] for x in v]) / med(tm)
    per[(n, th)] = med(tm) / (n * int(steps))
    rows.append(f"| {n:,} | {th} | {min(tm):.2f} / {med(tm):.2f} / {max(tm):.2f} | {1e6 * per[(n, th)]:.2f} | "
                f"{aps / 1e6:.2f} | {ups / 1e6:.1f} | {tmet:.2f} | {2 * v[0][2] / n:.1f} | {med([x[3] for x in v]):.1f} |")
lines = ["<!-- bench:scale:begin -->", "## Scale (issue 6)", "",
         f"Machine: {machine}. Command: `BENCH_REPS={reps} BENCH_STEPS={steps} scripts/bench.sh` "
         f"(Release build). Medians of {reps} runs; min / median / max where shown.", "",
         "Model-only timing (`scripts/bench_model.c`: the step loop, then one metric pass "
         "(constraint, effective size, clustering, reach2, diversity) on the final network), "
         f"{steps} steps, `configs/bench/million.yaml` with N overridden:", "",
         "| N | threads | model s (min/med/max) | µs per agent-step | M agent-steps/s | M tie updates/s | metrics s | mean degree at end | bytes per active tie (all model memory) |",
         "|---|---|---|---|---|---|---|---|---|"] + rows + [""]
PHASES = ["propose (1-4)", "judge (5a)", "resolve (5b, serial, thread 0)", "maintain (6-7)", "info (8)", "turnover (9)",
          "layout (repack)"]
if all(len(x[5]) == len(PHASES) for v in model.values() for x in v):
    lines += ["Where the model time goes (seconds per phase, medians; `socap_model_phase_times`). Judging and the "
              "serial resolution run together (performance-log.md item 24): resolve is thread 0's time in the "
              "resolution, judge the rest of that phase's wall time.", "",
              "| N | threads | " + " | ".join(PHASES) + " |", "|---|---|" + "---|" * len(PHASES)]
    for (n, th), v in sorted(model.items()):
        lines.append(f"| {n:,} | {th} | " + " | ".join(f"{med([x[5][k] for x in v]):.2f}" for k in range(len(PHASES)))
                     + " |")
    lines.append("")
if triad:
    lines.append(f"STREAM-like triad (2 threads, same run): {triad:.1f} GB/s.")
    best = max(((med([x[4] for x in v]) / med([x[0] for x in v])), k) for k, v in model.items())
    # a tie update reads and writes one 16-byte record: 32 bytes of traffic
    frac = best[0] * 32 / (triad * 1e9)
    lines.append(f"Best tie-update rate {best[0] / 1e6:.1f} M/s (N={best[1][0]:,}, {best[1][1]} threads) "
                 f"moves about {best[0] * 32 / 1e9:.2f} GB/s of tie records, {100 * frac:.0f}% of the triad bandwidth.")
    lines.append("")
def paired(ka, kb, scale=1.0):
    """Ratios of model times a/b within each repetition (runs are interleaved
    by scripts/bench.sh, so the r-th run of each configuration belongs to
    repetition r): median, min, max."""
    xs = [scale * a[0] / b[0] for a, b in zip(model[ka], model[kb])]
    return med(xs), min(xs), max(xs)

if (10000, 2) in per and (1000000, 2) in per:
    m, lo, hi = paired((1000000, 2), (10000, 2), 10000 / 1000000)
    lines.append(f"Linear cost: time per agent-step at N=1,000,000 is {m:.2f}x that at N=10,000 "
                 f"(median of per-repetition ratios, range {lo:.2f}-{hi:.2f}; from the medians above "
                 f"{per[(1000000, 2)] / per[(10000, 2)]:.2f}x; target <= 1.3x).")
for n in (10000, 100000, 1000000):
    if (n, 1) in per and (n, 2) in per:
        m, lo, hi = paired((n, 1), (n, 2))
        lines.append(f"Threads at N={n:,}: 2 threads are {m:.2f}x faster than 1 (median of back-to-back pairs, "
                     f"range {lo:.2f}-{hi:.2f}; from the medians above {per[(n, 1)] / per[(n, 2)]:.2f}x; "
                     "target >= 1.8x).")
if million:
    lines.append("")
    lines.append(f"Full `socap run configs/bench/million.yaml --threads 2` (52 steps, all outputs and final metrics): "
                 f"wall {', '.join(f'{s:.0f}' for s, _ in million)} s (median {med([s for s, _ in million]):.0f} s; "
                 f"target 60 s), peak RSS median {med([r for _, r in million]):.2f} GiB (target 4 GB).")
lines += ["", "<!-- bench:scale:end -->"]
text = open(doc).read() if __import__("os").path.exists(doc) else "# Performance\n\n"
b, e = "<!-- bench:scale:begin -->", "<!-- bench:scale:end -->"
if b in text:
    text = text[: text.index(b)] + "\n".join(lines) + text[text.index(e) + len(e):]
else:
    text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
open(doc, "w").write(text)
print("\n".join(lines))
