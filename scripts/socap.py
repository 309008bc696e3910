#!/usr/bin/python3
"""Read socap HDF5 output into pandas, and draw the standard figures.

Use it as a module::

    import socap
    d = socap.load("run.h5")                 # dict of DataFrames, one per table
    d["agents"].groupby("strategy").degree.mean()
    socap.load("all.h5", tables=["timeseries"], tasks=[0, 1, 2],
               columns=["step", "strategy", "degree_mean"])
    socap.provenance("run.h5"); print(socap.config("run.h5"))
    socap.plot_all("run.h5", "figures/")

or as a command (with Debian's python, which has h5py, pandas and matplotlib)::

    /usr/bin/python3 scripts/socap.py summary FILE
    /usr/bin/python3 scripts/socap.py plot FILE -o DIR
    /usr/bin/python3 scripts/socap.py csv FILE TABLE -o OUT.csv [--tasks 0,1] [--columns a,b]
    /usr/bin/python3 scripts/socap.py schema FILE... [-o OUT.md | --update docs/schema.md]

The file layout is documented in docs/schema.md. A table is a group of
equal-length 1-D datasets (one per column) with a ``columns`` attribute giving
the column order. Integer columns that carry a ``codebook`` attribute are
categories and are returned as pandas Categorical with the codebook names as
categories (in code order). In a merged sweep, the ``/design`` table (one row
per task) is joined onto every other table by ``task``.

Reading is lazy: only the requested tables and columns are read, and a task
filter is applied block by block (the task column is read in blocks; when it is
sorted, as socap writes it, blocks past the last wanted task are not read and
the wanted rows of each block are found by binary search), so a merged sweep
larger than memory can be filtered.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence

import h5py
import numpy as np
import pandas as pd

__all__ = [
    "SchemaVersionError", "SUPPORTED_MAJOR", "TABLES", "load", "read_table", "list_tables",
    "schema_version", "provenance", "config", "column_info", "summary",
    "fig_capital_over_time", "fig_constraint_vs_info", "fig_dunbar_layers", "fig_sweep_response",
    "plot_all", "FIGSIZE", "DPI",
]

#: Major schema version this reader understands (any 1.x file).
SUPPORTED_MAJOR = 1
#: Tables in the order :func:`load` returns them (other tables with a
#: ``columns`` attribute are returned too, after these).
TABLES = ("timeseries", "global", "agents", "agents_history", "network", "design", "failures")
#: Columns of /design that are not swept parameters.
DESIGN_FIXED = ("task", "point", "replicate", "seed")
#: Codebooks for columns that do not carry a ``codebook`` attribute in
#: schema 1.0 (their meaning is given in the column description). A
#: ``codebook`` attribute in the file always takes precedence.
FALLBACK_CODEBOOKS = {
    ("network", "state"): ["dormant", "active"],
    ("network", "origin"): ["work", "event", "introduction", "reactivation"],
}
#: Rows per block when a table is filtered by task.
BLOCK_ROWS = 1 << 20


class SchemaVersionError(ValueError):
    """The file is not socap output, or its schema version is not supported."""


# ---------------------------------------------------------------------------
# low-level helpers


def _s(x):
    """Decode an HDF5 string value (bytes, numpy bytes, 0-d array) to str."""
    if isinstance(x, np.ndarray) and x.shape == ():
        x = x[()]
    if isinstance(x, (bytes, np.bytes_)):
        return x.decode("utf-8", "replace")
    return x


def _attr(obj, name, default=None):
    if name not in obj.attrs:
        return default
    v = obj.attrs[name]
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return [_s(e) for e in v.tolist()]
    v = _s(v)
    if isinstance(v, np.generic):
        v = v.item()
    return v


def _check_version(f, path):
    v = _attr(f, "socap_schema_version")
    if v is None:
        raise SchemaVersionError(
            f"{path}: not a socap output file (no 'socap_schema_version' attribute on the root group)")
    try:
        major = int(str(v).split(".")[0])
    except ValueError:
        raise SchemaVersionError(f"{path}: unreadable socap_schema_version {v!r}") from None
    if major != SUPPORTED_MAJOR:
        raise SchemaVersionError(
            f"{path}: socap schema version {v} is not supported by this reader "
            f"(it reads {SUPPORTED_MAJOR}.x); use the socap.py that matches the socap that wrote the file")
    return str(v)


class SocapFileError(OSError):
    """A path that is not a readable socap output file (missing, a directory,
    a file socap is still writing, a truncated or non-HDF5 file)."""


def _h5file(path):
    """h5py.File(path, "r"), with one clear message naming the path when the
    file cannot be read (h5py's say "Unable to open file (file signature not
    found)" and name no file)."""
    path = os.fspath(path)
    part = path + ".part"
    if os.path.isdir(path):
        raise SocapFileError(f"{path}: is a directory, not a socap output file")
    if not os.path.exists(path):
        hint = (f" ({part} exists: socap is still writing it, or a killed run left it)"
                if os.path.exists(part) else "")
        raise SocapFileError(f"{path}: no such file{hint}")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        what = ("a file socap is still writing, or one a killed run left: the finished file is "
                f"{path[:-5]}" if path.endswith(".part") else "not a readable HDF5 file (truncated or not HDF5?)")
        raise SocapFileError(f"{path}: {what} [{str(e).split(' (')[0]}]") from None


