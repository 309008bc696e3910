#!/usr/bin/python3
"""Produce the input files of the reader tests (Python and R) with socap.

    /usr/bin/python3 tests/python/make_fixtures.py OUTDIR      (SOCAP=path/to/socap)

writes OUTDIR/run.h5 (one small `socap run` with agents_history and a network
snapshot) and OUTDIR/sweep.h5 (a merged sweep: 2 x 2 grid over
model.half_life and model.p_pass, 2 replicates each, 8 tasks).

The sweep is made with `socap sweep` + `socap merge` when this socap has them.
Until it does (the sweep subcommands print "not available in this build"),
SYNTHETIC FIXTURE: the sweep file is assembled here from 8 real `socap run`
outputs, laid out as docs/schema.md describes a merged file (tables
concatenated with a task column, plus /design and /failures, one failed task).
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SRC") or os.path.abspath(os.path.join(HERE, "..", ".."))
SCENARIO = os.path.join(SRC, "configs", "quickstart.yaml")

SMALL = ["--set", "population.n_agents=240", "--set", "population.group_size=30", "--set", "steps=12",
         "--set", "output.record_every=4", "--set", "model.info_items=40"]
RUN_ARGS = SMALL + ["--set", "output.snapshots=[6,12]", "--set", "output.agents_history=true"]
SWEEP_ARGS = SMALL + ["--set", "output.snapshots=[12]"]

HALF_LIFE = [8.0, 26.0]
P_PASS = [0.3, 0.6]
REPLICATES = 2

SWEEP_YAML = """\
# reader-test sweep: 2 x 2 grid, 2 replicates (8 tasks)
{base}
sweep:
  replicates: {reps}
  design: grid
  axes:
    model.half_life: [{hl}]
    model.p_pass: [{pp}]
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


def sweep_available():
    r = subprocess.run([socap_bin(), "merge"], capture_output=True, text=True)
    return "not available" not in (r.stderr + r.stdout)


def make_sweep_real(outdir, out):
    """A real sweep: `socap sweep` + `socap merge` (used once they exist).

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
                                   hl=", ".join(map(str, HALF_LIFE)), pp=", ".join(map(str, P_PASS))))
    sdir = os.path.join(outdir, "sweep")
    run([socap_bin(), "sweep", ysrc, "-o", sdir, "--threads", "1", "--quiet"])
    run([socap_bin(), "merge", sdir, "-o", out, "--force"])
    return out


def _copy_attrs(src, dst):
    for k, v in src.attrs.items():
        dst.attrs[k] = v


def make_sweep_synthetic(outdir, out):
    """SYNTHETIC FIXTURE (until `socap merge` exists): 8 real runs merged here."""
    tasks = []
    t = 0
    for p, (pp, hl) in enumerate((pp, hl) for pp in P_PASS for hl in HALF_LIFE):
        for r in range(REPLICATES):
            tasks.append(dict(task=t, point=p, replicate=r, seed=1000 + 17 * t, hl=hl, pp=pp))
            t += 1
    parts = os.path.join(outdir, "synthetic_parts")
    os.makedirs(parts, exist_ok=True)

    def one(d):
        f = os.path.join(parts, f"task{d['task']}.h5")
        run([socap_bin(), "run", SCENARIO, "-o", f, "--force", "--quiet", "--threads", "1",
             "--seed", str(d["seed"]), "--set", f"model.half_life={d['hl']}", "--set", f"model.p_pass={d['pp']}"]
            + SWEEP_ARGS)
        return f

    with ThreadPoolExecutor(max_workers=4) as ex:
        files = list(ex.map(one, tasks))
    srcs = [h5py.File(f, "r") for f in files]
    tmp = out + ".part"
    with h5py.File(tmp, "w") as o:
        o.attrs["socap_schema_version"] = np.bytes_("1.0")
        for name in ("timeseries", "global", "agents", "network"):
            g0 = srcs[0][name]
            g = o.create_group(name)
            _copy_attrs(g0, g)
            for col in [c.decode() for c in g0.attrs["columns"]]:
                vals = []
                for d, s in zip(tasks, srcs):
                    v = s[name][col][()]
                    if col == "task":
                        v = np.full_like(v, d["task"])
                    vals.append(v)
                ds = g.create_dataset(col, data=np.concatenate(vals), chunks=True, maxshape=(None,),
                                      compression="gzip", shuffle=True)
                _copy_attrs(g0[col], ds)
        # /design: one row per task, the failed task (8) included
        tasks.append(dict(task=8, point=4, replicate=0, seed=1000 + 17 * 8, hl=26.0, pp=0.9))
        g = o.create_group("design")
        g.attrs["description"] = np.bytes_("per task: design point, replicate, seed and swept parameter values")
        cols = [("task", "i4", "1", "task id", "task"), ("point", "i4", "1", "design point", "point"),
                ("replicate", "i4", "1", "replicate within the point", "replicate"),
                ("seed", "u8", "1", "task seed", "seed"),
                ("model.half_life", "f8", "step", "swept parameter", "hl"),
                ("model.p_pass", "f8", "1", "swept parameter", "pp")]
        g.attrs["columns"] = np.array([c[0] for c in cols], dtype="S")
        for name, dt, units, desc, key in cols:
            ds = g.create_dataset(name, data=np.array([d[key] for d in tasks], dtype=dt), maxshape=(None,), chunks=True)
            ds.attrs["units"] = np.bytes_(units)
            ds.attrs["description"] = np.bytes_(desc)
        g = o.create_group("failures")
        g.attrs["columns"] = np.array([b"task", b"message"])
        g.attrs["description"] = np.bytes_("tasks that failed, with the error message")
        ds = g.create_dataset("task", data=np.array([8], dtype="i4"), maxshape=(None,), chunks=True)
        ds.attrs["units"], ds.attrs["description"] = np.bytes_("1"), np.bytes_("task id")
        ds = g.create_dataset("message", data=np.array([b"synthetic failure for the reader tests"], dtype="S64"),
                              maxshape=(None,), chunks=True)
        ds.attrs["units"], ds.attrs["description"] = np.bytes_("1"), np.bytes_("error message")
        pv = o.create_group("provenance")
        _copy_attrs(srcs[0]["provenance"], pv)
        pv.attrs["kind"] = np.bytes_("sweep")
        pv.attrs["synthetic_fixture"] = np.bytes_("assembled by tests/python/make_fixtures.py, not by socap merge")
        pv.create_dataset("config", data=srcs[0]["provenance/config"][()])
    for s in srcs:
        s.close()
    os.replace(tmp, out)
    return out


def make_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    runf = os.path.join(outdir, "run.h5")
    sweepf = os.path.join(outdir, "sweep.h5")
    with ThreadPoolExecutor(max_workers=2) as ex:
        a = ex.submit(make_run, runf)
        if sweep_available():
            b = ex.submit(make_sweep_real, outdir, sweepf)
            kind = "real"
        else:
            b = ex.submit(make_sweep_synthetic, outdir, sweepf)
            kind = "synthetic"
        a.result()
        b.result()
    return runf, sweepf, kind


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    r, s, kind = make_all(sys.argv[1])
    print(r)
    print(s)
    print(f"sweep: {kind}")
