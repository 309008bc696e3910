"""Shared fixtures of the reader tests: real socap output made once per session.

Needs SOCAP (the socap executable; ctest sets it). The files are made by
make_fixtures.py: a run, and a merged sweep (`socap sweep` + `socap merge`).
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)

import make_fixtures  # noqa: E402


@pytest.fixture(scope="session")
def socap_files(tmp_path_factory):
    if not os.environ.get("SOCAP"):
        pytest.fail("set SOCAP to the socap executable (ctest does this)")
    d = tmp_path_factory.mktemp("socap_out")
    run, sweep = make_fixtures.make_all(str(d))
    return {"run": run, "sweep": sweep, "dir": str(d)}


@pytest.fixture(scope="session")
def run_file(socap_files):
    return socap_files["run"]


@pytest.fixture(scope="session")
def sweep_file(socap_files):
    return socap_files["sweep"]