def _open(path):
    f = _h5file(path)
    try:
        _check_version(f, path)
    except Exception:
        f.close()
        raise
    return f


def schema_version(path) -> str:
    """The file's ``socap_schema_version`` (checked: raises SchemaVersionError if unsupported)."""
    with _h5file(path) as f:
        return _check_version(f, path)


def _is_table(obj):
    return isinstance(obj, h5py.Group) and "columns" in obj.attrs


def _table_names(f):
    present = [k for k in f.keys() if _is_table(f[k])]
    return [t for t in TABLES if t in present] + sorted(t for t in present if t not in TABLES)


def list_tables(path) -> list:
    """Names of the tables present in a file, in the standard order."""
    with _open(path) as f:
        return _table_names(f)


def _columns(g):
    return [str(c) for c in _attr(g, "columns")]


def _nrows(g):
    cols = _columns(g)
    return g[cols[0]].shape[0] if cols else 0


def _codebook(g, table, col):
    cb = _attr(g[col], "codebook")
    if cb is None:
        cb = FALLBACK_CODEBOOKS.get((table, col))
    return cb


def _decode(table, g, col, values):
    """Turn the raw values of one column into a pandas-ready array."""
    cb = _codebook(g, table, col)
    if cb is not None and values.dtype.kind in "iu":
        codes = values.astype(np.int64)
        bad = (codes < -1) | (codes >= len(cb))
        if bad.any():
            raise ValueError(f"/{table}/{col}: code {codes[bad][0]} outside its codebook of {len(cb)} names")
        return pd.Categorical.from_codes(codes, categories=list(cb))
    if values.dtype.kind == "S":
        return np.char.decode(values, "utf-8", "replace").astype(object)
    if values.dtype.kind == "O":
        return np.array([_s(v) for v in values], dtype=object)
    return values


