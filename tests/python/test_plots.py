"""The standard figures, from real socap output.

Two kinds of checks:

- smoke: every figure renders a non-empty PNG of the documented size;
- data: what each figure draws (line x/y data, scatter offsets, bar heights,
  whiskers, bands, heat-map cells, legend and axis labels) equals the file's
  tables as read here straight from HDF5 with h5py (not through socap.load),
  aggregated the way docs/analysis.md and the figure docstrings describe. A
  figure that plotted another column, strategy, layer or parameter fails.
"""

import os
import struct
import subprocess
import sys
from collections import Counter

import h5py
import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

import socap

W, H = int(socap.FIGSIZE[0] * socap.DPI), int(socap.FIGSIZE[1] * socap.DPI)


def png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def assert_png(path):
    assert png_size(path) == (W, H)
    import matplotlib.image as mpimg
    img = mpimg.imread(str(path))
    # not blank: many distinct colours, not all white
    assert img.shape[:2] == (H, W)
    flat = img[..., :3].reshape(-1, 3)
    assert (flat < 0.95).any(axis=1).mean() > 0.01
    assert len(np.unique((flat * 255).astype(np.uint8), axis=0)) > 20


@pytest.mark.parametrize("fn", [socap.fig_capital_over_time, socap.fig_constraint_vs_info, socap.fig_dunbar_layers])
@pytest.mark.parametrize("which", ["run", "sweep"])
def test_standard_figures(fn, which, socap_files, tmp_path):
    out = tmp_path / f"{fn.__name__}.png"
    fig = fn(socap_files[which], out)
    assert fig is not None
    assert_png(out)


def test_figures_from_loaded_data(run_file, tmp_path):
    d = socap.load(run_file)
    fig = socap.fig_capital_over_time(d)  # no path: returns an open Figure
    assert len(fig.axes) == 4
    assert [ax.get_ylabel().split("\n")[0] for ax in fig.axes][:1] == ["information received"]
    fig.savefig(tmp_path / "x.png", dpi=socap.DPI)
    assert_png(tmp_path / "x.png")
    # a loaded SocapData draws the same data as the path
    check_capital(fig, run_file)
    check_capital(socap.fig_capital_over_time(d, include_all=False), run_file, include_all=False)
    check_dunbar(socap.fig_dunbar_layers(d), run_file)
    a, books = raw_table(run_file, "agents")
    assert check_constraint_vs_info(socap.fig_constraint_vs_info(d), a, books, "info_total") == len(a)


@pytest.mark.parametrize("params", [None, ["model.half_life"], ["model.w_intro"]])
def test_sweep_response(sweep_file, tmp_path, params):
    out = tmp_path / "resp.png"
    socap.fig_sweep_response(sweep_file, out, params=params)
    assert_png(out)


def test_sweep_response_global_outcome(sweep_file, tmp_path):
    out = tmp_path / "resp.png"
    socap.fig_sweep_response(sweep_file, out, outcome="transitivity", params=["model.half_life"])
    assert_png(out)
    with pytest.raises(KeyError):
        socap.fig_sweep_response(sweep_file, None, outcome="nope")


def test_sweep_response_needs_sweep(run_file):
    with pytest.raises(ValueError, match="merged sweep"):
        socap.fig_sweep_response(run_file)


