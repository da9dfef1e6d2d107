"""The table of config keys in docs/configuration.md, generated from the config schema.

Every key is described in one place: the ``description`` of its property in
``workflow/schemas/config.schema.yaml`` (what is allowed, then in brackets what
it means; a Config error shows the same text). This module turns the schema
into the Markdown table of docs/configuration.md, between two marker lines.

    python -m rtg.plan.config_docs            # print the table
    python -m rtg.plan.config_docs --write    # rewrite it in docs/configuration.md
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from rtg.plan.config import load_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
DOC = ROOT / "docs" / "configuration.md"
#: The table sits between the line that starts with TABLE_START and the line TABLE_END.
TABLE_START = "<!-- config-table:start"
TABLE_END = "<!-- config-table:end -->"

#: A string shown as it is in config.yaml, without quotes (auto, cython, nogil+gil).
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+/]*$")


def yaml_value(value: Any) -> str:
    """``value`` in the flow style of config.yaml: ``[cython, numba]``, ``{python: 0.01}``, ``true``, ``auto``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {yaml_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, str) and not _PLAIN.match(value):
        return json.dumps(value)
    return str(value)


def _cell(text: str) -> str:
    """One table cell: the text on one line, a literal ``|`` escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def config_table(schema: dict) -> str:
    """The Markdown table of every config key, in the schema's order: key, default, description."""
    rows = ["| key | default | description |", "| --- | --- | --- |"]
    for key, spec in schema["properties"].items():
        default = f"`{yaml_value(spec['default'])}`" if "default" in spec else ""
        rows.append(f"| `{key}` | {default} | {_cell(spec.get('description', ''))} |")
    return "\n".join(rows) + "\n"


def undescribed(schema: dict) -> list[str]:
    """The keys whose property has no description (the table needs one for each)."""
    return [key for key, spec in schema["properties"].items() if not str(spec.get("description", "")).strip()]


def table_in(document: str) -> str:
    """The text between the two marker lines of ``document`` (raises ValueError without both)."""
    start = document.index(TABLE_START)
    first = document.index("\n", start) + 1
    return document[first : document.index(TABLE_END, first)]


def with_table(document: str, table: str) -> str:
    """``document`` with the text between the two marker lines replaced by ``table``."""
    start = document.index(TABLE_START)
    first = document.index("\n", start) + 1
    return document[:first] + table + document[document.index(TABLE_END, first) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite the table in {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    table = config_table(load_schema(SCHEMA))
    if args.write:
        DOC.write_text(with_table(DOC.read_text(encoding="utf-8"), table), encoding="utf-8")
    else:
        print(table, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
