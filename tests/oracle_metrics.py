#!/usr/bin/python3
"""Compare `socap metrics` with igraph and NetworkX.

Usage:
  oracle_metrics.py [--socap EXE] [--threads N] [--groups G.csv] [--nodes N]
                    [--ids int|text] [--header]
                    [--workdir DIR] [--tol 1e-9] GRAPH [GRAPH ...]
  oracle_metrics.py --gen TEST_METRICS [--socap EXE] [--workdir DIR]
  oracle_metrics.py --sim SCENARIO.yaml [--socap EXE] [--workdir DIR]

GRAPH is an edge list CSV (src,dst[,w]; '#' comments; optional header; a line
with one id declares a node) or a socap HDF5 tie snapshot FILE.h5:/network/step_NNNNNN
(datasets src, dst, w, state; only state == 1 counts). With --ids text the
CSV node ids are names (quoted as in RFC 4180 where needed) and the first
line after comments is a header if --header is given; socap's rows are then
matched to the oracle's nodes by name, and must come in ascending byte order.
EXE defaults to $SOCAP and is run as `EXE metrics GRAPH -o OUT ...`. With
--gen, graphs are written by `TEST_METRICS --write-graph` (plus an HDF5
snapshot and a copy with text names made here) and checked.
With --sim, `EXE run SCENARIO -o WORKDIR/sim.h5` is run and every snapshot in
its /network table is checked, together with the simulator's own /global row
of that step and, for the final step, its /agents metrics.

Every metric that igraph or NetworkX also computes is compared to a relative
tolerance of 1e-9 (NaN must match NaN): degree, strength, constraint (igraph,
weights), effective size (NetworkX, weight; a sample of nodes on
large graphs, plus a sparse-matrix evaluation for every node), local clustering (igraph
transitivity_local_undirected, mode nan), reach2 (igraph neighborhood order
2), exact betweenness (igraph, undirected), transitivity and components
(igraph). Support, efficiency, group diversity and the overlap-by-strength
deciles are recomputed here independently. Exits non-zero on any mismatch.
"""
import argparse
import csv
import math
import os
import subprocess
import sys

import h5py
import igraph as ig
import networkx as nx
import numpy as np


def int_csv_rows(path):
    """The data rows of an integer-id CSV edge list, as lists of fields:
    blank and # lines skipped, and the first remaining line too if its first
    field is not an integer (socap's header rule for integer ids)."""
    first = True
    with open(path) as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            fields = [x.strip() for x in s.split(",")]
            if first:
                first = False
                if not fields[0].isdigit():
                    continue
            yield fields


def load_csv(path, extra_nodes=0):
    ids, edges = set(range(extra_nodes)), []
    for fields in int_csv_rows(path):
        u = int(fields[0])
        ids.add(u)
        if len(fields) == 1:
            continue
        v = int(fields[1])
        ids.add(v)
        w = float(fields[2]) if len(fields) > 2 else 1.0
        edges.append((u, v, w))
    labels = sorted(ids)
    return labels, edges


def load_csv_text(path, header):
    """An edge list with text ids: labels in first-seen order (the oracle's
    node order, deliberately not socap's), edges by name."""
    ids, edges = {}, []
    first = True
    with open(path, newline="", encoding="utf-8") as f:
        for fields in csv.reader(line for line in f if line.strip() and not line.lstrip().startswith("#")):
            if first:
                first = False
                if header:
                    continue
            for x in fields[:2]:
                ids.setdefault(x, len(ids))
            if len(fields) >= 2:
                edges.append((fields[0], fields[1], float(fields[2]) if len(fields) > 2 else 1.0))
    return list(ids), edges


def write_text_copy(csv_path, out_path, groups_path=None):
    """The integer edge list @p csv_path (and its groups) with every id
    replaced by a name: spaces, commas, quotes and non-ASCII letters, so that
    byte order, numeric order and first-seen order all differ."""
    def name(i):
        if i % 7 == 0:
            return f"Smith, {i}"
        if i % 11 == 0:
            return f'say "{i}"'
        if i % 13 == 0:
            return f"José {i}"
        return f"n{i} x"
    with open(csv_path) as f, open(out_path, "w", newline="", encoding="utf-8") as g:
        w = csv.writer(g, lineterminator="\n")
        g.write("# text ids made from " + os.path.basename(csv_path) + "\n")
        w.writerow(["source", "target", "weight"])
        for p in int_csv_rows(csv_path):
            w.writerow([name(int(x)) for x in p[:2]] + p[2:])
    if groups_path:
        with open(groups_path) as f, open(out_path + ".groups.csv", "w", newline="", encoding="utf-8") as g:
            w = csv.writer(g, lineterminator="\n")
            for line in f:
                p = line.strip().split(",")
                w.writerow([name(int(p[0])) if p[0].isdigit() else p[0], p[1]])
    return out_path