def _block_rows(ds):
    c = ds.chunks[0] if ds.chunks else 65536
    return max(c, (BLOCK_ROWS // c) * c)


def _task_selection(task_ds, tasks):
    """Yield (lo, hi, mask) row blocks of the rows whose task is in `tasks`.

    ``mask`` is None when all rows lo..hi are wanted, else a boolean array of
    length hi - lo. The task column is read one block at a time; sorted blocks
    are searched with searchsorted, unsorted ones are masked. Once every block
    so far was sorted and a block starts past the largest wanted task, the
    rest of the column is not read.
    """
    want = np.unique(np.asarray(tasks, dtype=np.int64))
    n = task_ds.shape[0]
    if n == 0 or want.size == 0:
        return
    step = _block_rows(task_ds)
    sorted_so_far, prev_last = True, None
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        t = task_ds[lo:hi].astype(np.int64)
        is_sorted = bool(np.all(t[1:] >= t[:-1])) and (prev_last is None or t[0] >= prev_last)
        sorted_so_far = sorted_so_far and is_sorted
        prev_last = t[-1]
        if sorted_so_far and t[0] > want[-1]:
            return
        if is_sorted:
            a = np.searchsorted(t, want, side="left")
            b = np.searchsorted(t, want, side="right")
            runs = [(int(x), int(y)) for x, y in zip(a, b) if y > x]
            # adjacent wanted tasks give touching runs; merge them
            merged = []
            for x, y in runs:
                if merged and merged[-1][1] == x:
                    merged[-1] = (merged[-1][0], y)
                else:
                    merged.append((x, y))
            for x, y in merged:
                yield lo + x, lo + y, None
        else:
            m = np.isin(t, want)
            if m.any():
                idx = np.flatnonzero(m)
                a, b = int(idx[0]), int(idx[-1]) + 1
                yield lo + a, lo + b, m[a:b]


def _resolve_columns(table, all_cols, columns):
    if columns is None:
        return list(all_cols)
    if isinstance(columns, Mapping):
        want = columns.get(table)
        if want is None:
            return list(all_cols)
        missing = [c for c in want if c not in all_cols]
        if missing:
            raise KeyError(f"/{table} has no column(s) {missing}; it has {all_cols}")
    else:
        want = [c for c in columns if c in all_cols]
    keep = set(want) | ({"task"} & set(all_cols))
    return [c for c in all_cols if c in keep]


def _read_group(f, table, tasks=None, columns=None):
    g = f[table]
    all_cols = _columns(g)
    cols = _resolve_columns(table, all_cols, columns)
    if tasks is None or "task" not in all_cols:
        data = {c: _decode(table, g, c, g[c][()]) for c in cols}
        return pd.DataFrame(data, columns=cols)
    sel = list(_task_selection(g["task"], tasks))
    data = {}
    for c in cols:
        ds = g[c]
        parts = []
        for lo, hi, m in sel:
            v = ds[lo:hi]
            parts.append(v if m is None else v[m])
        if parts:
            raw = np.concatenate(parts)
        else:
            raw = np.empty(0, dtype=ds.dtype)
        data[c] = _decode(table, g, c, raw)
    return pd.DataFrame(data, columns=cols)


def _join_design(df, design, table):
    """Add the /design columns (other than task) to df by task. Columns that
    the table already has (e.g. point and replicate in /failures) are not
    added again; they must agree with /design."""
    if design is None or "task" not in df.columns or table == "design":
        return df
    if design["task"].duplicated().any():
        raise ValueError("/design has duplicate task ids")
    d = design.set_index("task").reindex(df["task"].values)
    out = df.copy()
    for c in design.columns:
        if c == "task":
            continue
        v = d[c].values
        if c in df.columns:
            if not np.array_equal(np.asarray(df[c]), v):
                raise ValueError(f"/{table} column {c!r} disagrees with /design")
            continue
        out[c] = v
    return out


# ---------------------------------------------------------------------------
# public reading API


class SocapData(dict):
    """A dict of DataFrames (``data["agents"]``, or ``data.agents``) with the
    file's ``path``, ``schema_version`` and ``design_params`` (names of the
    swept parameters; empty for a single run)."""

    path = None
    schema_version = None
    design_params: list = []

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def read_table(path, table, tasks=None, columns=None, join_design=True) -> pd.DataFrame:
    """One table as a DataFrame (see :func:`load`)."""
    d = load(path, tables=[table], tasks=tasks, columns={table: columns} if columns is not None else None,
             join_design=join_design)
    return d[table]


def _tasks_arg(tasks):
    """tasks= as a list of ints: an int is one task; a string is an error
    (list("10") would have been tasks 1 and 0)."""
    if tasks is None:
        return None
    if isinstance(tasks, (str, bytes)):
        raise TypeError(f"tasks must be task ids (an int or a list of ints), not the string {tasks!r}")
    if isinstance(tasks, (int, np.integer)):
        return [int(tasks)]
    return [int(t) for t in tasks]


def load(path, tables=None, tasks=None, columns=None, join_design=True) -> SocapData:
    """Read a socap output file (a run, or a merged sweep) into pandas.

    path:     an HDF5 file written by ``socap run`` or ``socap merge``.
    tables:   names of the tables to read (default: every table present).
              A name that is not in the file raises KeyError.
    tasks:    task ids to keep (default: all).
    columns:  a list of column names, applied to every table (each table keeps
              the ones it has), or a dict {table: [columns]}. The ``task``
              column is always kept.
    join_design: for a sweep (a file with /design), add the design columns
              (point, replicate, seed and one column per swept parameter,
              named like ``model.half_life``) to every other table by task.

    Returns a :class:`SocapData` (a dict of DataFrames keyed by table name,
    in the order of ``tables``, by default the file's order, that of
    :data:`TABLES`). Category columns (those with a codebook)
    are pandas Categoricals. Raises SchemaVersionError for a file whose
    ``socap_schema_version`` has an unknown major version.
    """
    path = os.fspath(path)
    tasks = _tasks_arg(tasks)
    if isinstance(columns, Mapping):  # a misspelt table name was silently ignored
        bad = [t for t in columns if t not in TABLES]
        if bad:
            raise KeyError(f"columns= names unknown table(s) {bad}; socap's tables: {list(TABLES)}")
    with _open(path) as f:
        present = _table_names(f)
        if tables is None:
            want = present
        else:
            want = [tables] if isinstance(tables, str) else list(tables)
            missing = [t for t in want if t not in present]
            if missing:
                raise KeyError(f"{path}: no table(s) {missing}; tables present: {present}")
        design = None
        params = []
        if "design" in present:
            dcols = _columns(f["design"])
            params = [c for c in dcols if c not in DESIGN_FIXED]
            if join_design or "design" in want:
                design_full = _read_group(f, "design", tasks=tasks)
                design = design_full if join_design else None
        out = SocapData()
        out.path = path
        out.schema_version = _attr(f, "socap_schema_version")
        out.design_params = params
        for t in want:
            if t == "design":
                df = design_full
                if columns is not None:
                    df = df[_resolve_columns("design", list(df.columns), columns)]
            else:
                df = _read_group(f, t, tasks=tasks, columns=columns)
                df = _join_design(df, design, t)
            out[t] = df
    return out


def provenance(path) -> dict:
    """Attributes of /provenance as a dict of Python values (without the config text)."""
    with _open(path) as f:
        if "provenance" not in f:
            return {}
        g = f["provenance"]
        return {k: _attr(g, k) for k in sorted(g.attrs.keys())}


def config(path) -> str:
    """The resolved configuration (YAML text) stored in /provenance/config."""
    with _open(path) as f:
        if "provenance/config" not in f:
            raise KeyError(f"{path}: no /provenance/config")
        return _s(f["provenance/config"][()])


def column_info(path) -> pd.DataFrame:
    """One row per (table, column): dtype, units, description, codebook."""
    rows = []
    with _open(path) as f:
        for t in _table_names(f):
            g = f[t]
            for c in _columns(g):
                ds = g[c]
                cb = _attr(ds, "codebook")
                rows.append({
                    "table": t, "column": c, "dtype": _h5type(ds),
                    "units": _attr(ds, "units", ""), "description": _attr(ds, "description", ""),
                    "codebook": "|".join(cb) if cb else "",
                })
    return pd.DataFrame(rows, columns=["table", "column", "dtype", "units", "description", "codebook"])


def _h5type(ds):
    dt = ds.dtype
    if dt.kind == "S":
        return f"string[{dt.itemsize}]"
    if dt.kind == "O":
        return "string"
    return {"i": "int", "u": "uint", "f": "float"}.get(dt.kind, dt.kind) + str(dt.itemsize * 8)


# ---------------------------------------------------------------------------
# figures

#: Size of every standard figure, in inches, and its resolution: the PNGs are
#: FIGSIZE[0]*DPI x FIGSIZE[1]*DPI pixels (1000 x 700).
FIGSIZE = (10.0, 7.0)
DPI = 100

CAPITAL_METRICS = (
    ("info_window", "information received\n(items per recording window)"),
    ("support", "support (sum of squared tie strengths)"),
    ("constraint", "Burt constraint"),
    ("degree", "degree (active ties)"),
)
LAYERS = ("layer5", "layer15", "layer50", "layer150")


def _plt():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo"):
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def _as_data(data, tables):
    if isinstance(data, (str, os.PathLike)):
        return load(data, tables=[t for t in tables if t in list_tables(data)])
    return data


def _finish(fig, path, dpi=None, compact=False):
    if path is not None:
        fig.savefig(path, dpi=dpi or DPI)
        if compact:  # 128-colour palette PNG: a few times smaller, for committed docs figures
            from PIL import Image
            with Image.open(path) as im:
                q = im.convert("RGB").quantize(128)
            q.save(path, optimize=True)
        _plt().close(fig)
    return fig


def _strategies(cat):
    """Strategy names in codebook order, without 'all', that occur in the data."""
    cats = list(cat.cat.categories) if hasattr(cat, "cat") else sorted(set(cat))
    present = set(cat.astype(str))
    return [s for s in cats if s != "all" and s in present]


def _colors(names):
    plt = _plt()
    cyc = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {n: cyc[i % len(cyc)] for i, n in enumerate(names)}


def fig_capital_over_time(data, path=None, metrics=CAPITAL_METRICS, include_all=True):
    """Social capital by strategy over time: one panel per metric (default:
    information received per window, support, constraint, degree), one line
    per strategy (mean over agents, and over tasks when there are several).
    The band is the 10-90 % range across tasks (all of them: design points as
    well as replicates; select tasks first for one point) when the data has
    several tasks, else the 10-90 % range across agents (p10/p90 columns).

    data: a path or the result of :func:`load` (needs /timeseries).
    path: write a PNG there (FIGSIZE at DPI) and close the figure.
    Returns the matplotlib Figure.
    """
    plt = _plt()
    d = _as_data(data, ["timeseries"])
    ts = d["timeseries"]
    if ts.empty:
        raise ValueError("no /timeseries rows to plot (every selected task failed, or no task was selected)")
    # a strategy with no agents in any task has rows of NaN: no line, no legend entry
    strategies = _strategies(ts.loc[ts["n_agents"] > 0, "strategy"])
    colors = _colors(strategies)
    if include_all:
        strategies = strategies + ["all"]
        colors["all"] = "black"
    ntask = ts["task"].nunique()
    fig, axes = plt.subplots(2, 2, figsize=FIGSIZE, sharex=True)
    for ax, (m, label) in zip(axes.flat, metrics):
        for s in strategies:
            sub = ts[ts["strategy"].astype(str) == s]
            if sub.empty:
                continue
            if ntask > 1:
                g = sub.groupby("step")[f"{m}_mean"]
                x = np.asarray(g.mean().index)
                y, lo, hi = g.mean().values, g.quantile(0.1).values, g.quantile(0.9).values
            else:
                sub = sub.sort_values("step")
                x = sub["step"].values
                y, lo, hi = sub[f"{m}_mean"].values, sub[f"{m}_p10"].values, sub[f"{m}_p90"].values
            ls = "--" if s == "all" else "-"
            ax.plot(x, y, ls, color=colors[s], label=s, lw=1.6)
            if s != "all":
                ax.fill_between(x, lo, hi, color=colors[s], alpha=0.15, lw=0)
        ax.set_ylabel(label, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("step (week)")
    band = f"10-90 % across {ntask} tasks" if ntask > 1 else "10-90 % across agents"
    fig.suptitle(f"Social capital by strategy over time (line: mean; band: {band})", fontsize=11)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(1, min(len(labels), 7)), fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.14, hspace=0.12, wspace=0.25)
    return _finish(fig, path)


def fig_constraint_vs_info(data, path=None, info="info_total", max_points=20000):
    """Burt constraint against information received, one point per agent
    (final step, /agents), coloured by strategy. Isolates (constraint NaN)
    are left out. With more than max_points agents a fixed random subsample
    is drawn."""
    plt = _plt()
    d = _as_data(data, ["agents"])
    a = d["agents"]
    a = a[np.isfinite(a["constraint"].astype(float))]
    if len(a) > max_points:
        a = a.sample(max_points, random_state=1)
    strategies = _strategies(a["strategy"]) if len(a) else []
    colors = _colors(strategies)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    for s in strategies:
        sub = a[a["strategy"].astype(str) == s]
        ax.scatter(sub["constraint"], sub[info], s=6, alpha=0.5, color=colors[s], label=s, lw=0)
    ax.set_xscale("log")
    ax.set_xlabel("Burt constraint (log scale)")
    ax.set_ylabel({"info_total": "information received (items since step 0)",
                   "info_window": "information received (items in the last window)"}.get(info, info))
    ax.set_title("Constraint vs information received, per agent at the final step")
    ax.grid(alpha=0.3, which="both")
    if strategies:
        ax.legend(fontsize=8, markerscale=2.5, frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.09)
    return _finish(fig, path)


def fig_dunbar_layers(data, path=None):
    """Mean Dunbar layer sizes (active ties with strength above each layer
    threshold: layer5, layer15, layer50, layer150) by strategy, from /agents.
    Error bars: 10-90 % range of the per-task means when there are several
    tasks, else the 10-90 % range across agents."""
    plt = _plt()
    d = _as_data(data, ["agents"])
    a = d["agents"]
    strategies = _strategies(a["strategy"])
    ntask = a["task"].nunique()
    per_task = a.groupby(["strategy", "task"], observed=True)[list(LAYERS)].mean()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    width = 0.8 / len(LAYERS)
    x = np.arange(len(strategies))
    for j, layer in enumerate(LAYERS):
        mean, lo, hi = [], [], []
        for s in strategies:
            if ntask > 1:
                v = per_task.loc[s, layer]
            else:
                v = a.loc[a["strategy"].astype(str) == s, layer]
            mean.append(per_task.loc[s, layer].mean())
            lo.append(np.quantile(v, 0.1))
            hi.append(np.quantile(v, 0.9))
        mean, lo, hi = map(np.asarray, (mean, lo, hi))
        ax.bar(x + (j - 1.5) * width, mean, width, label=layer,
               yerr=np.vstack([np.clip(mean - lo, 0, None), np.clip(hi - mean, 0, None)]),
               capsize=2, error_kw={"lw": 0.8})
    ax.set_xticks(x)
    ax.set_xticklabels(strategies, rotation=15)
    ax.set_ylabel("ties at or above the layer's strength threshold")
    spread = f"10-90 % across {ntask} tasks" if ntask > 1 else "10-90 % across agents"
    ax.set_title(f"Dunbar layer sizes by strategy (bars: mean; whiskers: {spread})")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3, axis="y")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.12)
    return _finish(fig, path)


