"""The style every figure shares: colours per scenario, the Agg backend, placeholders, saving.

One module so that a scenario has the same colour in every figure of the
report, whatever family draws it. Colours come from colour-blind-safe palettes
(Okabe-Ito for the two thread kinds and the blog's scenarios).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from rtg.analysis import stats
from rtg.core.scenarios import scenario_sort_key

#: Okabe-Ito orange / blue: distinguishable with every common colour-vision deficiency.
TOKEN_COLOURS = {"gil": "#E69F00", "nogil": "#0072B2"}


DPI = 110


def scenario_order(scenarios: Iterable[str]) -> list[str]:
    """The blog's order first, then any other scenario by thread count and name."""
    return sorted(dict.fromkeys(scenarios), key=scenario_sort_key)


#: Okabe-Ito colours per scenario: single gil/nogil match the thread colours,
#: and no two scenarios share a hue family.
SCENARIO_COLOURS = {
    "gil": "#E69F00",
    "nogil": "#0072B2",
    "gil+gil": "#D55E00",
    "nogil+gil": "#009E73",
    "gil+nogil": "#CC79A7",
    "nogil+nogil": "#56B4E9",
}


EXTRA_COLOURS = ("#000000", "#F0E442", "#999999", "#7F3C8D", "#11A579")


def scenario_palette(scenarios: Iterable[str]) -> dict[str, str]:
    """Fixed colour per scenario (the same in every figure), extras in a fixed sequence."""
    order = scenario_order(scenarios)
    extras = iter(EXTRA_COLOURS * (1 + len(order) // len(EXTRA_COLOURS)))
    return {s: SCENARIO_COLOURS[s] if s in SCENARIO_COLOURS else next(extras) for s in order}


def fmt_n(n: float) -> str:
    exponent = int(np.floor(np.log10(n))) if n > 0 else 0
    mantissa = n / 10**exponent
    return f"{mantissa:g}e{exponent}" if mantissa != 1 else f"1e{exponent}"


def style() -> None:
    plt.switch_backend("Agg")  # files only: never open a window, work without a display
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)


def placeholder(message: str) -> Figure:
    """A figure that says what is missing, so the report keeps its layout and says why."""
    fig, ax = plt.subplots(figsize=(8, 2.2))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, wrap=True)
    fig.suptitle("Not enough data for this figure", fontsize=11)
    return fig


def fold_axes(frames: list[pd.DataFrame], varying: list[str]) -> list[pd.DataFrame]:
    """Fold optional axes (executor, interpreter, ...) into the backend label.

    The figures facet by backend and colour by scenario; an extra axis with
    several values becomes part of the facet ("cython · processes"), so no
    two cells ever share one (backend, scenario, n) position. Axes with a
    single value are dropped (they are stated in the environment section).
    """
    folded = []
    for frame in frames:
        frame = frame.copy()
        present = [c for c in varying if c in frame.columns]
        if present:
            labels = frame[present].astype(str).agg(" · ".join, axis=1)
            frame["backend"] = frame["backend"].astype(str) + " · " + labels
        extra = [c for c in stats.OPTIONAL_KEY_COLUMNS if c in frame.columns]
        folded.append(frame.drop(columns=extra))
    return folded


def save(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as PNG and close it (figures are large; close them)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, format="png")
    plt.close(figure)
    return path


def close(figure: Figure) -> None:
    """Close a figure that is not saved (figures are large; every one is closed)."""
    plt.close(figure)