def load_h5(path, obj, extra_nodes=0):
    """Active ties of a socap HDF5 file: OBJ is a group with src/dst/w/state
    datasets, or TABLE[/task_T]/step_N selecting rows of a table with step
    (and task) columns, like the simulator's /network. n and groups come from
    /agents (rows of that task) when present."""
    with h5py.File(path, "r") as f:
        step = task = None
        tbl = obj
        if tbl not in f:
            parts = tbl.rstrip("/").split("/")
            if parts[-1].startswith("step_"):
                step = int(parts[-1][5:])
                parts = parts[:-1]
                if parts and parts[-1].startswith("task_"):
                    task = int(parts[-1][5:])
                    parts = parts[:-1]
            tbl = "/".join(parts)
        g = f[tbl]
        col = {k: np.asarray(g[k][...]) for k in ("src", "dst", "w", "state", "step", "task") if k in g}
        sel = np.ones(len(col["src"]), dtype=bool)
        if step is not None:
            sel &= col["step"] == step
        elif "step" in col:
            assert len(np.unique(col["step"])) == 1, "several steps: select one with /step_N"
            step = int(col["step"][0])
        if "task" in col:
            if task is None:
                tasks = np.unique(col["task"][sel])
                assert len(tasks) == 1, "several tasks: select one with /task_T/step_N"
                task = int(tasks[0])
            sel &= col["task"] == task
        assert sel.any(), "no rows selected"
        sel &= col["state"] == 1
        src, dst, w = col["src"][sel], col["dst"][sel], col["w"][sel]
        n, groups = None, None
        is_sim = "global" in f or "agents" in f
        if "agents" in f and "agent" in f["agents"]:
            ag = np.asarray(f["agents/agent"][...])
            keep = np.ones(len(ag), dtype=bool)
            if task is not None and "task" in f["agents"]:
                keep = np.asarray(f["agents/task"][...]) == task
            n = int(ag[keep].max()) + 1 if keep.any() else None
            if n is not None and "group" in f["agents"]:
                gr = np.asarray(f["agents/group"][...])[keep]
                groups = dict(zip(ag[keep].tolist(), gr.tolist()))
                if len(groups) != n:
                    groups = None
        if n is None:
            for o in (g, f):
                for a in ("n_agents", "n_nodes"):
                    if n is None and a in o.attrs:
                        n = int(np.asarray(o.attrs[a]).reshape(-1)[0])
    n = max(n or 0, extra_nodes, int(max(src.max(initial=-1), dst.max(initial=-1))) + 1)
    if groups is not None and len(groups) != n:
        groups = None
    # a simulator output file (with its own records to compare), or a bare snapshot
    sim = {"path": path, "task": task, "step": step} if is_sim else None
    return list(range(n)), [(int(a), int(b), float(c)) for a, b, c in zip(src, dst, w)], groups, sim


def load(spec, extra_nodes=0, ids="int", header=False):
    """(labels, edges, groups or None, simulator info or None)"""
    if ids == "text":
        labels, edges = load_csv_text(spec, header)
        return labels, edges, None, None
    for suf in (".h5:", ".hdf5:"):
        k = spec.find(suf)
        if k >= 0:
            return load_h5(spec[: k + len(suf) - 1], spec[k + len(suf):], extra_nodes)
    labels, edges = load_csv(spec, extra_nodes)
    return labels, edges, None, None


def simple_graph(labels, edges):
    """Drop self loops, sum duplicate (undirected) edges: socap's convention."""
    index = {x: i for i, x in enumerate(labels)}
    acc = {}
    for u, v, w in edges:
        a, b = index[u], index[v]
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        acc[key] = acc.get(key, 0.0) + w
    return len(labels), acc


def close(a, b, tol):
    if isinstance(a, float) and math.isnan(a) or isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=tol, abs_tol=1e-12)