def _outcome_per_task(d, outcome):
    """(DataFrame of task, strategy?, value) at each task's last recorded step,
    and whether it has a strategy column (a /timeseries metric)."""
    ts = d.get("timeseries")
    if ts is not None and f"{outcome}_mean" in ts.columns:
        last = ts.groupby("task")["step"].transform("max")
        sub = ts[ts["step"] == last]
        return sub[["task", "strategy", f"{outcome}_mean"]].rename(columns={f"{outcome}_mean": "value"}), True
    gl = d.get("global")
    if gl is not None and outcome in gl.columns:
        last = gl.groupby("task")["step"].transform("max")
        sub = gl[gl["step"] == last]
        return sub[["task", outcome]].rename(columns={outcome: "value"}), False
    raise KeyError(f"outcome {outcome!r} is neither a /timeseries metric nor a /global column")


def fig_sweep_response(data, path=None, outcome="info_total", params=None, strategy=None):
    """Response of an outcome to the swept parameters of a merged sweep.

    outcome: a metric of /timeseries (its ``_mean`` at each task's last step,
             per strategy) or a column of /global (at the last step).
    params:  swept parameters to plot against (default: all of them).
             One parameter: a response curve per strategy (line: mean over
             replicates; band: +- the replicate sd; dots: replicates).
             Two parameters: a heat map of the mean over replicates (strategy
             ``strategy``, default "all"), each cell annotated with the mean
             and the replicate sd. More: one response panel per parameter
             (averaged over the others).
    strategy: draw only this strategy's curve (or "all"); for a heat map,
             the strategy shown (default "all"). A /global outcome has no
             strategies, and an unknown name is an error (ValueError).
    """
    plt = _plt()
    if isinstance(data, (str, os.PathLike)):
        present = list_tables(data)
        d = load(data, tables=[t for t in ("timeseries", "global", "design") if t in present])
    else:
        d = data
    if "design" not in d:
        raise ValueError("fig_sweep_response needs a merged sweep (a file with /design)")
    design = d["design"]
    if params is None:
        params = [c for c in design.columns if c not in DESIGN_FIXED]
    if not params:
        raise ValueError("the sweep has no swept parameters")
    params = list(params)
    heat = len(params) == 2
    chosen = strategy
    if heat and strategy is None:
        strategy = "all"
    val, by_strategy = _outcome_per_task(d, outcome)
    if chosen is not None and not by_strategy:
        raise ValueError(f"strategy={chosen!r}: the outcome {outcome!r} is a /global column, which has no strategies")
    if strategy is not None and by_strategy:
        names = [str(x) for x in pd.unique(val["strategy"].astype(str))]
        if strategy not in names:
            raise ValueError(f"strategy={strategy!r} is not in the file (strategies: {', '.join(names)})")
        val = val[val["strategy"].astype(str) == strategy]
    design = design.copy()
    if "point" not in design.columns:  # identify design points by their parameter values
        allp = [c for c in design.columns if c not in DESIGN_FIXED]
        design["point"] = design.groupby(allp, sort=True).ngroup()
    val = val.merge(design[["task", "point"] + params], on="task")
    # category parameters (enum codebooks) are plotted at positions 0..k-1
    ticks = {}
    for p in params:
        if not pd.api.types.is_numeric_dtype(val[p]):
            cats = list(val[p].cat.categories) if hasattr(val[p], "cat") else sorted(val[p].astype(str).unique())
            levels = [c for c in cats if c in set(val[p].astype(str))]
            val[p] = val[p].astype(str).map({v: i for i, v in enumerate(levels)}).astype(float)
            ticks[p] = levels

    def label(p, v):
        return ticks[p][int(v)] if p in ticks else f"{v:g}"

    fig = plt.figure(figsize=FIGSIZE)
    title_out = outcome + (f" ({strategy})" if heat and by_strategy else "")
    if heat:
        px, py = params
        agg = val.groupby([py, px])["value"].agg(["mean", "std", "count"]).reset_index()
        xs, ys = np.sort(agg[px].unique()), np.sort(agg[py].unique())
        ax = fig.add_subplot(111)
        # a grid design with a point that failed in every replicate is still
        # a grid (the design lists every point): that cell is marked (a row or
        # column that failed throughout has no values to place, and is left out)
        dpts = design[params].astype(str).drop_duplicates()
        grid = len(dpts) == dpts[px].nunique() * dpts[py].nunique()
        if grid or len(agg) == len(xs) * len(ys):
            M = agg.pivot(index=py, columns=px, values="mean").reindex(index=ys, columns=xs).values
            S = agg.pivot(index=py, columns=px, values="std").reindex(index=ys, columns=xs).values
            im = ax.imshow(M, origin="lower", aspect="auto", cmap="viridis")
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels([label(px, v) for v in xs])
            ax.set_yticks(range(len(ys)))
            ax.set_yticklabels([label(py, v) for v in ys])
            lo, hi = np.nanmin(M), np.nanmax(M)
            for i in range(len(ys)):
                for j in range(len(xs)):
                    if not np.isfinite(M[i, j]):
                        ax.text(j, i, "no data\n(failed)", ha="center", va="center", fontsize=8, color="0.4")
                        continue
                    txt = f"{M[i, j]:.3g}" + ("" if not np.isfinite(S[i, j]) else f"\n±{S[i, j]:.2g}")
                    dark = hi > lo and (M[i, j] - lo) / (hi - lo) < 0.5
                    ax.text(j, i, txt, ha="center", va="center", fontsize=8, color="white" if dark else "black")
            sub = "cell: mean over replicates ± replicate sd"
        else:  # not a grid (lhs, sobol): one dot per design point
            im = ax.scatter(agg[px], agg[py], c=agg["mean"], s=60, cmap="viridis")
            sub = "dot: design point, colour: mean over replicates"
        fig.colorbar(im, ax=ax, label=title_out)
        ax.set_xlabel(px)
        ax.set_ylabel(py)
        ax.set_title(f"{title_out} over {px} and {py}  ({sub})", fontsize=10)
        fig.subplots_adjust(left=0.1, right=0.97, top=0.93, bottom=0.09)
        return _finish(fig, path)
    n = len(params)
    ncol = min(n, 3)
    nrow = (n + ncol - 1) // ncol
    groups = [chosen] if chosen is not None else (_strategies(val["strategy"]) + ["all"] if by_strategy else [None])
    colors = _colors(groups)
    if by_strategy:
        colors["all"] = "black"
    marginal = len(params) > 1 or len(params) < len([c for c in design.columns if c not in DESIGN_FIXED])
    for k, p in enumerate(params):
        ax = fig.add_subplot(nrow, ncol, k + 1)
        for s in groups:
            sub = val if s is None else val[val["strategy"].astype(str) == s]
            # replicate spread: sd of the replicates within each design point,
            # pooled (root mean variance) over the points at the same value of p
            var = sub.groupby("point")["value"].var(ddof=1).rename("var")
            pts = sub.groupby("point")[p].first().to_frame().join(var)
            sd = np.sqrt(pts.groupby(p)["var"].mean())
            m = sub.groupby(p)["value"].mean()
            x = np.asarray(m.index, dtype=float)
            sd = sd.reindex(m.index).values
            ls = "--" if s == "all" else "-"
            ax.plot(x, m.values, ls, marker="o", ms=3, color=colors[s], label=s or outcome)
            ax.fill_between(x, m.values - sd, m.values + sd, color=colors[s], alpha=0.15, lw=0)
            if not marginal:
                ax.scatter(sub[p], sub["value"], s=5, color=colors[s], alpha=0.4, lw=0)
        if p in ticks:
            ax.set_xticks(range(len(ticks[p])))
            ax.set_xticklabels(ticks[p])
        ax.set_xlabel(p)
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3)
    avg = " averaged over the other swept parameters" if marginal else ""
    fig.suptitle(f"Response of {outcome} at the last step{avg}\n(line: mean over tasks; band: ± replicate sd"
                 f"{'' if marginal else '; dots: replicates'})", fontsize=11)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(1, min(len(labels), 7)), fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.17, hspace=0.35, wspace=0.3)
    return _finish(fig, path)


