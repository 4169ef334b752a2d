"""An independent reader of a dbsub extract: Python's csv and zstandard modules, the manifest,
and the source SQLite database. Every row of every part must equal the source row with the
same primary key, value by value, after the archive's documented text rules (docs/archive.md).

Usage: read_extract.py SUBSET_DIR SOURCE_DB
"""

import csv
import io
import json
import sqlite3
import sys
from decimal import Decimal

import zstandard


def expected_text(value, neutral):
    """The CSV text of a SQLite value, by the column's neutral type (None: NULL)."""
    if value is None:
        return None
    kind = neutral["type"]
    if kind in ("timestamp", "date", "timestamp_tz"):
        return value.replace(" ", "T")
    if kind == "decimal":
        if isinstance(value, float):
            text = repr(value)
            return text[:-2] if text.endswith(".0") else text
        return str(value)
    if kind == "binary" or (kind == "lob" and neutral.get("lob") == "binary"):
        return value.hex()
    return str(value)


def same_number(a, b):
    return Decimal(a) == Decimal(b)


def main(subset_dir, source_db):
    with open(f"{subset_dir}/manifest.json", encoding="utf-8") as f:
        manifest = json.load(f)
    assert manifest["format"] == "dbsub-extract" and manifest["format_version"] == 1
    db = sqlite3.connect(source_db)
    total = 0
    for table in manifest["tables"]:
        columns = table["columns"]
        names = [c["name"] for c in columns]
        pk = table["primary_key"]
        select = ", ".join(f'"{n}"' for n in names)
        where = " AND ".join(f'"{k}" = ?' for k in pk)
        rows = 0
        for part in table["parts"]:
            raw = open(f"{subset_dir}/{part['key']}", "rb").read()
            import hashlib
            assert hashlib.sha256(raw).hexdigest() == part["sha256"], part["key"]
            assert len(raw) == part["bytes"], part["key"]
            text = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read().decode("utf-8")
            reader = csv.reader(io.StringIO(text, newline=""))
            assert next(reader) == names, part["key"]
            for record in reader:
                rows += 1
                key = [record[names.index(k)] for k in pk]
                source = db.execute(f'SELECT {select} FROM "{table["name"]}" WHERE {where}', key).fetchone()
                assert source is not None, (table["name"], key)
                for column, got, value in zip(columns, record, source):
                    want = expected_text(value, column["type"])
                    if want is None or want == "":
                        # csv cannot tell NULL from "": the Rust tests check that.
                        assert got == "", (table["name"], column["name"], got, value)
                    elif column["type"]["type"] == "decimal":
                        assert same_number(got, want), (table["name"], column["name"], got, want)
                    else:
                        assert got == want, (table["name"], column["name"], got, want)
        assert rows == table["rows"], (table["name"], rows, table["rows"])
        total += rows
    print(f"{total} rows match the source in {len(manifest['tables'])} tables")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
