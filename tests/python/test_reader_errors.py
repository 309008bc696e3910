"""What the Python reader does with what a researcher will meet besides a
good file: unreadable paths, a task selection with no rows, a merge with
missing tasks, a strategy without agents, and the CLI in a pipe."""

import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

import socap

SCRIPT = os.path.join(os.path.dirname(socap.__file__), "socap.py")


def _cli(*args, shell_tail=None):
    cmd = [sys.executable, SCRIPT, *args]
    if shell_tail:
        return subprocess.run(" ".join(map(str, cmd)) + " | " + shell_tail, shell=True, capture_output=True,
                              text=True)
    return subprocess.run(cmd, capture_output=True, text=True)


def test_unreadable_paths_name_the_file(run_file, tmp_path):
    # a missing file, and one whose .part is there (being written or left by a kill)
    with pytest.raises(socap.SocapFileError, match=r"nope\.h5: no such file$"):
        socap.load(tmp_path / "nope.h5")
    shutil.copy(run_file, tmp_path / "w.h5.part")
    with pytest.raises(socap.SocapFileError, match=r"w\.h5: no such file \(.*w\.h5\.part exists: socap is still "
                                                   r"writing it, or a killed run left it\)"):
        socap.load(tmp_path / "w.h5")
    with pytest.raises(socap.SocapFileError, match="is a directory"):
        socap.load(tmp_path)
    (tmp_path / "text.h5").write_text("not hdf5\n")
    with pytest.raises(socap.SocapFileError, match=r"text\.h5: not a readable HDF5 file"):
        socap.load(tmp_path / "text.h5")
    data = open(run_file, "rb").read()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(socap.SocapFileError, match=r"cut\.h5: not a readable HDF5 file"):
        socap.schema_version(tmp_path / "cut.h5")
    (tmp_path / "x.h5.part").write_bytes(data[: len(data) // 2])
    with pytest.raises(socap.SocapFileError, match=r"x\.h5\.part: a file socap is still writing, or one a killed "
                                                   r"run left: the finished file is .*x\.h5"):
        socap.load(tmp_path / "x.h5.part")
    r = _cli("summary", tmp_path / "cut.h5")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cut.h5: not a readable HDF5 file" in r.stderr


def test_tasks_scalar_and_string(sweep_file):
    g = socap.load(sweep_file, tables=["global"], tasks=3)["global"]
    assert len(g) and set(g["task"]) == {3}
    with pytest.raises(TypeError, match="not the string '10'"):
        socap.load(sweep_file, tasks="10")  # list("10") would be tasks 1 and 0


def test_plot_without_rows_says_why(sweep_file, tmp_path):
    with h5py.File(sweep_file, "r") as f:
        failed = sorted(set(np.asarray(f["failures/task"][...]).tolist()))
    assert failed
    with pytest.raises(ValueError, match=r"no /timeseries rows for tasks 99 \(failed, or not among"):
        socap.plot_all(sweep_file, tmp_path / "a", tasks=[99])
    r = _cli("plot", sweep_file, "-o", tmp_path / "b", "--tasks", ",".join(map(str, failed)))
    assert r.returncode == 2 and "no /timeseries rows for tasks" in r.stderr and "sections" not in r.stderr
    assert not list((tmp_path / "b").glob("*.png"))


def test_summary_reports_missing_tasks(sweep_file, tmp_path):
    p = tmp_path / "miss.h5"
    shutil.copy(sweep_file, p)
    with h5py.File(p, "r+") as f:
        present = int(f["provenance"].attrs["tasks_present"])
        f["provenance"].attrs["tasks_missing"] = np.int64(4)
    assert f"MISSING tasks: 4 of {present + 4}" in socap.summary(p)
    assert "MISSING" not in socap.summary(sweep_file)


def test_strategy_without_agents_is_not_in_the_legend(run_file, tmp_path):
    p = tmp_path / "nobroker.h5"
    shutil.copy(run_file, p)
    with h5py.File(p, "r+") as f:
        ts = f["timeseries"]
        names = [x.decode() if isinstance(x, bytes) else x for x in ts["strategy"].attrs["codebook"]]
        rows = ts["strategy"][...] == names.index("broker")
        for c in ("n_agents",):
            v = ts[c][...]
            v[rows] = 0
            ts[c][...] = v
        for c in ts:
            if c.endswith(("_mean", "_sd", "_p10", "_p50", "_p90")):
                v = ts[c][...]
                v[rows] = np.nan
                ts[c][...] = v
    fig = socap.fig_capital_over_time(str(p))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "broker" not in labels and "passive" in labels and "all" in labels


def test_cli_csv_into_a_closed_pipe_and_empty_selection(sweep_file, tmp_path):
    r = _cli("csv", sweep_file, "network", "-o", "-", shell_tail="head -1")
    assert r.returncode == 0 and r.stdout.startswith("task,") and "Broken pipe" not in r.stderr
    r = _cli("csv", sweep_file, "global", "-o", tmp_path / "g.csv", "--tasks", "99")
    assert r.returncode == 0 and "/global has no rows for tasks 99" in r.stderr


def test_schema_update_needs_the_markers(run_file, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("no markers here\n")
    r = _cli("schema", run_file, "--update", doc)
    assert r.returncode == 2 and "no generated section to replace" in r.stderr
    assert doc.read_text() == "no markers here\n"


def test_heat_map_keeps_a_grid_with_a_failed_point(sweep_file):
    # a 2x2 grid whose point (26, 0.6) failed in every replicate: still a heat
    # map (it became an lhs-style scatter), with that cell marked
    d = socap.load(sweep_file, tables=["timeseries", "design"])
    des = d["design"]
    gone = des.loc[(des["model.half_life"] == 26) & (des["model.w_intro"] == 0.6), "task"]
    assert len(gone) == 2
    d["timeseries"] = d["timeseries"][~d["timeseries"]["task"].isin(gone)]
    fig = socap.fig_sweep_response(d)
    ax = fig.axes[0]
    assert "cell: mean over replicates" in ax.get_title()
    assert sum(t.get_text() == "no data\n(failed)" for t in ax.texts) == 1


def test_columns_dict_with_an_unknown_table(run_file):
    # a misspelt table name was silently ignored (in R too: tests/R)
    with pytest.raises(KeyError, match=r"unknown table\(s\) \['agent'\]"):
        socap.load(run_file, columns={"agent": ["degree"]})
    assert list(socap.load(run_file, tables=["agents"], columns={"agents": ["degree"]})["agents"].columns) == \
        ["task", "degree"]