def plot_all(path, outdir, tasks=None, dpi=None, compact=False):
    """Write every standard figure that the file supports into outdir; return their paths.

    dpi: resolution (default DPI); the PNGs are FIGSIZE * dpi pixels.
    compact: write palette PNGs (smaller files, for docs)."""
    os.makedirs(outdir, exist_ok=True)
    present = list_tables(path)
    want = [t for t in ("timeseries", "global", "agents", "design") if t in present]
    d = load(path, tables=want, tasks=tasks)
    if "timeseries" in d and d["timeseries"].empty:
        # every selected task failed, or none was selected: say so, not
        # matplotlib's "number sections must be larger than 0"
        with _open(path) as f:
            nfail = _nrows(f["failures"]) if "failures" in f else 0
            ntask = _nrows(f["design"]) if "design" in f else None
        if tasks is not None:
            why = (f" for tasks {','.join(map(str, _tasks_arg(tasks)))} (failed, or not among the file's "
                   f"{ntask if ntask is not None else 1} tasks: see /failures and /design)")
        else:
            why = f" ({nfail} of {ntask} tasks failed: see /failures)" if nfail else ""
        raise ValueError(f"{path}: no /timeseries rows{why}: nothing to plot")
    out = []

    def emit(name, fn, *args, **kw):
        p = os.path.join(outdir, name)
        fig = fn(d, None, *args, **kw)
        _finish(fig, p, dpi, compact)
        out.append(p)

    if "timeseries" in d:
        emit("capital_over_time.png", fig_capital_over_time)
    if "agents" in d:
        emit("constraint_vs_info.png", fig_constraint_vs_info)
        emit("dunbar_layers.png", fig_dunbar_layers)
    if "design" in d and d.design_params:
        emit("sweep_response.png", fig_sweep_response)
    return out


