"""End to end: run the quickstart and check the HDF5 file with h5py.

Usage: e2e_quickstart.py SOCAP SRC TMPDIR
"""
import os
import subprocess
import sys

import h5py
import numpy as np

socap, src, tmp = sys.argv[1:4]
out = os.path.join(tmp, "quickstart.h5")
if os.path.exists(out):
    os.remove(out)
res = subprocess.run([socap, "run", os.path.join(src, "configs/quickstart.yaml"), "-o", out],
                     capture_output=True, text=True)
assert res.returncode == 0, res.stderr
# the summary table names every strategy
for s in ["broad_active", "selective_active", "broad_dormant", "selective_dormant", "broker", "passive", "all"]:
    assert s in res.stdout, (s, res.stdout)

failures = []
def check(cond, msg):
    if not cond:
        failures.append(msg)

with h5py.File(out, "r") as f:
    check(f.attrs["socap_schema_version"].decode() == "1.1", "schema version")
    for tname in ["timeseries", "global", "agents", "network"]:
        g = f[tname]
        cols = [c.decode() for c in g.attrs["columns"]]
        lens = {len(g[c]) for c in cols}
        check(len(lens) == 1 and lens.pop() > 0, f"{tname}: columns of equal non-zero length")
        for c in cols:
            d = g[c]
            check("units" in d.attrs and "description" in d.attrs, f"{tname}/{c} attributes")
            check(d.compression == "gzip" and d.shuffle, f"{tname}/{c} deflate+shuffle")
    ts, ag, gl = f["timeseries"], f["agents"], f["global"]
    n = len(ag["agent"])
    check(n == 3000, "3000 agents")
    names = [c.decode() for c in ts["strategy"].attrs["codebook"]]
    check(names[-1] == "all" and len(names) == 7, f"strategy codebook {names}")
    steps = ts["step"][:]
    last = steps.max()
    check(last == 52, "last recorded step 52")
    check(sorted(set(steps.tolist())) == list(range(4, 53, 4)), "recorded every 4 steps")
    code_all = len(names) - 1
    sel = (steps == last) & (ts["strategy"][:] == code_all)
    deg = ag["degree"][:].astype(float)
    check(np.isclose(ts["degree_mean"][sel][0], deg.mean(), rtol=1e-12), "mean degree: timeseries == agents")
    check(np.isclose(gl["mean_degree"][-1], deg.mean(), rtol=1e-12), "mean degree: global == agents")
    check(ts["n_agents"][sel][0] == n, "n_agents of 'all'")
    # per strategy means and quantiles agree with /agents
    strat = ag["strategy"][:]
    for code in range(len(names) - 1):
        s = (steps == last) & (ts["strategy"][:] == code)
        m = strat == code
        for metric in ["degree", "support", "info_total", "constraint"]:
            v = ag[metric][:][m].astype(float)
            v = v[~np.isnan(v)]
            check(np.isclose(ts[f"{metric}_mean"][s][0], v.mean(), rtol=1e-9), f"{names[code]} {metric} mean")
            check(np.isclose(ts[f"{metric}_p50"][s][0], np.quantile(v, 0.5), rtol=1e-9), f"{names[code]} {metric} p50")
            check(np.isclose(ts[f"{metric}_p10"][s][0], np.quantile(v, 0.1), rtol=1e-9), f"{names[code]} {metric} p10")
            check(np.isclose(ts[f"{metric}_p90"][s][0], np.quantile(v, 0.9), rtol=1e-9), f"{names[code]} {metric} p90")
            check(np.isclose(ts[f"{metric}_sd"][s][0], v.std(ddof=1), rtol=1e-9), f"{names[code]} {metric} sd")
    # value ranges
    c = ag["constraint"][:]
    check(np.all((c[~np.isnan(c)] > 0) & (c[~np.isnan(c)] <= 1.0 + 1e-9) | (ag["degree"][:][~np.isnan(c)] == 1)),
          "constraint in (0,1] except pendant-like")
    check(np.all(ag["degree"][:] <= 150), "Dunbar limit")
    check(np.all(ag["layer5"][:] <= ag["layer15"][:]) and np.all(ag["layer15"][:] <= ag["layer50"][:])
          and np.all(ag["layer50"][:] <= ag["layer150"][:]), "layers nested")
    check(np.all(ag["layer150"][:] <= ag["degree"][:]), "layer150 <= degree")
    # network snapshot at step 52 agrees with /agents degree and strength
    net = f["network"]
    check([c.decode() for c in net["state"].attrs["codebook"]] == ["dormant", "active"], "state codebook")
    check([c.decode() for c in net["origin"].attrs["codebook"]] == ["work", "event", "introduction", "reactivation"],
          "origin codebook")
    check([c.decode() for c in ag["cohort"].attrs["codebook"]][-1] == "passive", "cohort codebook")
    st = net["state"][:] == 1
    src_, dst_, w = net["src"][:][st], net["dst"][:][st], net["w"][:][st]
    check(np.all(src_ < dst_), "snapshot src < dst")
    d2 = np.bincount(np.concatenate([src_, dst_]), minlength=n)
    check(np.array_equal(d2, ag["degree"][:]), "snapshot degree == /agents degree")
    s2 = np.bincount(np.concatenate([src_, dst_]), weights=np.concatenate([w, w]), minlength=n)
    check(np.allclose(s2, ag["strength"][:], rtol=1e-12), "snapshot strength == /agents strength")
    # the Dunbar layers, recounted from the snapshot with the configured
    # thresholds (output.layers: the defaults, as the resolved config says)
    cfg = f["provenance"]["config"][()].decode()
    check("layers: [0.8, 0.5, 0.25, 0.1]" in cfg, "default layer thresholds in the resolved config")
    ends = np.concatenate([src_, dst_])
    for k, thr in zip([5, 15, 50, 150], [0.8, 0.5, 0.25, 0.1]):
        lk = np.bincount(ends, weights=np.concatenate([w, w]) >= thr, minlength=n).astype(int)
        check(np.array_equal(lk, ag[f"layer{k}"][:]), f"layer{k} == active ties with w >= {thr} in the snapshot")
        check(lk.sum() > 0, f"layer{k} not empty")
    # betweenness is off by default: NaN, not 0 (docs/schema.md)
    check(np.isnan(ag["betweenness"][:]).all(), "betweenness NaN when off")
    check(int(st.sum()) == gl["n_active_ties"][-1], "active tie count")
    check(int((~st).sum()) == gl["n_dormant_ties"][-1], "dormant tie count")
    # provenance
    pv = f["provenance"]
    for a in ["socap_version", "git_commit", "compiler", "gsl_version", "hdf5_version", "host", "threads",
              "seed", "start_time", "end_time"]:
        check(a in pv.attrs, f"provenance {a}")
    cfg = pv["config"][()].decode()
    check("n_agents: 3000" in cfg.replace("'", "") or "n_agents: 3000" in cfg, "resolved config text")

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("e2e quickstart: all checks passed")
