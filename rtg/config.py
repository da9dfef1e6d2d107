"""Config checking with errors a user can act on, before any job starts.

Snakemake's ``validate`` is the authority (it also fills in defaults), but its
message for some errors prints the whole schema. So the config is first
normalised (``--config`` hands list items over as strings) and checked here
with the same JSON schema, and the first problem is reported in one paragraph
that names the key, the offending value and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

_INT = re.compile(r"^[+-]?\d[\d_]*$")
#: Keys whose list items must be integers even when given on the command line.
INTEGER_LIST_KEYS = ("n_values",)
INTEGER_KEYS = ("repetitions",)


class ConfigError(ValueError):
    """A config value is not allowed; the message is meant for the user."""


def load_schema(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _as_int(value: Any) -> Any:
    """Turn digit strings ("2000000", "1_000") into ints; leave anything else alone."""
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip().replace("_", ""))
    return value


def _as_list(value: Any) -> Any:
    """``--config backends=cython`` gives a plain string: accept it as a one-item list."""
    return [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value


def normalise(config: dict, schema: dict) -> None:
    """Coerce command-line strings in place to the types the schema asks for."""
    for key, spec in schema.get("properties", {}).items():
        if key not in config:
            continue
        if spec.get("type") == "array":
            config[key] = _as_list(config[key])
        if key in INTEGER_LIST_KEYS and isinstance(config[key], list):
            config[key] = [_as_int(v) for v in config[key]]
        if key in INTEGER_KEYS:
            config[key] = _as_int(config[key])
        if spec.get("type") == "boolean" and isinstance(config[key], str):
            lowered = config[key].strip().lower()
            if lowered in ("true", "false"):
                config[key] = lowered == "true"


def _describe(schema: dict, key: str) -> str:
    return schema["properties"][key].get("description", "see workflow/schemas/config.schema.yaml").strip()


def problems(config: dict, schema: dict) -> list[str]:
    """Every problem in ``config`` as a one-paragraph message naming key and allowed values."""
    import jsonschema

    allowed_keys = sorted(schema.get("properties", {}))
    messages = []
    for key in sorted(set(config) - set(allowed_keys)):
        messages.append(f"Unknown config key '{key}'. Allowed keys: {', '.join(allowed_keys)}.")
    known = {k: v for k, v in config.items() if k in allowed_keys}
    validator = jsonschema.Draft202012Validator({**schema, "additionalProperties": True})
    for error in sorted(validator.iter_errors(known), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        if not path:
            continue
        key = str(path[0])
        where = f"'{key}'" + "".join(f"[{p}]" for p in path[1:])
        messages.append(f"Invalid config value {where} = {error.instance!r}: {key} must be {_describe(schema, key)}.")
    return messages


def check(config: dict, schema_path: Path) -> None:
    """Normalise ``config`` in place and raise ``ConfigError`` on the first problem found."""
    schema = load_schema(schema_path)
    normalise(config, schema)
    found = problems(config, schema)
    if found:
        raise ConfigError(found[0] + (f" ({len(found) - 1} more problem(s) after this one.)" if len(found) > 1 else ""))
