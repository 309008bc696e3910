"""socap.load and friends against raw h5py reads of real socap output."""

import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

import make_fixtures
import socap

SCRIPT = socap.__file__


def raw_columns(f, table):
    return [c.decode() for c in f[table].attrs["columns"]]


def assert_table_matches_raw(df, f, table, design_cols=()):
    cols = raw_columns(f, table)
    assert list(df.columns) == cols + [c for c in design_cols if c not in cols]
    n = f[table][cols[0]].shape[0]
    assert len(df) == n
    for c in cols:
        raw = f[table][c][()]
        ds = f[table][c]
        if "codebook" in ds.attrs:
            cb = [x.decode() for x in ds.attrs["codebook"]]
            assert isinstance(df[c].dtype, pd.CategoricalDtype), (table, c)
            assert list(df[c].cat.categories) == cb
            np.testing.assert_array_equal(df[c].cat.codes.values, raw)
            np.testing.assert_array_equal(df[c].astype(str).values, np.array(cb)[raw])
        elif raw.dtype.kind == "S":
            assert list(df[c]) == [x.decode() for x in raw]
        elif (table, c) in socap.FALLBACK_CODEBOOKS:
            np.testing.assert_array_equal(df[c].cat.codes.values, raw)
        else:
            assert df[c].dtype == raw.dtype, (table, c)
            np.testing.assert_array_equal(df[c].values, raw)  # NaN == NaN here


def test_run_tables_match_raw(run_file):
    d = socap.load(run_file)
    with h5py.File(run_file, "r") as f:
        expect = [t for t in socap.TABLES if t in f]
        assert list(d.keys()) == expect
        assert expect == ["timeseries", "global", "agents", "agents_history", "network"]
        for t in expect:
            assert_table_matches_raw(d[t], f, t)
    assert d.schema_version == "1.1"
    assert d.design_params == []


def test_run_categories(run_file):
    d = socap.load(run_file)
    ts, a = d["timeseries"], d["agents"]
    assert list(ts["strategy"].cat.categories)[-1] == "all"
    strategies = ["broad_active", "selective_active", "broad_dormant", "selective_dormant", "broker", "passive"]
    assert list(ts["strategy"].cat.categories) == strategies + ["all"]
    assert list(a["strategy"].cat.categories) == strategies
    assert list(a["cohort"].cat.categories) == strategies  # quickstart: one cohort per strategy
    # one timeseries row per (step, strategy incl. all)
    assert len(ts) == ts["step"].nunique() * 7
    assert (ts.loc[ts["strategy"] == "all", "n_agents"] == 240).all()
    net = d["network"]
    assert list(net["state"].cat.categories) == ["dormant", "active"]
    assert list(net["origin"].cat.categories) == ["work", "event", "introduction", "reactivation"]
    assert set(net["step"].unique()) == {6, 12}
    assert (net["src"] < net["dst"]).all()


def test_run_agent_values(run_file):
    a = socap.load(run_file, tables=["agents"])["agents"]
    with h5py.File(run_file, "r") as f:
        assert a.loc[17, "degree"] == f["agents/degree"][17]
        assert a.loc[123, "constraint"] == f["agents/constraint"][123] or np.isnan(f["agents/constraint"][123])
        assert a["agent"].tolist() == list(range(240))
    # panel: the last step of agents_history is /agents
    h = socap.load(run_file, tables=["agents_history"])["agents_history"]
    last = h[h["step"] == h["step"].max()].reset_index(drop=True)
    pd.testing.assert_frame_equal(last.drop(columns="step"), a)


