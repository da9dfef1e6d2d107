"""The figures, embedded as PNG data URIs so the page needs no other file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rtg.figures import blog
from rtg.report.base import Inputs
from rtg.report.fmt import png_data_uri

ID = "figures"


def context(inputs: Inputs) -> dict[str, Any]:
    return {
        "figures": [
            {"name": name, "caption": blog.FIGURES[name], "src": png_data_uri(path)}
            for name, path in inputs.figure_paths.items()
            if name in blog.FIGURES  # the race section shows its own
        ]
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return ["## Figures", "", *[f"- `figures/{f['name']}.png`: {f['caption']}" for f in ctx["figures"]], ""]
