"""/timeseries statistics at their edges (docs/schema.md): a strategy with one
agent has a NaN sd, and a metric with no values (constraint of isolates) has
NaN for all five statistics; otherwise the statistics are those of numpy over
the agents' non-NaN values, at every recorded step (not only the last)."""

import os
import subprocess

import h5py
import numpy as np

SCENARIO = """
seed: 5
steps: 6
population: {n_agents: 40, group_size: 10}
model: {info_items: 5}
output: {record_every: 3, agents_history: true}
strategies:
  hermit: {explore: 0.0, maintain: 1.0, reactivate: 0.0, broker: 0.0, selectivity: 0.0, focus: 0}
  solo:   {explore: 0.5, maintain: 0.5, reactivate: 0.0, broker: 0.0, selectivity: 0.0, focus: 0}
cohorts:
  - {name: many,    strategy: broad_active, share: 0.85}
  - {name: one,     strategy: solo,         share: 0.025}
  # skill 1e-9: a tie forms with probability s_i * s_j <= 1e-9, so never
  - {name: hermits, strategy: hermit,       share: 0.125, skill: 0.000000001}
"""


def run(tmp_path):
    cfg = tmp_path / "edges.yaml"
    cfg.write_text(SCENARIO)
    out = tmp_path / "edges.h5"
    subprocess.run([os.environ["SOCAP"], "run", str(cfg), "-o", str(out), "--quiet"], check=True)
    return out


def test_stats_edges(tmp_path):
    with h5py.File(run(tmp_path), "r") as f:
        ts, ah = f["timeseries"], f["agents_history"]
        names = [c.decode() for c in ts["strategy"].attrs["codebook"]]
        code = {n: i for i, n in enumerate(names)}
        t_strat, t_step = ts["strategy"][()], ts["step"][()]
        a_strat, a_step = ah["strategy"][()], ah["step"][()]
        steps = sorted(set(t_step.tolist()))
        assert steps == [3, 6]
        checked = 0
        for st in steps:
            for name in ("broad_active", "solo", "hermit", "all"):
                row = np.flatnonzero((t_step == st) & (t_strat == code[name]))
                assert len(row) == 1, (st, name)
                r = row[0]
                sel = a_step == st
                if name != "all":
                    sel &= a_strat == code[name]
                assert ts["n_agents"][r] == sel.sum()
                for metric in ("degree", "constraint", "support", "clustering"):
                    v = ah[metric][()][sel].astype(float)
                    v = v[~np.isnan(v)]
                    got = [ts[f"{metric}_{s}"][r] for s in ("mean", "sd", "p10", "p50", "p90")]
                    if len(v) == 0:
                        want = [np.nan] * 5
                    else:
                        want = [v.mean(), v.std(ddof=1) if len(v) > 1 else np.nan,
                                np.quantile(v, 0.1), np.quantile(v, 0.5), np.quantile(v, 0.9)]
                    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True,
                                               err_msg=f"step {st} {name} {metric}")
                    checked += 1
            # the edge cases are really there
            one = (a_step == st) & (a_strat == code["solo"])
            assert one.sum() == 1 and np.isnan(ts["degree_sd"][(t_step == st) & (t_strat == code["solo"])][0])
            herm = (a_step == st) & (a_strat == code["hermit"])
            assert herm.sum() == 5 and (ah["degree"][()][herm] == 0).all()
            assert np.isnan(ts["constraint_mean"][(t_step == st) & (t_strat == code["hermit"])][0])
            assert ts["degree_mean"][(t_step == st) & (t_strat == code["hermit"])][0] == 0.0
        assert checked == 2 * 4 * 4