def test_degree_consistency(run_file, sweep_file):
    """timeseries 'all' mean degree at the last step == mean of /agents degree == /global mean_degree."""
    for path in (run_file, sweep_file):
        d = socap.load(path, tables=["timeseries", "agents", "global"])
        ts, a, g = d["timeseries"], d["agents"], d["global"]
        for task, at in a.groupby("task"):
            tt = ts[(ts["task"] == task) & (ts["strategy"] == "all")]
            last = tt[tt["step"] == tt["step"].max()]
            assert len(last) == 1
            m = at["degree"].mean()
            assert last["degree_mean"].iloc[0] == pytest.approx(m, rel=1e-12)
            gl = g[(g["task"] == task)]
            assert gl.loc[gl["step"].idxmax(), "mean_degree"] == pytest.approx(m, rel=1e-12)
            # per strategy too
            per = at.groupby("strategy", observed=True)["degree"].mean()
            tl = ts[(ts["task"] == task) & (ts["step"] == last["step"].iloc[0]) & (ts["strategy"] != "all")]
            for s, v in zip(tl["strategy"].astype(str), tl["degree_mean"]):
                assert v == pytest.approx(per[s], rel=1e-12)


def test_provenance_and_config(run_file):
    p = socap.provenance(run_file)
    assert p["kind"] == "run"
    assert p["seed"] == "7"
    assert isinstance(p["threads"], int)
    cfg = socap.config(run_file)
    assert "n_agents: 240" in cfg and "steps: 12" in cfg


def test_tables_and_columns_selection(run_file):
    d = socap.load(run_file, tables=["agents"], columns=["strategy", "degree"])
    assert list(d) == ["agents"]
    assert list(d["agents"].columns) == ["task", "strategy", "degree"]
    d = socap.load(run_file, tables=["agents", "global"], columns={"agents": ["degree"]})
    assert list(d["agents"].columns) == ["task", "degree"]
    assert len(d["global"].columns) == 31
    with pytest.raises(KeyError, match="no table"):
        socap.load(run_file, tables=["design"])
    with pytest.raises(KeyError, match="no column"):
        socap.load(run_file, tables=["agents"], columns={"agents": ["nope"]})


def _with_version(src, dst, version):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        if version is None:
            del f.attrs["socap_schema_version"]
        else:
            f.attrs["socap_schema_version"] = np.bytes_(version)
    return dst


