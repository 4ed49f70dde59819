"""The /rekap chart: one bar per unit, stacked by how far its people got
with a stage, in percent, labelled to be read on a phone. Drawn with
matplotlib's object API (no pyplot, no display), to PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from flows.messages import Msg
from flows.recap import BUCKETS, StageCount

COLOURS = {"selesai": "#2e7d32", "menunggu": "#f9a825", "draf": "#64b5f6", "belum": "#c62828"}
MAX_LABEL = 28  # unit names longer than this are cut, so the bars keep their room


def stage_chart(title: str, units: Sequence[StageCount], render: Callable[[Msg], str]) -> bytes:
    height = 1.6 + 0.42 * max(len(units), 1)
    fig = Figure(figsize=(7.2, height), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    names = [_short(u.unit) for u in units]
    left = [0.0] * len(units)
    for name in BUCKETS:
        shares = [100 * u.share(name) for u in units]
        bars = ax.barh(names, shares, left=left, color=COLOURS[name],
                       label=render(Msg(f"recap.bucket_{name}")), height=0.7)
        labels = [f"{u.counts[name]}" if share >= 8 else "" for u, share in zip(units, shares, strict=True)]
        ax.bar_label(bars, labels=labels, label_type="center", color="white", fontsize=8, fontweight="bold")
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.invert_yaxis()  # the first unit on top, as in the text
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(ncols=len(BUCKETS), loc="outside lower center", fontsize=8, frameon=False)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[:MAX_LABEL - 1] + "…"
