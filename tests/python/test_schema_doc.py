"""docs/schema.md documents every table and column that socap writes (with its type and units)."""

import os
import re

import socap

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schema.md")


def test_schema_doc_covers_files(run_file, sweep_file):
    text = open(DOC).read()
    m = re.search(r"socap_schema_version`.*?`\"(\d+\.\d+)\"`", text)
    assert m and m.group(1) == socap.schema_version(run_file)
    rows = {}
    table = None
    for line in text.splitlines():
        if line.startswith("### /"):
            table = line[5:].strip()
        mm = re.match(r"\| `([^`]+)` \| (\S+) \| (\S+) \|", line)
        if table and mm:
            rows[(table, mm.group(1))] = (mm.group(2), mm.group(3))
    missing = []
    written = set()
    for path in (run_file, sweep_file):
        for r in socap.column_info(path).itertuples():
            written.add((r.table, r.column))
            got = rows.get((r.table, r.column))
            if got != (r.dtype, r.units):
                missing.append(f"/{r.table}/{r.column} ({r.dtype}, {r.units}): doc has {got}")
    # and the other way: a documented column that neither file has was
    # renamed or dropped (the fixtures write every table and option)
    for table, column in rows:
        if (table, column) not in written:
            missing.append(f"/{table}/{column} is documented but written by neither {run_file} nor {sweep_file}")
    assert not missing, ("docs/schema.md is out of date; regenerate it (see its 'Column reference'):\n"
                         + "\n".join(missing))


def test_schema_doc_generated_section_is_current(run_file, sweep_file):
    """The generated column reference is what `socap.py schema --update` writes
    now (descriptions and codebooks too, not only names, types and units)."""
    text = open(DOC).read()
    a, b = text.index(socap.SCHEMA_BEGIN), text.index(socap.SCHEMA_END)
    doc = text[a + len(socap.SCHEMA_BEGIN):b].strip()
    assert doc == socap.schema_markdown(run_file, sweep_file).strip(), (
        "docs/schema.md's generated section is out of date; regenerate it (see its 'Column reference')")
