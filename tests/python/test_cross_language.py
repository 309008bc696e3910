"""Python and R return the same tables, columns, categories and numbers for the same file.

R side: tests/R/export_csv.R (socap_load -> CSV with 17 significant digits).
"""

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import socap

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT = os.path.join(HERE, "..", "R", "export_csv.R")
RSCRIPT = shutil.which("Rscript")

R_CLASS = {"i": {"integer", "numeric"}, "u": {"integer", "numeric"}, "f": {"numeric"}, "O": {"character"}}


@pytest.mark.skipif(RSCRIPT is None, reason="Rscript not installed (apt-get install r-base-core r-cran-hdf5r)")
@pytest.mark.parametrize("which", ["run", "sweep"])
def test_python_and_r_agree(which, socap_files, tmp_path):
    path = socap_files[which]
    out = tmp_path / "r"
    r = subprocess.run([RSCRIPT, EXPORT, path, str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    py = socap.load(path)
    meta = pd.read_csv(out / "meta.csv", keep_default_na=False)
    version, params = (out / "attrs.txt").read_text().split("\n")[:2]
    assert version == py.schema_version
    assert (params.split("|") if params else []) == py.design_params
    assert list(meta["table"].drop_duplicates()) == list(py.keys())
    for t, df in py.items():
        m = meta[meta["table"] == t]
        assert list(m["column"]) == list(df.columns), t
        rdf = pd.read_csv(out / f"{t}.csv", keep_default_na=False, dtype=str)
        assert len(rdf) == len(df), t
        for c, cls, levels in zip(m["column"], m["class"], m["levels"]):
            v = df[c]
            if isinstance(v.dtype, pd.CategoricalDtype):
                assert cls == "factor", (t, c)
                assert levels.split("|") == list(v.cat.categories), (t, c)
                assert rdf[c].tolist() == v.astype(str).tolist(), (t, c)
            elif v.dtype.kind == "O":
                assert cls == "character", (t, c)
                assert rdf[c].tolist() == v.tolist(), (t, c)
            else:
                assert cls in R_CLASS[v.dtype.kind], (t, c, cls, v.dtype)
                # Python's float() parses the 17-digit text exactly (pandas' fast parser may not)
                rv = np.array([float("nan") if x in ("NA", "NaN") else float(x) for x in rdf[c]])
                np.testing.assert_array_equal(rv, v.to_numpy(dtype=float), err_msg=f"{t}.{c}")