# ---------------------------------------------------------------------------
# summary and schema text


def summary(path, file=None) -> str:
    """A short human-readable description of a file."""
    lines = []
    with _open(path) as f:
        v = _attr(f, "socap_schema_version")
        names = _table_names(f)
        lines.append(f"{path}: socap schema {v}")
        pv = {k: _attr(f["provenance"], k) for k in f["provenance"].attrs} if "provenance" in f else {}
        if pv:
            lines.append("  written by socap {} ({}) kind={} seed={} threads={} ranks={} at {}".format(
                pv.get("socap_version"), pv.get("git_commit"), pv.get("kind"), pv.get("seed"),
                pv.get("threads"), pv.get("ranks"), pv.get("end_time")))
        lines.append("  tables:")
        for t in names:
            g = f[t]
            lines.append(f"    /{t:<15} {_nrows(g):>10} rows  {len(_columns(g)):>3} columns")
        ntask = None
        if "agents" in names:
            ntask = len(np.unique(f["agents/task"][()]))
        if "design" in names:
            dcols = _columns(f["design"])
            params = [c for c in dcols if c not in DESIGN_FIXED]
            lines.append(f"  sweep: {_nrows(f['design'])} tasks; swept parameters: {', '.join(params) or '(none)'}")
        elif ntask is not None:
            lines.append(f"  tasks: {ntask}")
        if "failures" in names and _nrows(f["failures"]):
            lines.append(f"  FAILED tasks: {_nrows(f['failures'])}")
        missing = pv.get("tasks_missing")
        if missing is not None and int(missing) > 0:
            lines.append(f"  MISSING tasks: {int(missing)} of {int(missing) + int(pv.get('tasks_present', 0))} "
                         "(merged with --allow-missing; their rows are in no table)")
    if "timeseries" in names:
        ts = load(path, tables=["timeseries"],
                  columns=["step", "strategy", "n_agents", "degree_mean", "constraint_mean", "support_mean",
                           "info_total_mean"])["timeseries"]
        last = ts[ts["step"] == ts.groupby("task")["step"].transform("max")]
        tab = last.groupby("strategy", observed=True)[
            ["n_agents", "degree_mean", "constraint_mean", "support_mean", "info_total_mean"]].mean()
        lines.append(f"  final step, mean over agents{' and tasks' if ts['task'].nunique() > 1 else ''}:")
        lines.extend("    " + s for s in tab.to_string(float_format=lambda x: f"{x:.4g}").splitlines())
    text = "\n".join(lines)
    if file is not None:
        print(text, file=file)
    return text


