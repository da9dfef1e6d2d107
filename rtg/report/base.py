"""What every section of the report is built from, and the interface a section implements.

A section is a module with ``ID`` (its HTML ``id`` and the name of its
template partial ``workflow/report/sections/<ID>.html.j2``), ``context(inputs)``
returning the variables its partial uses (names no other section uses), and
``markdown(inputs, ctx)`` returning its Markdown lines. ``rtg.report`` only
puts the sections in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Inputs:
    """The computed tables (``parts`` of ``rtg.report.build``) and what the report says about the run."""

    parts: Mapping[str, Any]
    figure_paths: Mapping[str, Path]
    environment: Mapping[str, Any]
    timings: pd.DataFrame