def test_plot_cli(run_file, tmp_path):
    r = subprocess.run([sys.executable, socap.__file__, "plot", run_file, "-o", str(tmp_path / "f")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    files = r.stdout.split()
    assert [os.path.basename(p) for p in files] == ["capital_over_time.png", "constraint_vs_info.png",
                                                    "dunbar_layers.png"]
    for p in files:
        assert_png(p)


def test_plot_all_sweep(sweep_file, tmp_path):
    files = socap.plot_all(sweep_file, tmp_path / "f")
    assert [os.path.basename(p) for p in files] == ["capital_over_time.png", "constraint_vs_info.png",
                                                    "dunbar_layers.png", "sweep_response.png"]
    for p in files:
        assert_png(p)
    small = socap.plot_all(sweep_file, tmp_path / "g", tasks=[0, 1], dpi=50, compact=True)
    assert png_size(small[0]) == (W // 2, H // 2)
    assert len(small) == 4


@pytest.mark.parametrize("params", [["model.half_life"], ["model.half_life", "model.w_intro"]])
def test_sweep_response_category_parameter(sweep_file, tmp_path, params):
    """Enum parameters come as Categoricals (codebook); they are plotted at positions with their names."""
    d = socap.load(sweep_file, tables=["timeseries", "design"])
    hl = d["design"]["model.half_life"].map({8.0: "short", 26.0: "long"})
    d["design"]["model.half_life"] = pd.Categorical(hl, categories=["short", "long", "unused"])
    fig = socap.fig_sweep_response(d, None, params=params)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["short", "long"]
    # the same numbers as the numeric parameter, at positions 0 (short) and 1 (long)
    if len(params) == 1:
        ts, books = raw_table(sweep_file, "timeseries")
        check_response_panel(ax, sweep_values(sweep_file, "info_total"), params[0],
                             file_strategies(ts, books) + ["all"], "info_total", xs_plot=[0.0, 1.0])
    else:
        num = socap.fig_sweep_response(sweep_file, None, params=params).axes[0]
        np.testing.assert_array_equal(ax.images[0].get_array(), num.images[0].get_array())
        assert texts(ax.texts) == texts(num.texts)
    fig.savefig(tmp_path / "c.png", dpi=socap.DPI)
    assert_png(tmp_path / "c.png")


# ---------------------------------------------------------------------------
# What the figures draw, against the file's tables.
#
# The expected values are computed here from raw h5py reads (raw_table), not
# from socap.load, and spelled out as docs/analysis.md describes each figure.
# Stored float64 values pass through matplotlib unchanged and the means are
# computed the same way, so the tolerances are tight.

RTOL = 1e-12
LAYERS = ["layer5", "layer15", "layer50", "layer150"]  # docs/analysis.md, dunbar_layers.png
# capital_over_time.png: panel order and a word its y label must contain
CAPITAL_PANELS = [("info_window", "information received"), ("support", "support"),
                  ("constraint", "constraint"), ("degree", "degree")]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


def raw_table(path, table):
    """(DataFrame, codebooks) of one table read with h5py: coded columns as their names."""
    with h5py.File(path, "r") as f:
        g = f[table]
        cols = [c.decode() for c in g.attrs["columns"]]
        data, books = {}, {}
        for c in cols:
            v = g[c][()]
            if "codebook" in g[c].attrs:
                books[c] = [x.decode() for x in g[c].attrs["codebook"]]
                v = np.array(books[c], dtype=object)[v]
            data[c] = v
    return pd.DataFrame(data, columns=cols), books


def file_strategies(df, books):
    """The file's strategy names in codebook order, without 'all', that occur in df."""
    present = set(df["strategy"])
    return [s for s in books["strategy"] if s != "all" and s in present]


def texts(items):
    return [t.get_text() for t in items]


def bands_of(ax):
    """The fill_between bands of an axes, in drawing order (scatters are other collections)."""
    from matplotlib.collections import PolyCollection
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def dots_of(ax):
    from matplotlib.collections import PathCollection
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def band_limits(coll, xs):
    """(lower, upper) edge of a fill_between band at each x in xs."""
    v = np.concatenate([p.vertices for p in coll.get_paths()])
    lo, hi = [], []
    for x in xs:
        y = v[np.isclose(v[:, 0], x, rtol=0, atol=1e-9), 1]
        assert y.size, f"band has no vertex at x={x}"
        lo.append(y.min())
        hi.append(y.max())
    return np.array(lo), np.array(hi)


def same_color(a, b):
    return np.allclose(mcolors.to_rgb(a), mcolors.to_rgb(b))


# -- capital_over_time ------------------------------------------------------

def expected_capital(ts, metric, strategy):
    """(steps, line, band low, band high) of one strategy: the mean over agents
    and its 10-90 % across agents (p10/p90 columns) for a single task; for
    several tasks the mean of the per-task means and their 10-90 % range."""
    sub = ts[ts["strategy"] == strategy]
    steps = np.unique(sub["step"])
    if sub["task"].nunique() == 1:
        sub = sub.set_index("step").loc[steps]
        return steps, sub[f"{metric}_mean"].values, sub[f"{metric}_p10"].values, sub[f"{metric}_p90"].values
    per_step = [sub.loc[sub["step"] == t, f"{metric}_mean"].values for t in steps]
    assert all(len(v) == sub["task"].nunique() for v in per_step)
    return (steps, np.array([v.mean() for v in per_step]),
            np.array([np.quantile(v, 0.1) for v in per_step]), np.array([np.quantile(v, 0.9) for v in per_step]))


def check_capital(fig, path, include_all=True):
    ts, books = raw_table(path, "timeseries")
    strategies = file_strategies(ts, books)
    assert len(strategies) == 6
    names = strategies + (["all"] if include_all else [])
    assert texts(fig.legends[0].get_texts()) == names
    assert len(fig.axes) == 4
    for ax, (metric, word) in zip(fig.axes, CAPITAL_PANELS):
        assert word in ax.get_ylabel(), (metric, ax.get_ylabel())
        lines = ax.get_lines()
        assert [ln.get_label() for ln in lines] == names
        bands = bands_of(ax)
        assert len(bands) == len(ax.collections) == len(strategies)  # no band for "all"
        for k, (ln, s) in enumerate(zip(lines, names)):
            steps, mean, lo, hi = expected_capital(ts, metric, s)
            np.testing.assert_allclose(ln.get_xydata(), np.column_stack([steps, mean]), rtol=RTOL, atol=0,
                                       err_msg=f"{metric} line of {s}")
            if s == "all":
                assert ln.get_linestyle() == "--" and same_color(ln.get_color(), "black")
                continue
            assert ln.get_linestyle() == "-"
            blo, bhi = band_limits(bands[k], steps)
            np.testing.assert_allclose(blo, lo, rtol=RTOL, atol=0, err_msg=f"{metric} band (low) of {s}")
            np.testing.assert_allclose(bhi, hi, rtol=RTOL, atol=0, err_msg=f"{metric} band (high) of {s}")
            assert same_color(bands[k].get_facecolor()[0], ln.get_color()), f"band colour of {s}"
    for ax in fig.axes[2:]:
        assert "step" in ax.get_xlabel()


@pytest.mark.parametrize("which", ["run", "sweep"])
def test_capital_over_time_data(which, socap_files):
    path = socap_files[which]
    check_capital(socap.fig_capital_over_time(path), path)
    ntask = raw_table(path, "timeseries")[0]["task"].nunique()
    assert ntask == (1 if which == "run" else 8)


# -- constraint_vs_info -----------------------------------------------------

INFO_YLABEL = {"info_total": "since step 0", "info_window": "last window"}


def check_constraint_vs_info(fig, a, books, info):
    """Every finite-constraint agent of `a` drawn once, at (constraint, info), in its strategy's series."""
    ax = fig.axes[0]
    assert "constraint" in ax.get_xlabel() and ax.get_xscale() == "log"
    assert "information received" in ax.get_ylabel() and INFO_YLABEL[info] in ax.get_ylabel()
    a = a[np.isfinite(a["constraint"].astype(float))]
    strategies = file_strategies(a, books)
    assert [c.get_label() for c in ax.collections] == strategies
    assert texts(ax.get_legend().get_texts()) == strategies
    for c, s in zip(ax.collections, strategies):
        want = a.loc[a["strategy"] == s, ["constraint", info]].to_numpy(float)
        np.testing.assert_allclose(c.get_offsets(), want, rtol=RTOL, atol=0, err_msg=f"points of {s}")
    return sum(len(c.get_offsets()) for c in ax.collections)


@pytest.mark.parametrize("info", ["info_total", "info_window"])
@pytest.mark.parametrize("which", ["run", "sweep"])
def test_constraint_vs_info_data(which, info, socap_files):
    path = socap_files[which]
    a, books = raw_table(path, "agents")
    fig = socap.fig_constraint_vs_info(path, info=info)
    assert check_constraint_vs_info(fig, a, books, info) == len(a)  # no isolates in these files


def test_constraint_vs_info_isolates_and_subsample(run_file):
    """Isolates (constraint NaN) are left out; with more agents than max_points
    the points drawn are a fixed subset of the real rows, in the right series."""
    d = socap.load(run_file, tables=["agents"])
    a, books = raw_table(run_file, "agents")
    iso = np.arange(0, len(a), 17)
    d["agents"].loc[iso, "constraint"] = np.nan
    a.loc[iso, "constraint"] = np.nan
    n = check_constraint_vs_info(socap.fig_constraint_vs_info(d), a, books, "info_total")
    assert n == len(a) - len(iso)

    a, books = raw_table(run_file, "agents")
    fig = socap.fig_constraint_vs_info(run_file, max_points=100)
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 100
    assert [c.get_label() for c in ax.collections] == file_strategies(a, books)  # all six drawn
    for c in ax.collections:
        s = c.get_label()
        real = Counter(map(tuple, a.loc[a["strategy"] == s, ["constraint", "info_total"]].to_numpy(float)))
        drawn = Counter(map(tuple, np.asarray(c.get_offsets(), dtype=float)))
        assert not drawn - real, f"{s}: points that are not rows of /agents of that strategy"
    again = socap.fig_constraint_vs_info(run_file, max_points=100)
    for c1, c2 in zip(ax.collections, again.axes[0].collections):
        np.testing.assert_array_equal(c1.get_offsets(), c2.get_offsets())  # a fixed subsample


# -- dunbar_layers ----------------------------------------------------------

def expected_layer(a, strategy, layer):
    """(bar, whisker low, whisker high): mean layer size over agents with the
    10-90 % range across agents for one task; for several tasks the mean of
    the per-task means and their 10-90 % range."""
    sub = a[a["strategy"] == strategy]
    if sub["task"].nunique() == 1:
        v = sub[layer].to_numpy(float)
        return v.mean(), np.quantile(v, 0.1), np.quantile(v, 0.9)
    v = np.array([g[layer].to_numpy(float).mean() for _, g in sub.groupby("task")])
    return v.mean(), np.quantile(v, 0.1), np.quantile(v, 0.9)


def check_dunbar(fig, path):
    from matplotlib.container import BarContainer
    a, books = raw_table(path, "agents")
    strategies = file_strategies(a, books)
    ax = fig.axes[0]
    assert "ties" in ax.get_ylabel()
    assert texts(ax.get_xticklabels()) == strategies
    ticks = np.asarray(ax.get_xticks(), dtype=float)
    assert texts(ax.get_legend().get_texts()) == LAYERS
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [b.get_label() for b in bars] == LAYERS
    assert len(ax.patches) == len(LAYERS) * len(strategies)
    centres = []
    for layer, b in zip(LAYERS, bars):
        want = np.array([expected_layer(a, s, layer) for s in strategies])
        heights = np.array([p.get_height() for p in b.patches])
        np.testing.assert_allclose(heights, want[:, 0], rtol=RTOL, atol=0, err_msg=f"{layer} bars")
        assert all(p.get_y() == 0 for p in b.patches)
        x = np.array([p.get_x() + p.get_width() / 2 for p in b.patches])
        np.testing.assert_allclose(np.round(x), ticks)  # each bar sits at its strategy's tick
        centres.append(x)
        # whiskers: from min(low, mean) to max(high, mean) (error lengths are clipped at 0)
        seg = np.array(b.errorbar.lines[2][0].get_segments())
        np.testing.assert_allclose(seg[:, :, 0], np.column_stack([x, x]), rtol=RTOL)
        np.testing.assert_allclose(seg[:, :, 1].min(axis=1), np.minimum(want[:, 1], want[:, 0]),
                                   rtol=RTOL, atol=1e-12, err_msg=f"{layer} whisker low")
        np.testing.assert_allclose(seg[:, :, 1].max(axis=1), np.maximum(want[:, 2], want[:, 0]),
                                   rtol=RTOL, atol=1e-12, err_msg=f"{layer} whisker high")
    assert (np.diff(np.array(centres), axis=0) > 0).all()  # layers left to right within a strategy
    # the layers are nested: layer5 <= layer15 <= layer50 <= layer150 for every strategy
    h = np.array([[p.get_height() for p in b.patches] for b in bars])
    assert (np.diff(h, axis=0) >= 0).all()


@pytest.mark.parametrize("which", ["run", "sweep"])
def test_dunbar_layers_data(which, socap_files):
    path = socap_files[which]
    check_dunbar(socap.fig_dunbar_layers(path), path)


# -- sweep_response ---------------------------------------------------------

def sweep_values(path, outcome):
    """One row per (successful task[, strategy]) with the outcome at the last
    step (its _mean for a /timeseries metric, else the /global column) and
    the task's /design row."""
    design, _ = raw_table(path, "design")
    ts, _ = raw_table(path, "timeseries")
    if f"{outcome}_mean" in ts.columns:
        df, col = ts, f"{outcome}_mean"
    else:
        df, col = raw_table(path, "global")[0], outcome
    last = df["step"].max()
    assert (df.groupby("task")["step"].max() == last).all()  # every task ran to the end
    v = df[df["step"] == last].rename(columns={col: "value"})
    v = v[[c for c in ("task", "strategy", "value") if c in v.columns]]
    return v.merge(design, on="task", how="left", validate="many_to_one")


def expected_response(v, p):
    """(x, mean over tasks, pooled replicate sd) of one curve against parameter p."""
    xs = np.sort(v[p].unique())
    mean, sd = [], []
    for x in xs:
        at = v[v[p] == x]
        mean.append(at["value"].mean())
        sd.append(np.sqrt(np.mean([g["value"].var(ddof=1) for _, g in at.groupby("point")])))
    return xs, np.array(mean), np.array(sd)


def check_response_panel(ax, v, p, groups, outcome, xs_plot=None):
    assert ax.get_xlabel() == p and ax.get_ylabel() == outcome
    lines, bands = ax.get_lines(), bands_of(ax)
    assert [ln.get_label() for ln in lines] == [g or outcome for g in groups]
    assert len(bands) == len(groups)
    for k, (ln, s) in enumerate(zip(lines, groups)):
        sub = v if s is None else v[v["strategy"] == s]
        xs, mean, sd = expected_response(sub, p)
        if xs_plot is not None:
            xs = xs_plot
        np.testing.assert_allclose(ln.get_xydata(), np.column_stack([xs, mean]), rtol=RTOL, atol=0,
                                   err_msg=f"{outcome} against {p}, {s}")
        assert ln.get_linestyle() == ("--" if s == "all" else "-")
        blo, bhi = band_limits(bands[k], xs)
        np.testing.assert_allclose(blo, mean - sd, rtol=RTOL, err_msg=f"band of {s}")
        np.testing.assert_allclose(bhi, mean + sd, rtol=RTOL, err_msg=f"band of {s}")


@pytest.mark.parametrize("p", ["model.half_life", "model.w_intro"])
def test_sweep_response_curve_data(sweep_file, p):
    v = sweep_values(sweep_file, "info_total")
    ts, books = raw_table(sweep_file, "timeseries")
    groups = file_strategies(ts, books) + ["all"]
    fig = socap.fig_sweep_response(sweep_file, None, params=[p])
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    check_response_panel(ax, v, p, groups, "info_total")
    # averaged over the other swept parameter: bands only, no replicate dots
    assert len(ax.collections) == len(groups) and not dots_of(ax)
    assert texts(fig.legends[0].get_texts()) == groups
    # the failed tasks (w_intro = 0.1) are not drawn
    if p == "model.w_intro":
        np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.3, 0.6])


def test_sweep_response_global_outcome_data(sweep_file):
    v = sweep_values(sweep_file, "transitivity")
    fig = socap.fig_sweep_response(sweep_file, None, outcome="transitivity", params=["model.half_life"])
    check_response_panel(fig.axes[0], v, "model.half_life", [None], "transitivity")
    assert texts(fig.legends[0].get_texts()) == ["transitivity"]


def test_sweep_response_replicate_dots(sweep_file):
    """A one-parameter sweep (the w_intro = 0.3 tasks, w_intro dropped): the
    response is not averaged over anything, and each replicate is a dot."""
    d = socap.load(sweep_file, tables=["timeseries", "design"])
    keep = d["design"]["model.w_intro"] == 0.3
    d["design"] = d["design"][keep].drop(columns="model.w_intro").reset_index(drop=True)
    tasks = set(d["design"]["task"])
    d["timeseries"] = d["timeseries"][d["timeseries"]["task"].isin(tasks)].reset_index(drop=True)
    v = sweep_values(sweep_file, "info_total")
    v = v[v["task"].isin(tasks)]
    assert v["task"].nunique() == 4
    ts, books = raw_table(sweep_file, "timeseries")
    groups = file_strategies(ts, books) + ["all"]
    fig = socap.fig_sweep_response(d)  # params: the only swept one left
    ax = fig.axes[0]
    check_response_panel(ax, v, "model.half_life", groups, "info_total")
    dots = dots_of(ax)
    assert len(dots) == len(groups)
    for c, s in zip(dots, groups):
        want = v.loc[v["strategy"] == s, ["model.half_life", "value"]].to_numpy(float)
        np.testing.assert_allclose(c.get_offsets(), want, rtol=RTOL, atol=0, err_msg=f"replicates of {s}")


@pytest.mark.parametrize("strategy", [None, "broker"])
def test_sweep_response_heatmap_data(sweep_file, strategy):
    """Two parameters: cell (i, j) = mean over replicates at (x_j, y_i), annotated mean and replicate sd."""
    v = sweep_values(sweep_file, "info_total")
    s = strategy or "all"
    v = v[v["strategy"] == s]
    fig = socap.fig_sweep_response(sweep_file, None, strategy=strategy)  # params: both, in /design order
    ax = fig.axes[0]
    px, py = "model.half_life", "model.w_intro"
    assert (ax.get_xlabel(), ax.get_ylabel()) == (px, py)
    xs, ys = np.sort(v[px].unique()), np.sort(v[py].unique())
    np.testing.assert_allclose(xs, [8.0, 26.0])
    np.testing.assert_allclose(ys, [0.3, 0.6])  # 0.1: failed tasks, no cell
    assert texts(ax.get_xticklabels()) == [f"{x:g}" for x in xs]
    assert texts(ax.get_yticklabels()) == [f"{y:g}" for y in ys]
    M = np.array([[v.loc[(v[px] == x) & (v[py] == y), "value"].mean() for x in xs] for y in ys])
    S = np.array([[v.loc[(v[px] == x) & (v[py] == y), "value"].std(ddof=1) for x in xs] for y in ys])
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), M, rtol=RTOL, atol=0,
                               err_msg=f"heat map cells ({s})")
    cells = {tuple(t.get_position()): t.get_text() for t in ax.texts}
    assert cells == {(j, i): f"{M[i, j]:.3g}\n±{S[i, j]:.2g}" for i in range(len(ys)) for j in range(len(xs))}
    assert fig.axes[1].get_ylabel() == f"info_total ({s})"  # colour bar


@pytest.mark.parametrize("strategy", ["broker", "all"])
def test_sweep_response_one_strategy(sweep_file, strategy):
    """strategy= draws only that strategy's curve (it used to be ignored for curves)."""
    v = sweep_values(sweep_file, "info_total")
    fig = socap.fig_sweep_response(sweep_file, None, params=["model.half_life"], strategy=strategy)
    check_response_panel(fig.axes[0], v, "model.half_life", [strategy], "info_total")
    assert texts(fig.legends[0].get_texts()) == [strategy]


def test_sweep_response_strategy_errors(sweep_file):
    with pytest.raises(ValueError, match="not in the file"):
        socap.fig_sweep_response(sweep_file, None, params=["model.half_life"], strategy="nobody")
    with pytest.raises(ValueError, match="not in the file"):
        socap.fig_sweep_response(sweep_file, None, strategy="nobody")  # heat map
    with pytest.raises(ValueError, match="no strategies"):
        socap.fig_sweep_response(sweep_file, None, outcome="transitivity", params=["model.half_life"],
                                 strategy="broker")