SCHEMA_BEGIN = "<!-- BEGIN GENERATED: scripts/socap.py schema -->"
SCHEMA_END = "<!-- END GENERATED -->"


def schema_markdown(*paths) -> str:
    """The per-table column reference of docs/schema.md, generated from one or
    more files (a table is described from the first file that has it)."""
    out, seen = [], set()
    for path in paths:
        info = column_info(path)
        with _open(path) as f:
            for t in _table_names(f):
                if t in seen:
                    continue
                seen.add(t)
                g = f[t]
                out.append(f"### /{t}\n")
                desc = _attr(g, "description")
                if desc:
                    out.append(f"{desc[0].upper() + desc[1:]}.\n")
                out.append("| column | type | units | description |")
                out.append("|---|---|---|---|")
                for r in info[info["table"] == t].itertuples():
                    d = r.description.replace("|", "\\|")
                    if r.codebook:
                        d += f"; codebook: `{r.codebook.replace('|', ', ')}`"
                    elif (t, r.column) in FALLBACK_CODEBOOKS:
                        d += f" (readers decode: `{', '.join(FALLBACK_CODEBOOKS[(t, r.column)])}`)"
                    out.append(f"| `{r.column}` | {r.dtype} | {r.units} | {d} |")
                out.append("")
    return "\n".join(out)


