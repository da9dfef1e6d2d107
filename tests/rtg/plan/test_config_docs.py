"""The config table of docs/configuration.md is generated from the schema, and stays so."""

import yaml

from rtg.plan import config_docs
from rtg.plan.config import load_schema


def test_every_key_has_a_description():
    assert config_docs.undescribed(load_schema(config_docs.SCHEMA)) == []


def test_configuration_md_holds_the_table_generated_from_the_schema():
    """Fails when a key changed without `python -m rtg.plan.config_docs --write`."""
    table = config_docs.config_table(load_schema(config_docs.SCHEMA))
    assert config_docs.table_in(config_docs.DOC.read_text(encoding="utf-8")) == table


def test_the_table_has_one_row_per_key_with_the_shipped_default():
    schema = load_schema(config_docs.SCHEMA)
    shipped = yaml.safe_load((config_docs.ROOT / "config.yaml").read_text(encoding="utf-8"))
    rows = config_docs.config_table(schema).splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == [f"| `{key}`" for key in schema["properties"]]
    for row, key in zip(rows, schema["properties"], strict=True):
        shown = row.split(" | ")[1].strip("`")
        assert yaml.safe_load(shown) == shipped[key], key  # the default reads back as config.yaml's value


def test_a_description_is_one_cell_whatever_it_holds():
    schema = {"properties": {"k": {"description": "a | b\n  c", "default": ["-O2", "x"]}, "bare": {}}}
    assert config_docs.config_table(schema).splitlines()[2:] == [
        '| `k` | `["-O2", x]` | a \\| b c |',
        "| `bare` |  |  |",
    ]
    assert config_docs.undescribed(schema) == ["bare"]


def test_write_replaces_only_the_text_between_the_markers():
    document = f"intro\n{config_docs.TABLE_START} (generated) -->\nold table\n{config_docs.TABLE_END}\nafter\n"
    written = config_docs.with_table(document, "new table\n")
    assert written == f"intro\n{config_docs.TABLE_START} (generated) -->\nnew table\n{config_docs.TABLE_END}\nafter\n"
    assert config_docs.table_in(written) == "new table\n"