def test_version_refusal(run_file, tmp_path):
    bad = _with_version(run_file, tmp_path / "v2.h5", "2.0")
    with pytest.raises(socap.SchemaVersionError, match=r"schema version 2\.0 is not supported.*1\.x"):
        socap.load(bad)
    for fn in (socap.provenance, socap.config, socap.list_tables, socap.schema_version):
        with pytest.raises(socap.SchemaVersionError):
            fn(bad)
    r = subprocess.run([sys.executable, SCRIPT, "summary", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and "not supported" in r.stderr
    none = _with_version(run_file, tmp_path / "none.h5", None)
    with pytest.raises(socap.SchemaVersionError, match="not a socap output file"):
        socap.load(none)
    minor = _with_version(run_file, tmp_path / "v13.h5", "1.3")  # a newer minor version is readable
    assert len(socap.load(minor, tables=["agents"])["agents"]) == 240


# ---- sweeps ----------------------------------------------------------------


def test_sweep_design_join(sweep_file):
    d = socap.load(sweep_file)
    with h5py.File(sweep_file, "r") as f:
        dcols = raw_columns(f, "design")
        assert dcols[:4] == ["task", "point", "replicate", "seed"]
        params = dcols[4:]
        assert params == ["model.half_life", "model.w_intro"]
        assert d.design_params == params
        assert list(d) == ["timeseries", "global", "agents", "network", "design", "failures"]
        assert_table_matches_raw(d["design"], f, "design")
        draw = {c: f["design"][c][()] for c in dcols}
        row_of = {int(t_): i for i, t_ in enumerate(draw["task"])}
        for t in ("timeseries", "global", "agents", "network", "failures"):
            df = d[t]
            own = raw_columns(f, t)
            extra = [c for c in dcols if c not in own]
            assert_table_matches_raw(df[own], f, t)
            assert list(df.columns) == own + extra
            # the joined values are those of the task's design row
            idx = np.array([row_of[int(x)] for x in df["task"]], dtype=int)
            for c in extra:
                np.testing.assert_array_equal(df[c].values, draw[c][idx])
    design = d["design"]
    assert design["task"].tolist() == list(range(12))
    assert design["replicate"].tolist() == [0, 1] * 6
    assert sorted(design["model.half_life"].unique()) == [8.0, 26.0]
    assert sorted(design["model.w_intro"].unique()) == [0.1, 0.3, 0.6]
    assert design.groupby("point")[params].nunique().eq(1).all().all()
    assert design["seed"].nunique() == 12
    fail = d["failures"]
    assert list(fail.columns) == ["task", "point", "replicate", "message", "seed"] + params
    assert fail["task"].tolist() == make_fixtures.FAILED_TASKS
    assert (fail["model.w_intro"] == 0.1).all()
    assert all(isinstance(m, str) and "model.w_intro: 0.1 must be at least model.w0 = 0.2" in m for m in fail["message"])
    ok = sorted(set(range(12)) - set(make_fixtures.FAILED_TASKS))
    assert d["agents"].groupby("task").size().to_dict() == {t: 240 for t in ok}
    assert sorted(d["timeseries"]["task"].unique()) == ok
    # the swept parameter reaches the model: introduced ties start stronger,
    # so the brokers' contacts hold stronger ties
    last = d["timeseries"]
    last = last[(last["step"] == 12) & (last["strategy"] == "all")]
    m = last.groupby(["model.half_life", "model.w_intro"])["strength_mean"].mean()
    for hl in (8.0, 26.0):
        assert m[(hl, 0.6)] > m[(hl, 0.3)]


def test_sweep_task_filter(sweep_file, monkeypatch):
    full = socap.load(sweep_file, tables=["agents", "network", "timeseries"])
    for tasks in ([3], [0, 5, 7], [7, 99], []):
        sub = socap.load(sweep_file, tables=["agents", "network", "timeseries"], tasks=tasks)
        for t in sub:
            exp = full[t][full[t]["task"].isin(tasks)].reset_index(drop=True)
            pd.testing.assert_frame_equal(sub[t], exp)
    # same with tiny blocks, so that filtering spans many blocks
    monkeypatch.setattr(socap, "BLOCK_ROWS", 1)
    sub = socap.load(sweep_file, tables=["network"], tasks=[2, 3], columns=["w", "state"])
    exp = full["network"].loc[full["network"]["task"].isin([2, 3]), list(sub["network"].columns)]
    pd.testing.assert_frame_equal(sub["network"], exp.reset_index(drop=True))
    assert list(sub["network"].columns)[:3] == ["task", "w", "state"]


class CountingDataset:
    """A 1-D array that looks like an h5py dataset and records which rows are read."""

    def __init__(self, a, chunk):
        self.a, self.shape, self.chunks, self.reads = np.asarray(a), (len(a),), (chunk,), []

    def __getitem__(self, s):
        self.reads.append((s.start, s.stop))
        return self.a[s]


def test_task_selection_is_lazy(monkeypatch):
    monkeypatch.setattr(socap, "BLOCK_ROWS", 10)
    t = np.repeat(np.arange(100), 7)  # sorted, 700 rows
    ds = CountingDataset(t, 10)
    sel = list(socap._task_selection(ds, [3, 4, 10]))
    rows = np.concatenate([np.arange(lo, hi)[m if m is not None else slice(None)] for lo, hi, m in sel])
    np.testing.assert_array_equal(rows, np.flatnonzero(np.isin(t, [3, 4, 10])))
    assert all(m is None for _, _, m in sel)  # sorted blocks: contiguous runs, no masks
    assert max(hi for _, hi in ds.reads) <= 90  # stopped one block after task 10 (rows 70..76)
    # unsorted task column: boolean masks, whole column scanned
    u = np.random.default_rng(1).permutation(t)
    ds = CountingDataset(u, 10)
    sel = list(socap._task_selection(ds, [3, 99]))
    rows = np.concatenate([np.arange(lo, hi)[m if m is not None else slice(None)] for lo, hi, m in sel])
    np.testing.assert_array_equal(rows, np.flatnonzero(np.isin(u, [3, 99])))
    assert ds.reads[-1][1] == 700


def test_unsorted_file_filter(tmp_path):
    """A hand-made minimal table whose task column is not sorted."""
    p = tmp_path / "unsorted.h5"
    rng = np.random.default_rng(0)
    task = rng.integers(0, 5, 1000).astype("i4")
    with h5py.File(p, "w") as f:
        f.attrs["socap_schema_version"] = np.bytes_("1.0")
        g = f.create_group("agents")
        g.attrs["columns"] = np.array([b"task", b"strategy", b"x"])
        g.create_dataset("task", data=task, chunks=(64,), maxshape=(None,))
        s = g.create_dataset("strategy", data=(np.arange(1000) % 3).astype("i4"), chunks=(64,), maxshape=(None,))
        s.attrs["codebook"] = np.array([b"a", b"bb", b"ccc"])
        g.create_dataset("x", data=rng.normal(size=1000), chunks=(64,), maxshape=(None,))
    full = socap.load(p)["agents"]
    sub = socap.load(p, tasks=[1, 4])["agents"]
    pd.testing.assert_frame_equal(sub, full[full["task"].isin([1, 4])].reset_index(drop=True))
    assert list(sub["strategy"].cat.categories) == ["a", "bb", "ccc"]


# ---- command line ----------------------------------------------------------


def test_cli_csv_and_summary(run_file, sweep_file, tmp_path):
    out = tmp_path / "agents.csv"
    r = subprocess.run([sys.executable, SCRIPT, "csv", sweep_file, "agents", "-o", str(out), "--tasks", "1,2",
                        "--columns", "strategy,degree"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    c = pd.read_csv(out)
    assert list(c.columns) == ["task", "strategy", "degree", "point", "replicate", "seed", "model.half_life",
                               "model.w_intro"]
    ref = socap.load(sweep_file, tables=["agents"], tasks=[1, 2])["agents"]
    assert c["degree"].tolist() == ref["degree"].tolist()
    assert c["strategy"].tolist() == ref["strategy"].astype(str).tolist()
    for path in (run_file, sweep_file):
        r = subprocess.run([sys.executable, SCRIPT, "summary", path], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "socap schema 1.1" in r.stdout and "/agents" in r.stdout and "broad_active" in r.stdout
    assert "swept parameters: model.half_life, model.w_intro" in r.stdout
    r = subprocess.run([sys.executable, SCRIPT, "csv", run_file, "nope", "-o", "-"], capture_output=True, text=True)
    assert r.returncode == 2 and "no table" in r.stderr


def test_schema_markdown(run_file):
    md = socap.schema_markdown(run_file)
    for t in ("timeseries", "global", "agents", "agents_history", "network"):
        assert f"### /{t}" in md
    assert "| `degree` | int32 | tie | active ties |" in md


def test_global_counters_balance(tmp_path):
    """The cumulative /global counters account for every tie at every
    recorded step of a run with turnover (schema 1.1's ended_by_turnover)."""
    import os
    out = tmp_path / "turnover.h5"
    cfg = os.path.join(os.path.dirname(socap.__file__), "..", "configs", "quickstart.yaml")
    r = subprocess.run([os.environ["SOCAP"], "run", cfg, "-o", str(out), "--quiet", "--set", "steps=20",
                        "--set", "population.n_agents=600", "--set", "model.p_leave=0.02",
                        "--set", "output.record_every=5", "--set", "output.snapshots=[]"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    g = socap.load(out, tables=["global"])["global"]
    assert len(g) == 4 and g["ended_by_turnover"].iloc[-1] > 0 and g["left"].iloc[-1] > 0
    formed = g[["formed_work", "formed_event", "formed_intro", "formed_react"]].sum(axis=1)
    np.testing.assert_array_equal(formed - g["went_dormant"] - g["ended_by_turnover"], g["n_active_ties"])
    np.testing.assert_array_equal(g["went_dormant"] - g["revived"] - g["forgotten"], g["n_dormant_ties"])
    assert (np.diff(g["ended_by_turnover"]) > 0).all()  # cumulative, not per step