def update_schema_doc(doc, *paths):
    """Replace the generated part of doc (between SCHEMA_BEGIN and SCHEMA_END)."""
    with open(doc) as fh:
        text = fh.read()
    if SCHEMA_BEGIN not in text or SCHEMA_END not in text:
        raise ValueError(f"{doc}: no generated section to replace (the lines {SCHEMA_BEGIN} and {SCHEMA_END})")
    a, b = text.index(SCHEMA_BEGIN), text.index(SCHEMA_END)
    new = text[:a] + SCHEMA_BEGIN + "\n\n" + schema_markdown(*paths) + "\n" + text[b:]
    with open(doc, "w") as fh:
        fh.write(new)


# ---------------------------------------------------------------------------
# command line


def _int_list(s):
    return [int(x) for x in s.split(",") if x.strip()] if s else None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="socap.py", description="Read and plot socap HDF5 output.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("summary", help="describe a file")
    p.add_argument("file")
    p = sub.add_parser("plot", help="write the standard figures as PNG")
    p.add_argument("file")
    p.add_argument("-o", "--outdir", required=True)
    p.add_argument("--tasks", help="comma-separated task ids to keep")
    p.add_argument("--dpi", type=int, default=DPI, help=f"resolution (default {DPI}: {FIGSIZE[0]:g}x{FIGSIZE[1]:g} in)")
    p.add_argument("--compact", action="store_true", help="palette PNGs, a few times smaller (for docs)")
    p = sub.add_parser("csv", help="write one table as CSV (categories as names, design joined)")
    p.add_argument("file")
    p.add_argument("table")
    p.add_argument("-o", "--output", required=True, help="output CSV ('-' for stdout)")
    p.add_argument("--tasks", help="comma-separated task ids to keep")
    p.add_argument("--columns", help="comma-separated columns to keep")
    p.add_argument("--no-design", action="store_true", help="do not join the design columns")
    p = sub.add_parser("schema", help="print the column reference (markdown) of one or more files")
    p.add_argument("file", nargs="+")
    p.add_argument("-o", "--output", help="write it to this file")
    p.add_argument("--update", metavar="DOC", help="replace the generated section of DOC (docs/schema.md)")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "summary":
            summary(a.file, file=sys.stdout)
        elif a.cmd == "plot":
            for p in plot_all(a.file, a.outdir, tasks=_int_list(a.tasks), dpi=a.dpi,
                              compact=a.compact):
                print(p)
        elif a.cmd == "csv":
            cols = a.columns.split(",") if a.columns else None
            tasks = _int_list(a.tasks)
            df = read_table(a.file, a.table, tasks=tasks, columns=cols, join_design=not a.no_design)
            if tasks is not None and df.empty:
                print(f"socap.py: warning: /{a.table} has no rows for tasks {a.tasks}", file=sys.stderr)
            df.to_csv(sys.stdout if a.output == "-" else a.output, index=False)
        elif a.cmd == "schema":
            text = schema_markdown(*a.file)
            if a.update:
                update_schema_doc(a.update, *a.file)
            elif a.output:
                with open(a.output, "w") as fh:
                    fh.write(text)
            else:
                sys.stdout.write(text)
    except BrokenPipeError:
        # the reader of stdout went away (csv ... -o - | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (SchemaVersionError, KeyError, OSError, ValueError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"socap.py: error: {msg}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    warnings.simplefilter("default")
    sys.exit(main())
