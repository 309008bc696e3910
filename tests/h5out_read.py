"""Check with h5py that a socap sample file (written by `test_h5out PATH`) is readable.

Mirrors the value formulas in tests/test_h5out.c. Exit 77 (skip) without h5py.
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e}")
    sys.exit(77)


def s(v):
    """Decode a fixed-length string attribute (h5py gives numpy bytes)."""
    assert isinstance(v, (bytes, np.bytes_)), type(v)
    return v.decode("ascii")


def main(path):
    n = 2500
    i = np.arange(n, dtype=np.int64)
    expect = {
        "id": ("<i4", "1", "agent id", (i * 7 - 5000).astype(np.int32)),
        "big": ("<i8", "step", "a 64-bit counter", i * 4294967311 - 3),
        "x": ("<f8", "hour", "a double", i * 0.125 - 100.0),
        "y": ("<f4", "1", "a float", (i * 0.5).astype(np.float32)),
        "state": ("|u1", "1", "a state code", (i % 251).astype(np.uint8)),
    }
    with h5py.File(path, "r") as f:
        g = f["results/run0/agents"]
        cols = [s(c) for c in g.attrs["columns"]]
        assert cols == ["id", "big", "x", "y", "state"], cols
        assert s(g.attrs["description"]) == "per-agent sample"
        for name, (dt, units, desc, values) in expect.items():
            d = g[name]
            assert d.dtype == np.dtype(dt), (name, d.dtype)
            assert d.shape == (n,) and d.maxshape == (None,), (name, d.shape, d.maxshape)
            assert d.chunks == (1000,), d.chunks
            assert d.shuffle and d.compression == "gzip" and d.compression_opts == 4
            assert s(d.attrs["units"]) == units
            assert s(d.attrs["description"]) == desc
            assert np.array_equal(d[()], values), name

        e = f["empty"]
        assert [s(c) for c in e.attrs["columns"]] == ["x", "y"]
        assert e["x"].shape == (0,) and e["y"].shape == (0,)

        assert s(f.attrs["title"]) == "socap sample"
        assert [s(v) for v in f.attrs["states"]] == ["susceptible", "I", "recovered"]
        assert int(f.attrs["seed"]) == -1234567890123
        assert float(f.attrs["lambda"]) == 0.1

        text = s(f["provenance/config"][()])
        assert len(text) == 40000 and text.startswith("abcdefghij"), len(text)
        assert s(f["provenance/config"].attrs["description"]) == "resolved config"
    print(f"{path}: OK")


if __name__ == "__main__":
    main(sys.argv[1])
