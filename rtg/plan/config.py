"""Config checking with errors a user can act on, before any job starts.

Snakemake's ``validate`` is the authority (it also fills in defaults), but its
message for some errors prints the whole schema. So the config is first
normalised (``--config`` hands list items over as strings) and checked here
with the same JSON schema, and the first problem is reported in one paragraph
that names the key, the offending value and what is allowed.
"""

from __future__ import annotations

import decimal
import math
import re
from pathlib import Path
from typing import Any

import yaml

#: A number in decimal or scientific notation, as users write it: 2000000, 1_000, 1e9, 2.5e8, 0.01.
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$")


class ConfigError(ValueError):
    """A config value is not allowed; the message is meant for the user.

    The message is always one paragraph: any output it quotes (an
    interpreter's, say) has its line breaks folded into spaces.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


def load_schema(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _as_int(value: Any) -> Any:
    """A whole number however it is written ("2000000", "1_000", "1e9", 2.5e8, 1e9 as a float) -> int.

    YAML reads ``1e9`` as a string and ``--config`` as a float: both mean a
    billion. A value that is not a whole number ("1.5e0", 2.5) is left alone
    for the schema to refuse with the usual message.
    """
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        try:
            number = decimal.Decimal(value.strip().replace("_", ""))
        except decimal.InvalidOperation:
            return value
        if number.is_finite() and number == number.to_integral_value() and number.adjusted() < 100:
            return int(number)
    return value


def _as_number(value: Any) -> Any:
    """A number written as text ("0.01", "1e-2", "30") -> int or float; anything else unchanged."""
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        whole = _as_int(value)
        if isinstance(whole, int):
            return whole
        number = float(value.strip().replace("_", ""))
        return number if math.isfinite(number) else value
    return value


def _as_list(value: Any) -> Any:
    """``--config backends=cython`` gives a plain string, and ``pin_threads: true`` was a scalar before it
    became an axis: accept either as a one-item list."""
    return [value] if isinstance(value, (str, int, float, bool)) else value


def _types(spec: dict) -> set[str]:
    """The JSON types a schema property allows (``type`` or the branches of ``oneOf``)."""
    kinds = spec.get("type", [])
    found = set(kinds if isinstance(kinds, list) else [kinds])
    for branch in spec.get("oneOf", []):
        found |= _types(branch)
    return found


def _coerce(value: Any, spec: dict) -> Any:
    """Turn text into the scalar type ``spec`` asks for, when it reads as one; never guess otherwise."""
    kinds = _types(spec)
    if isinstance(value, bool):
        return value
    if "integer" in kinds:
        return _as_int(value)
    if "number" in kinds:
        return _as_number(value)
    if "boolean" in kinds and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def normalise(config: dict, schema: dict) -> None:
    """Coerce command-line and YAML text in place to the types the schema asks for.

    ``--config`` hands list items and mapping values over as strings, and
    YAML reads ``1e9`` as a string; a value that does not read as the wanted
    type is left as it is, for ``problems`` to name.
    """
    for key, spec in schema.get("properties", {}).items():
        if key not in config:
            continue
        value = config[key]
        if "array" in _types(spec):
            value = _as_list(value)
            if isinstance(value, list):
                value = [_coerce(item, spec.get("items", {})) for item in value]
        elif "object" in _types(spec):
            if isinstance(value, dict) and isinstance(spec.get("additionalProperties"), dict):
                value = {k: _coerce(v, spec["additionalProperties"]) for k, v in value.items()}
        else:
            value = _coerce(value, spec)
        config[key] = value


def _shown(value: Any, limit: int = 200) -> str:
    """``repr`` on one line, cut to ``limit`` characters: a message stays one readable paragraph."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def _describe(schema: dict, key: str) -> str:
    return schema["properties"][key].get("description", "see workflow/schemas/config.schema.yaml").strip()


def problems(config: dict, schema: dict) -> list[str]:
    """Every problem in ``config`` as a one-paragraph message naming key and allowed values."""
    import jsonschema

    allowed_keys = sorted(schema.get("properties", {}))
    messages = []
    for key in sorted(set(config) - set(allowed_keys), key=str):
        messages.append(f"Unknown config key {_shown(key)}. Allowed keys: {', '.join(allowed_keys)}.")
    known = {k: v for k, v in config.items() if k in allowed_keys}
    validator = jsonschema.Draft202012Validator({**schema, "additionalProperties": True})
    for error in sorted(validator.iter_errors(known), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        if not path:
            continue
        key = str(path[0])
        where = f"'{key}'" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in path[1:])
        messages.append(
            f"Invalid config value {where} = {_shown(error.instance)}: {key} must be {_describe(schema, key)}."
        )
    return messages


def check(config: dict, schema_path: Path) -> None:
    """Normalise ``config`` in place and raise ``ConfigError`` on the first problem found."""
    schema = load_schema(schema_path)
    normalise(config, schema)
    found = problems(config, schema)
    if found:
        raise ConfigError(found[0] + (f" ({len(found) - 1} more problem(s) after this one.)" if len(found) > 1 else ""))
