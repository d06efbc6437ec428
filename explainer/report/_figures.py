"""Figures as self-contained data URIs, each with a data table beside it in the report."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["bar_chart", "curve_chart", "dependence_chart"]


def _to_data_uri(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def bar_chart(labels: list[str], values: list[float], lows: list[float] | None = None,
              highs: list[float] | None = None, *, xlabel: str = "share of influence (%)",
              scale: float = 100.0) -> str:
    """Horizontal bars with optional interval whiskers, as an SVG data URI."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "explainer"
    order = np.argsort(values)
    v = np.asarray(values, dtype=float)[order] * scale
    lab = [labels[i] for i in order]
    fig, ax = plt.subplots(figsize=(6.4, 0.42 * len(v) + 1.0))
    xerr = None
    if lows is not None and highs is not None:
        lo = np.asarray(lows, dtype=float)[order] * scale
        hi = np.asarray(highs, dtype=float)[order] * scale
        xerr = np.vstack([v - lo, hi - v]).clip(min=0)
    ax.barh(lab, v, xerr=xerr, color="#2f5f8f", ecolor="#222222", capsize=3)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _to_data_uri(fig)


def dependence_chart(table: pd.DataFrame, *, column: str, unit: str) -> str:
    """Mean attribution per value bin of one column (a binned summary, never single rows)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "explainer"
    fig, ax = plt.subplots(figsize=(5.0, 3.0))
    ax.plot(range(len(table)), table["mean_attribution"], marker="o", color="#2f5f8f")
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(table["bin"], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel(f"attribution ({unit})")
    ax.set_xlabel(column)
    ax.spines[["top", "right"]].set_visible(False)
    return _to_data_uri(fig)


def curve_chart(x: list[float], y: list[float], *, xlabel: str, ylabel: str, diagonal: bool = False) -> str:
    """A curve summarised at a few points (ROC, precision-recall, reliability), as an SVG data URI."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "explainer"
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    if diagonal:
        ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", linewidth=0.8)
    ax.plot(x, y, color="#2f5f8f", marker="o" if len(x) <= 12 else None, markersize=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _to_data_uri(fig)
