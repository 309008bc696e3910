#!/usr/bin/python3
"""Produce the input files of the reader tests (Python and R) with socap.

    /usr/bin/python3 tests/python/make_fixtures.py OUTDIR      (SOCAP=path/to/socap)

writes OUTDIR/run.h5 (one small `socap run` with agents_history and network
snapshots) and OUTDIR/sweep.h5 (`socap sweep` + `socap merge` of a 2
x 3 grid over model.half_life and model.w_intro, 2 replicates each: 12 tasks, of
which the 4 with w_intro = 0.1 fail (below w0, a rule that depends on the point,
so the tasks fail one by one) and are listed in /failures).
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SRC") or os.path.abspath(os.path.join(HERE, "..", ".."))
SCENARIO = os.path.join(SRC, "configs", "quickstart.yaml")

SMALL = ["--set", "population.n_agents=240", "--set", "population.group_size=30", "--set", "steps=12",
         "--set", "output.record_every=4", "--set", "model.info_items=40"]
RUN_ARGS = SMALL + ["--set", "output.snapshots=[6,12]", "--set", "output.agents_history=true"]
SWEEP_ARGS = SMALL + ["--set", "output.snapshots=[12]"]

HALF_LIFE = [8.0, 26.0]
W_INTRO = [0.3, 0.6, 0.1]  # 0.1 < w0 = 0.2: those 4 tasks fail and go to /failures
FAILED_TASKS = [4, 5, 10, 11]
REPLICATES = 2

SWEEP_YAML = """\
# reader-test sweep: 2 x 3 grid, 2 replicates (12 tasks, 4 fail)
{base}
sweep:
  replicates: {reps}
  design: grid
  axes:
    model.half_life: [{hl}]
    model.w_intro: [{pp}]
"""


def socap_bin():
    s = os.environ.get("SOCAP")
    if not s:
        raise SystemExit("make_fixtures: set SOCAP to the socap executable")
    return s


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def make_run(out):
    run([socap_bin(), "run", SCENARIO, "-o", out, "--force", "--quiet", "--threads", "1", "--seed", "7"] + RUN_ARGS)
    return out


def make_sweep(outdir, out):
    """A real sweep: `socap sweep` + `socap merge`.

    The sweep file is the resolved config of a small run (SWEEP_ARGS) plus a
    sweep block."""
    probe = os.path.join(outdir, "sweep_base.h5")
    run([socap_bin(), "run", SCENARIO, "-o", probe, "--force", "--quiet", "--threads", "1"] + SWEEP_ARGS
        + ["--set", "steps=1", "--set", "output.snapshots=[]"])
    with h5py.File(probe, "r") as f:
        base = f["provenance/config"][()].decode()
    base = re.sub(r"(?m)^steps: .*$", "steps: 12", base)
    base = re.sub(r"(?m)^(\s*snapshots:) .*$", r"\1 [12]", base)
    ysrc = os.path.join(outdir, "sweep.yaml")
    with open(ysrc, "w") as fh:
        fh.write(SWEEP_YAML.format(base=base, reps=REPLICATES,
                                   hl=", ".join(map(str, HALF_LIFE)), pp=", ".join(map(str, W_INTRO))))
    sdir = os.path.join(outdir, "sweep")
    r = subprocess.run([socap_bin(), "sweep", ysrc, "-o", sdir, "--threads", "1", "--quiet"],
                       capture_output=True, text=True)
    # exit 1: some tasks failed, as intended
    if r.returncode != 1 or "4 tasks failed" not in r.stderr:
        raise RuntimeError(f"socap sweep: expected exit 1 with 4 failed tasks, got {r.returncode}:\n{r.stderr}")
    run([socap_bin(), "merge", sdir, "-o", out, "--force"])
    return out


def make_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    runf = os.path.join(outdir, "run.h5")
    sweepf = os.path.join(outdir, "sweep.h5")
    with ThreadPoolExecutor(max_workers=2) as ex:
        a = ex.submit(make_run, runf)
        b = ex.submit(make_sweep, outdir, sweepf)
        a.result()
        b.result()
    return runf, sweepf


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for p in make_all(sys.argv[1]):
        print(p)
