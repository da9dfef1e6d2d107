"""The axes of the grid, each declared once: config key, record field, table column, path tag, default, meaning.

Every other place that knows an axis reads it from :data:`AXES`: the trial
paths and their wildcard pattern (rtg/plan/grid.py), the integrity check that a
record lies at the path its own values give (rtg/collect/integrity.py), the
columns of the tables (rtg/collect/aggregate.py), the cell keys and the blog's
point (rtg/analysis/stats.py), the defaults of an earlier run's missing columns
(rtg/analysis/compare.py) and the labels of the report. A new axis is one entry
here, its key in the schema, and the code that measures it.

Paths. The blog's point of every mode axis, with the Python running snakemake,
keeps the documented short path ``results/trials/<backend>/<scenario>/n<n>/rep<rep>.json``.
Any other point lives one level down, named by its axes:
``results/trials/<mode>/<interpreter>/<backend>/<scenario>/n<n>/rep<rep>.json``, where
``<mode>`` is the executor followed by ``-<tag><value>`` for each other mode axis
off its default (``threads``, ``threads-k100``, ``processes-k10-si0.5``,
``threads-pin0``). Paths are made from values, never parsed back into values.

Standard library only: the trial process imports this module (rtg/trial/lean.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def _bool(value: Any) -> bool:
    """A config boolean: YAML gives bools, ``--config 'pin_threads=[true,false]'`` gives strings."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


@dataclass(frozen=True)
class Axis:
    """One axis of the grid. ``config_key`` holds a list of values; each trial runs one of them."""

    #: Key in config.yaml and the schema (its list of values).
    config_key: str
    #: Field of the trial record that holds the trial's value.
    field: str
    #: Column of timings.csv, threads.csv and runs.csv, and of the cell key.
    column: str
    #: The blog's point: a trial at the default of every mode axis keeps the short path.
    default: Any
    #: Config value (possibly a string from ``--config``) -> the axis's value.
    parse: Callable[[Any], Any]
    #: Tag in the mode segment of a path: ``-<tag><text>``; "" for the segment's head (the executor).
    tag: str
    #: Value -> its text in a path.
    text: Callable[[Any], str]
    #: Value -> how the report shows it; a label names the axis too: ``calls_per_thread=100``.
    show: Callable[[Any], str]
    #: One line for the docs.
    meaning: str
    #: Part of the ``<mode>`` path segment (every axis but the interpreter, which has its own segment).
    in_mode: bool = True
    #: Record -> what the trial did, when the tables show that rather than what was asked (pinning can fail).
    observed: Callable[[Mapping[str, Any]], Any] | None = None
    #: Among the key columns at the front of the tables; False for a column the tables had, elsewhere,
    #: before it became an axis (it keeps its place, so scripts reading by position still work).
    leading: bool = True

    def label(self, value: Any) -> str:
        """How a cell names its value of this axis: by the axis's name, never a bare ``1`` or ``5.0``."""
        return f"{self.field}={self.show(self.parse(value))}"

    def value(self, record: Mapping[str, Any]) -> Any:
        """This axis's value in a trial record; records from before the axis existed ran its default."""
        return self.parse(record.get(self.field, self.default))


EXECUTOR = Axis(
    config_key="executors",
    field="executor",
    column="executor",
    default="threads",
    parse=str,
    tag="",
    text=str,
    show=str,
    meaning="How the scenario's calls run: threads of one process (the blog) or one process per call.",
)
CALLS = Axis(
    config_key="calls_per_thread",
    field="calls_per_thread",
    column="calls_per_thread",
    default=1,
    parse=int,
    tag="k",
    text=lambda v: str(int(v)),
    show=lambda v: str(int(v)),
    meaning="Calls each thread makes (n split evenly): many short calls from a Python loop, as real code makes.",
)
SWITCH = Axis(
    config_key="switch_interval_ms",
    field="switch_interval_ms",
    column="switch_interval_ms",
    default=5.0,
    parse=float,
    tag="si",
    text=lambda v: f"{float(v):g}",
    show=lambda v: f"{float(v):g}",
    meaning="sys.setswitchinterval during the trial, in ms (CPython's default is 5 ms).",
)
PIN = Axis(
    config_key="pin_threads",
    field="pin_threads",
    # The tables' existing column: whether the trial's threads were pinned, one per CPU.
    column="pinned",
    default=True,
    parse=_bool,
    tag="pin",
    text=lambda v: "1" if v else "0",
    show=lambda v: "true" if v else "false",
    meaning="Pin each worker thread to its own CPU (true), or let the OS place them (false).",
    # Asked for but impossible (more threads than CPUs): the tables say the threads were not pinned.
    observed=lambda record: bool((record.get("metadata") or {}).get("pinned", False)),
    leading=False,
)
INTERPRETER = Axis(
    config_key="interpreters",
    field="interpreter",
    column="interpreter",
    default=None,  # the Python running snakemake; its label is known only at run time
    parse=str,
    tag="",
    text=str,
    show=str,
    meaning="Which Python runs the build and the trials (a GIL build, a free-threaded one, ...).",
    in_mode=False,
)