class Checker:
    def __init__(self, name, tol):
        self.name, self.tol, self.fail, self.count = name, tol, 0, 0

    def vec(self, what, got, want):
        got, want = list(got), list(want)
        self.count += 1
        if len(got) != len(want):
            self.fail += 1
            print(f"FAIL {self.name}: {what}: length {len(got)} != {len(want)}")
            return
        bad = [i for i, (a, b) in enumerate(zip(got, want)) if not close(float(a), float(b), self.tol)]
        if bad:
            self.fail += 1
            i = bad[0]
            print(f"FAIL {self.name}: {what}: {len(bad)} mismatches, first node {i}: socap {got[i]!r} vs {want[i]!r}")

    def one(self, what, got, want):
        self.vec(what, [got], [want])


def run_socap(exe, spec, out, args):
    cmd = [exe, "metrics", spec, "-o", out, "--force"] + args
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
    glob = {}
    for line in r.stdout.splitlines():
        k, v = line.split()
        glob[k] = float(v)
    return glob


def read_csv_table(path, text_ids=False):
    """socap's node table; with text ids the id column stays text (RFC 4180
    quoting undone by the csv module)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    table = {}
    for c, h in enumerate(header):
        if text_ids and h == "id":
            table[h] = np.array([r[c] for r in rows], dtype=object)
        else:
            table[h] = np.array([float(r[c]) for r in rows])
    return table


def read_h5_table(path):
    """/nodes and /global; a string id column (text ids) is decoded from UTF-8."""
    with h5py.File(path, "r") as f:
        nodes = {}
        for k in f["nodes"].keys():
            d = f["nodes"][k]
            if d.dtype.kind in "SO":
                nodes[k] = np.array(d.asstr()[...].tolist(), dtype=object)
            else:
                nodes[k] = np.asarray(d[...], dtype=float)
        cols = [c.decode() if isinstance(c, bytes) else str(c) for c in f["nodes"].attrs["columns"]]
        glob = {k: float(np.asarray(f["global"][k][...])[0]) for k in f["global"].keys()}
    return nodes, cols, glob


def effective_size_sparse(n, acc, deg):
    """Burt's weighted effective size, sum_j (1 - sum_q p_iq m_jq), from
    P = D^-1 W and M = diag(1/rowmax) W: eff_i = k_i - sum_{j in N(i)} (P M^T)_ij."""
    import scipy.sparse as sp
    if not acc:
        return [math.nan] * n
    a = np.array([k[0] for k in acc] + [k[1] for k in acc])
    b = np.array([k[1] for k in acc] + [k[0] for k in acc])
    w = np.array(list(acc.values()) * 2)
    W = sp.csr_matrix((w, (a, b)), shape=(n, n))
    s = np.asarray(W.sum(axis=1)).ravel()
    mx = np.asarray(W.max(axis=1).todense()).ravel()
    with np.errstate(divide="ignore"):
        P = sp.diags(np.where(s > 0, 1 / s, 0)) @ W
        M = sp.diags(np.where(mx > 0, 1 / mx, 0)) @ W
    R = (P @ M.T).multiply(W > 0)
    red = np.asarray(R.sum(axis=1)).ravel()
    return [deg[i] - red[i] if deg[i] else math.nan for i in range(n)]


def overlap_deciles(n, acc, rank=None):
    """Ties ranked by weight, ties in weight by (smaller, larger) node index in
    socap's order: rank[i] is node i's index there (default: i)."""
    rank = rank or list(range(n))
    nb = [set() for _ in range(n)]
    for a, b in acc:
        nb[a].add(b)
        nb[b].add(a)
    rows = []
    for (a, b), w in acc.items():
        c = len(nb[a] & nb[b])
        den = (len(nb[a]) - 1) + (len(nb[b]) - 1) - c
        if den > 0:
            ra, rb = sorted((rank[a], rank[b]))
            rows.append((w, ra, rb, c / den))
    rows.sort()
    out = [[] for _ in range(10)]
    for r, row in enumerate(rows):
        out[r * 10 // len(rows)].append(row[3])
    return [float(np.mean(x)) if x else math.nan for x in out], len(rows)


def by_name(table, labels):
    """Rows of socap's table reordered to the oracle's node order, matched by
    the text id."""
    pos = {x: i for i, x in enumerate(table["id"])}
    order = [pos.get(x, -1) for x in labels]
    if len(pos) != len(table["id"]) or -1 in order:
        return None
    return {k: v[order] for k, v in table.items()}


def check_graph(spec, exe, workdir, tol, threads, groups=None, nodes=0, ids="int", header=False):
    name = os.path.basename(spec)
    text = ids == "text"
    labels, edges, h5groups, sim = load(spec, nodes, ids, header)
    n, acc = simple_graph(labels, edges)
    pairs = list(acc.keys())
    w = [acc[p] for p in pairs]
    g = ig.Graph(n=n, edges=pairs)
    g.es["weight"] = w
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from((a, b, acc[(a, b)]) for a, b in pairs)
    deg = g.degree()

    args = ["--betweenness", "--threads", str(threads)]
    if nodes:
        args += ["--nodes", str(nodes)]
    if groups:
        args += ["--groups", groups]
    if text:
        args += ["--ids", "text", "--header" if header else "--no-header"]
    base = os.path.join(workdir, name.replace(":", "_").replace("/", "_"))
    glob_out = run_socap(exe, spec, base + ".nodes.csv", args)
    t = read_csv_table(base + ".nodes.csv", text)
    h5nodes, cols, h5glob = read_h5_table_or_none(exe, spec, base + ".nodes.h5", args)

    c = Checker(name, tol)
    if text:
        # socap's rows: every name once, in ascending byte order; then
        # compared with the oracle node by node, matched by name
        c.count += 1
        want_ids = sorted(labels, key=lambda x: x.encode("utf-8"))
        if list(t["id"]) != want_ids:
            c.fail += 1
            print(f"FAIL {name}: CSV id column is not the names in byte order")
        for what, tab in (("CSV", t), ("HDF5", h5nodes)):
            c.count += 1
            if tab is not None and list(tab["id"]) != want_ids:
                c.fail += 1
                print(f"FAIL {name}: {what} id column is not the names in byte order")
        t_sorted, h5_sorted = t, h5nodes
        t = by_name(t_sorted, labels)
        h5nodes = by_name(h5_sorted, labels) if h5_sorted is not None else None
        if t is None or (h5_sorted is not None and h5nodes is None):
            print(f"FAIL {name}: socap's ids do not match the names of the edge list")
            return c.fail + 1
    else:
        c.vec("id", t["id"], labels)
    c.vec("degree", t["degree"], deg)
    c.vec("strength", t["strength"], g.strength(weights="weight"))
    sup = [sum(x * x for x in g.es[g.incident(i)]["weight"]) for i in range(n)]
    c.vec("support", t["support"], sup)
    c.vec("constraint (igraph)", t["constraint"], g.constraint(weights="weight"))
    # NetworkX's weighted effective size is O(k^3) per node in pure Python:
    # all nodes on small graphs, else a sample (the highest-degree nodes and
    # a spread of others); every node is also checked against a sparse-matrix
    # evaluation of the same formula.
    if sum(k ** 3 for k in deg) <= 3e7:
        sample = list(range(n))
    else:
        by_deg = sorted(range(n), key=lambda i: (-deg[i], i))
        sample = sorted(set(by_deg[:5] + list(range(0, n, max(1, n // 15)))))
    esx = nx.effective_size(G, nodes=sample, weight="weight")
    c.vec(f"eff_size (networkx, {len(sample)} nodes)", t["eff_size"][sample], [esx[i] for i in sample])
    es = effective_size_sparse(n, acc, deg)
    c.vec("eff_size (sparse matrix formula)", t["eff_size"], es)
    c.vec("efficiency", t["efficiency"], [es[i] / deg[i] if deg[i] else math.nan for i in range(n)])
    c.vec("clustering (igraph)", t["clustering"], g.transitivity_local_undirected(mode="nan"))
    c.vec("reach2 (igraph)", t["reach2"], [len(x) - 1 for x in g.neighborhood(order=2)])
    c.vec("betweenness (igraph)", t["betweenness"], g.betweenness(directed=False))

    gid = h5groups
    if groups:
        gid = {}
        with open(groups, newline="", encoding="utf-8") as f:
            for p in csv.reader(f):
                if text and p[1].strip().isdigit():
                    gid[p[0]] = int(p[1])
                elif not text and p[0].strip().isdigit():
                    gid[int(p[0])] = int(p[1])
    if gid is not None:
        gr = [gid[x] for x in labels]
        ng, blau = [], []
        for i in range(n):
            nbg = [gr[j] for j in g.neighbors(i)]
            ng.append(len(set(nbg)))
            blau.append(1 - sum((nbg.count(x) / len(nbg)) ** 2 for x in set(nbg)) if nbg else math.nan)
        c.vec("n_groups", t["n_groups"], ng)
        c.vec("blau", t["blau"], blau)

    oracle_nodes = {
        "degree": deg,
        "strength": g.strength(weights="weight"),
        "support": sup,
        "constraint": g.constraint(weights="weight"),
        "eff_size": es,
        "clustering": g.transitivity_local_undirected(mode="nan"),
        "reach2": [len(x) - 1 for x in g.neighborhood(order=2)],
    }
    comps = g.connected_components()
    socap_rank = None
    if text:
        order = {x: i for i, x in enumerate(sorted(labels, key=lambda x: x.encode("utf-8")))}
        socap_rank = [order[x] for x in labels]
    dec, ne = overlap_deciles(n, acc, socap_rank)
    want_glob = {
        "n_nodes": n,
        "n_edges": len(pairs),
        "mean_degree": 2 * len(pairs) / n if n else math.nan,
        "transitivity": g.transitivity_undirected(mode="nan"),
        "largest_component": max(comps.sizes()) if n else 0,
        "n_components": len(comps),
        "overlap_edges": ne,
    }
    for b in range(10):
        want_glob[f"overlap_d{b + 1:02d}"] = dec[b]
    for k, v in want_glob.items():
        c.one(f"global {k} (stdout)", glob_out[k], float(v))
    if h5nodes is not None:
        for k, v in want_glob.items():
            if k != "overlap_edges":
                c.one(f"global {k} (/global)", h5glob[k], float(v))
        c.count += 1
        if cols[0] != "id" or set(cols) != set(t.keys()):
            c.fail += 1
            print(f"FAIL {name}: /nodes columns {cols} vs CSV {list(t.keys())}")
        for k in t:
            if h5nodes[k].dtype == object or t[k].dtype == object:
                same = list(h5nodes[k]) == list(t[k])
            else:
                same = np.array_equal(h5nodes[k], t[k], equal_nan=True)
            c.count += 1
            if not same:
                c.fail += 1
                print(f"FAIL {name}: HDF5 column {k} differs from the CSV output")
    if sim is not None:
        check_simulator_tables(c, sim, n, want_glob, oracle_nodes)
    print(f"{name}: n={n} m={len(pairs)}: {c.count} comparisons, {c.fail} failed"
          + ("" if h5nodes is not None else " (HDF5 output skipped)"))
    return c.fail


SIM_CHECKED = {"global": 0, "agents": 0}


def check_simulator_tables(c, sim, n, want_glob, oracle_nodes):
    """The simulator's own records of the snapshot step: its /global row for
    (task, step), every metric column of it, and its /agents table when the
    snapshot is the final recorded step. Compared with igraph/NetworkX as
    well. A missing row or column is a failure, not a skip."""
    def fail(msg):
        c.count += 1
        c.fail += 1
        print(f"FAIL simulator tables: {msg}")
    with h5py.File(sim["path"], "r") as f:
        if "global" not in f or "step" not in f["global"]:
            return fail("no /global table")
        gl = f["global"]
        st = np.asarray(gl["step"][...])
        sel = st == sim["step"]
        mine = np.ones(len(st), dtype=bool)
        if sim["task"] is not None and "task" in gl:
            mine = np.asarray(gl["task"][...]) == sim["task"]
        rows = np.flatnonzero(sel & mine)
        if len(rows) != 1:
            return fail(f"{len(rows)} /global rows for step {sim['step']} (want 1: snapshots at recorded steps)")
        r = rows[0]
        want = {k: v for k, v in want_glob.items() if k not in ("n_nodes", "overlap_edges")}
        want["n_active_ties"] = want_glob["n_edges"]
        del want["n_edges"]
        for k, v in want.items():
            if k not in gl:
                fail(f"/global has no column {k}")
            else:
                c.one(f"simulator /global {k}", float(gl[k][r]), float(v))
        SIM_CHECKED["global"] += 1
        if sim["step"] == st[mine].max():
            if "agents" not in f:
                return fail("no /agents table")
            ag = f["agents"]
            keep = np.ones(len(ag["agent"]), dtype=bool)
            if sim["task"] is not None and "task" in ag:
                keep = np.asarray(ag["task"][...]) == sim["task"]
            order = np.argsort(np.asarray(ag["agent"][...])[keep])
            for k, want_v in oracle_nodes.items():
                if k not in ag:
                    fail(f"/agents has no column {k}")
                else:
                    got = np.asarray(ag[k][...])[keep][order].astype(float)
                    c.vec(f"simulator /agents {k}", got, want_v)
            SIM_CHECKED["agents"] += 1


def read_h5_table_or_none(exe, spec, out, args):
    run_socap(exe, spec, out, args)
    return read_h5_table(out)


def write_snapshot(csv_path, h5_path, n_extra=5):
    """An HDF5 tie snapshot like the simulator's: dormant (state 0) rows are ignored."""
    labels, edges = load_csv(csv_path)
    idx = {x: i for i, x in enumerate(labels)}
    rng = np.random.default_rng(5)
    src, dst, w, st = [], [], [], []
    for u, v, x in edges:
        src.append(idx[u])
        dst.append(idx[v])
        w.append(x)
        st.append(1)
        if rng.random() < 0.1:  # a dormant tie, to be ignored
            a, b = rng.integers(0, len(labels), 2)
            src.append(int(a))
            dst.append(int(b))
            w.append(0.01)
            st.append(0)
    with h5py.File(h5_path, "w") as f:
        g = f.create_group("network/step_000052")
        g["src"] = np.array(src, dtype=np.int32)
        g["dst"] = np.array(dst, dtype=np.int32)
        g["w"] = np.array(w, dtype=np.float64)
        g["state"] = np.array(st, dtype=np.uint8)
        g.attrs["n_agents"] = np.int64(len(labels) + n_extra)
    return h5_path + ":/network/step_000052"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="*")
    ap.add_argument("--socap", default=os.environ.get("SOCAP"))
    ap.add_argument("--gen")
    ap.add_argument("--sim", help="run `socap run SIM -o WORKDIR/sim.h5` and check every /network snapshot")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--groups")
    ap.add_argument("--nodes", type=int, default=0)
    ap.add_argument("--ids", choices=("int", "text"), default="int", help="node ids of GRAPH CSVs")
    ap.add_argument("--header", action="store_true", help="with --ids text: GRAPH CSVs have a header line")
    ap.add_argument("--tol", type=float, default=1e-9)
    a = ap.parse_args()
    if not a.socap:
        sys.exit("no socap executable: pass --socap or set SOCAP")
    workdir = a.workdir or os.path.join(os.getcwd(), "oracle_metrics_out")
    os.makedirs(workdir, exist_ok=True)
    fails = 0
    for spec in a.graphs:
        fails += check_graph(spec, a.socap, workdir, a.tol, a.threads, a.groups, a.nodes, a.ids, a.header)
    if a.gen:
        cases = [("weighted_1500.csv", 1500, 1, False, True),
                 ("unit_900.csv", 900, 2, True, False),
                 ("weighted_400.csv", 400, 3, False, False)]
        for fname, n, seed, unit, with_groups in cases:
            path = os.path.join(workdir, fname)
            cmd = [a.gen, "--write-graph", path, str(n), str(seed)] + (["unit"] if unit else [])
            subprocess.run(cmd, check=True)
            fails += check_graph(path, a.socap, workdir, a.tol, a.threads,
                                 path + ".groups.csv" if with_groups else None)
        snap = write_snapshot(os.path.join(workdir, "weighted_400.csv"), os.path.join(workdir, "snap.h5"))
        fails += check_graph(snap, a.socap, workdir, a.tol, 1)
        # the 1500-node graph again with text names (and groups by name)
        src = os.path.join(workdir, "weighted_1500.csv")
        named = write_text_copy(src, os.path.join(workdir, "names_1500.csv"), src + ".groups.csv")
        fails += check_graph(named, a.socap, workdir, a.tol, a.threads, named + ".groups.csv", ids="text", header=True)
    if a.sim:
        out = os.path.join(workdir, "sim.h5")
        if os.path.exists(out):
            os.remove(out)
        subprocess.run([a.socap, "run", a.sim, "-o", out, "--quiet"], check=True)
        with h5py.File(out, "r") as f:
            keys = sorted(set(zip(np.asarray(f["network/task"][...]).tolist(),
                                  np.asarray(f["network/step"][...]).tolist())))
        for task, step in keys:
            fails += check_graph(f"{out}:/network/task_{task}/step_{step:06d}", a.socap, workdir, a.tol, a.threads)
        # the scenario must give something to compare: two snapshots or more,
        # each with its /global row, and the final one with /agents
        if len(keys) < 2 or SIM_CHECKED["global"] != len(keys) or SIM_CHECKED["agents"] < 1:
            print(f"FAIL --sim compared too little: {len(keys)} snapshots, {SIM_CHECKED}")
            fails += 1
    if not a.graphs and not a.gen and not a.sim:
        sys.exit("nothing to check: give GRAPH arguments or --gen")
    print("OK" if fails == 0 else f"{fails} FAILED")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
