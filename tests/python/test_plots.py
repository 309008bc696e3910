"""Every standard figure renders a non-empty PNG of the documented size from real socap output."""

import os
import struct
import subprocess
import sys

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
    fig.savefig(tmp_path / "c.png", dpi=socap.DPI)
    assert_png(tmp_path / "c.png")