#: Every axis of the grid, in the order of the tables' columns and of the labels.
AXES: tuple[Axis, ...] = (EXECUTOR, INTERPRETER, CALLS, SWITCH, PIN)
#: The axes named by a trial path's ``<mode>`` segment, head first.
MODE_AXES: tuple[Axis, ...] = tuple(axis for axis in AXES if axis.in_mode)
#: Table columns of the axes, in order.
COLUMNS: tuple[str, ...] = tuple(axis.column for axis in AXES)
#: The axis columns at the front of timings.csv and runs.csv, after ``backend``.
LEADING_COLUMNS: tuple[str, ...] = tuple(axis.column for axis in AXES if axis.leading)
#: column -> default, for the axes that have a fixed default (the interpreter has none).
DEFAULTS: dict[str, Any] = {axis.column: axis.default for axis in AXES if axis.default is not None}
#: The wildcard pattern of a ``<mode>`` segment (Snakemake's constraint for it).
MODE_PATTERN = r"(?:threads|processes)" + "".join(rf"(?:-{axis.tag}[0-9.]+)?" for axis in MODE_AXES if axis.tag)
#: The wildcard pattern of an interpreter label (``cpython-3.13.5t``).
INTERPRETER_PATTERN = r"[a-z]+-\d+(?:\.\d+)*[a-z0-9]*t?"


def by_config_key(key: str) -> Axis:
    """The axis of a config key."""
    for axis in AXES:
        if axis.config_key == key:
            return axis
    raise KeyError(key)


def point_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """field -> the value of every axis a trial record was asked to run (the interpreter from its metadata
    if unrecorded): what its path must say."""
    out = {}
    for axis in AXES:
        if axis is INTERPRETER:
            meta = record.get("metadata") or {}
            fallback = f"{str(meta.get('python_implementation', 'cpython')).lower()}-{meta.get('python_version')}"
            out[axis.field] = str(record.get(axis.field) or fallback)
        else:
            out[axis.field] = axis.value(record)
    return out


def table_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """column -> value of every axis as the tables show it: what the trial did where an axis observes that."""
    point = point_of(record)
    return {axis.column: axis.observed(record) if axis.observed else point[axis.field] for axis in AXES}


def mode_segment(values: Mapping[str, Any]) -> str:
    """The ``<mode>`` path segment of a point (field -> value): ``threads``, ``threads-k100-si0.5``."""
    segment = ""
    for axis in MODE_AXES:
        value = axis.parse(values.get(axis.field, axis.default))
        if not axis.tag:
            segment = axis.text(value)
        elif value != axis.default:
            segment += f"-{axis.tag}{axis.text(value)}"
    return segment


def at_default_mode(values: Mapping[str, Any]) -> bool:
    """Whether every mode axis of a point is at the blog's value (the short path, with the default interpreter)."""
    return all(axis.parse(values.get(axis.field, axis.default)) == axis.default for axis in MODE_AXES)


def tail(backend: str, scenario: str, n: int, rep: int) -> str:
    """The part of every trial path below its axes."""
    return f"{backend}/{scenario}/n{int(n)}/rep{int(rep)}.json"


def trial_path(
    values: Mapping[str, Any], backend: str, scenario: str, n: int, rep: int, default_interpreter: bool
) -> str:
    """The trial file of one grid point: the short path at the blog's point, else one level down by its axes."""
    end = tail(backend, scenario, n, rep)
    if default_interpreter and at_default_mode(values):
        return f"results/trials/{end}"
    return f"results/trials/{mode_segment(values)}/{values[INTERPRETER.field]}/{end}"


def varying(table: Any, columns: Iterable[str] | None = None) -> list[str]:
    """The axis columns of a table (a DataFrame) that take more than one value in it."""
    wanted = COLUMNS if columns is None else tuple(columns)
    return [c for c in wanted if c in table.columns and table[c].nunique(dropna=False) > 1]


def label(row: Mapping[str, Any], columns: Iterable[str]) -> str:
    """How a cell names its values of the given columns: ``executor=processes, calls_per_thread=100``."""
    by_column = {axis.column: axis for axis in AXES}
    return ", ".join(
        by_column[column].label(row[column]) if column in by_column else f"{column}={row[column]}" for column in columns
    )
