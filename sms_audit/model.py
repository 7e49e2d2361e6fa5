"""The canonical evidence model: tables, columns and their pandas dtypes.

Each table is declared by a JSON Schema file in ``rules/schemas/evidence``; the
``x-dtype`` of every property maps it to a pandas dtype. Adapters produce frames
in this shape, so rules never see a source format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import pandas as pd

from rules import SCHEMAS_DIR

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
PROVENANCE_COLUMNS = (SOURCE_FILE, SOURCE_LINE)

RECORD_TYPES = ("incident", "service_request", "problem", "change", "release")

_PANDAS_DTYPES = {
    "string": "string",
    "datetime": "datetime64[us]",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    key: str
    columns: dict[str, str]  # column -> x-dtype
    # Columns computed by sms-audit (x-derived), never read from a source; a table whose schema is
    # x-derived as a whole (the integration tables) is built by the scan itself.
    derived: frozenset[str] = frozenset()
    derived_table: bool = False

    def pandas_dtype(self, column: str) -> str:
        return _PANDAS_DTYPES[self.columns[column]]

    def empty_frame(self) -> pd.DataFrame:
        return pd.DataFrame({col: pd.Series(dtype=self.pandas_dtype(col)) for col in self.columns})

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return ``frame`` with every declared column, in declared order and dtype."""
        out = {}
        for col in self.columns:
            dtype = self.pandas_dtype(col)
            if col in frame.columns:
                out[col] = frame[col].astype(dtype) if str(frame[col].dtype) != dtype else frame[col]
            else:
                out[col] = pd.Series(pd.array([None] * len(frame), dtype=dtype), index=frame.index)
        return pd.DataFrame(out, index=frame.index)


@cache
def table_specs() -> dict[str, TableSpec]:
    specs: dict[str, TableSpec] = {}
    for path in sorted((SCHEMAS_DIR / "evidence").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        columns = {name: prop["x-dtype"] for name, prop in schema["properties"].items()}
        derived = frozenset(name for name, prop in schema["properties"].items() if prop.get("x-derived"))
        specs[schema["title"]] = TableSpec(
            schema["title"], schema["description"], schema["x-key"], columns, derived, bool(schema.get("x-derived"))
        )
    return specs


def table_spec(name: str) -> TableSpec:
    specs = table_specs()
    if name not in specs:
        raise KeyError(f"unknown evidence table {name!r}; known: {', '.join(sorted(specs))}")
    return specs[name]
