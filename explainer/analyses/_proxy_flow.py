"""How much of a gap between groups flows through proxy inputs.

When a sensitive attribute is not a model input, the model can still give groups
different outputs through inputs that stand in for it (see :func:`find_proxies`). SHAP
attributions are additive: for every row, the model output equals the base value plus
the sum of the attributions of the inputs. Averaged over a group and over everyone else,
the base value cancels, so the gap in mean output between the two equals the sum over
inputs of the gaps in their mean attribution. The part of the gap carried by a flagged
input is its own term of that sum, and its share is that term divided by the whole gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain, records
from ..errors import InvalidInputError
from ._stats import bh_adjust

__all__ = ["ProxyFlowResult", "proxy_flow"]


def _normal_p(estimate: float, se: float) -> float:
    """Two-sided p-value of ``estimate`` against 0 with standard error ``se``."""
    from statistics import NormalDist

    if not (se > 0 and np.isfinite(se)):
        return float("nan")
    return float(2.0 * (1.0 - NormalDist().cdf(abs(estimate) / se)))

_COLUMNS = ["sensitive_feature", "group", "item", "column", "n_group", "n_rest", "too_few_to_judge",
            "output_gap", "output_ci_low", "output_ci_high", "contribution_gap", "contribution_ci_low",
            "contribution_ci_high", "share_of_gap", "share_ci_low", "share_ci_high", "p_value", "p_adjusted"]


@dataclass(frozen=True)
class ProxyFlowResult(HTMLDisplay):
    """Gap in mean model output between each group and the rest, and the part of it per proxy.

    Attributes
    ----------
    table : DataFrame
        One row per sensitive attribute, group, item (recommenders; None otherwise) and
        flagged input: ``output_gap`` (mean output of the group minus that of everyone
        else, in the attribution unit), ``contribution_gap`` (the same difference for the
        input's attribution), ``share_of_gap`` (their ratio), each with a bootstrap
        interval; ``too_few_to_judge`` when the group or the rest has fewer rows than the
        minimum. The share interval is None when the output gap's interval includes 0.
    method : dict
    """

    table: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``table`` (one record per group and input) and ``method``."""
        return {"table": records(self.table), "method": plain(self.method)}

    def with_method(self, **notes: Any) -> ProxyFlowResult:
        """The same result with ``notes`` added to :attr:`method`; this result is left as it is."""
        return replace(self, method={**self.method, **notes})

    def __repr__(self) -> str:
        judged = int((~self.table["too_few_to_judge"].astype(bool)).sum()) if len(self.table) else 0
        return f"ProxyFlowResult({len(self.table)} group/input rows, {judged} with groups large enough to judge)"

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        from ._group_metrics import _records

        t = self.table
        if len(t):
            t = t.reindex(t["contribution_gap"].abs().sort_values(ascending=False).index)
        rows = _records(t)
        return "proxy_flow_result", {"rows": rows[:20], "more": max(len(rows) - 20, 0),
                                     "unit": self.method.get("unit", ""), "interval": self.method.get("interval", "")}


def proxy_flow(
    attributions: np.ndarray,
    columns: Sequence[str],
    sensitive_features: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
    *,
    items: Any = None,
    min_group_size: int = 30,
    n_boot: int = 200,
    ci: float = 0.95,
    unit: str = "score",
    random_state: int = 0,
) -> ProxyFlowResult:
    """Split the gap in mean model output between groups into the parts carried by proxies.

    Parameters
    ----------
    attributions : ndarray of shape (n_rows, n_columns)
        SHAP attributions per explained row and raw input column.
    columns : sequence of str
        The input column of each attribution column.
    sensitive_features : DataFrame
        The sensitive attributes of the same rows (not model inputs).
    pairs : sequence of (sensitive attribute, input column)
        Flagged proxies to follow.
    items : array-like, default=None
        Recommenders: the item of each row; gaps are then measured per item.
    min_group_size : int, default=30
        A group (or the rest) with fewer explained rows is too few to judge.

    Returns
    -------
    ProxyFlowResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> phi = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
    >>> sf = pd.DataFrame({"s": ["a", "a", "b", "b"]})
    >>> t = proxy_flow(phi, ["zip", "x"], sf, [("s", "zip")], min_group_size=1, n_boot=10).table
    >>> t.loc[t["group"] == "a", ["output_gap", "contribution_gap", "share_of_gap"]].values.tolist()
    [[1.0, 1.0, 1.0]]
    """
    phi = np.asarray(attributions, dtype=float)
    if phi.ndim != 2 or phi.shape[1] != len(columns) or phi.shape[0] != len(sensitive_features):
        raise InvalidInputError(
            f"attributions must have one row per sensitive_features row and one column per input. Got shape "
            f"{phi.shape} for {len(sensitive_features)} rows and {len(columns)} columns. Pass aligned inputs."
        )
    cols = list(columns)
    out = phi.sum(axis=1)
    rng = np.random.default_rng(random_state)
    alpha = (1 - ci) / 2
    sf = sensitive_features.reset_index(drop=True)
    rows: list[dict[str, Any]] = []
    scopes = _scopes(items, len(out))
    for feat, flagged in _flagged_by_feature(pairs, cols, list(sf.columns)).items():
        stacked = np.column_stack([out, phi[:, [cols.index(c) for c in flagged]]])
        labels = sf[feat].astype(str).to_numpy()
        for item, scope in scopes:
            for g in sorted(set(labels[scope])):
                inside = np.flatnonzero(scope & (labels == g))
                rest = np.flatnonzero(scope & (labels != g))
                few = len(inside) < min_group_size or len(rest) < min_group_size
                base = {"sensitive_feature": feat, "group": g, "item": item, "n_group": len(inside),
                        "n_rest": len(rest), "too_few_to_judge": few}
                if few or len(inside) == 0 or len(rest) == 0:
                    rows += [{**base, "column": c} for c in flagged]
                    continue
                rows += [{**base, **r} for r in _gap_rows(stacked, inside, rest, flagged, rng, n_boot, alpha)]
    table = pd.DataFrame(rows, columns=_COLUMNS)
    if len(table):  # one family: every attribute x group x item x flagged input
        table["p_adjusted"] = bh_adjust(table["p_value"].to_numpy(dtype=np.float64))
    return ProxyFlowResult(
        table=table,
        method={"gap": "mean model output of the group minus mean of everyone else (per item for recommenders)",
                "contribution": "the same difference of the input's mean attribution (additivity)",
                "unit": unit, "interval": f"{int(ci * 100)}% bootstrap within the group and within the rest, "
                f"{n_boot} resamples", "min_group_size": min_group_size, "random_state": random_state,
                "test": "two-sided normal test of the contribution, with its bootstrap standard error",
                "multiple_comparisons": "Benjamini-Hochberg at 0.05 over every attribute x group x item x input"},
    )


def _flagged_by_feature(pairs: Sequence[tuple[str, str]], cols: list[str], features: list[Any]) -> dict[str, list[str]]:
    """The flagged input columns of each sensitive attribute, keeping those that are there."""
    by_feature: dict[str, list[str]] = {}
    for feat, col in pairs:
        if col in cols and feat in features:
            by_feature.setdefault(feat, []).append(col)
    return by_feature


def _scopes(items: Any, n: int) -> list[tuple[Any, np.ndarray]]:
    """The row sets gaps are measured in: every row, or (recommenders) the rows of each item."""
    if items is None:
        return [(None, np.ones(n, dtype=bool))]
    item_arr = pd.Series(np.asarray(items)).astype(str).to_numpy()
    return [(it, item_arr == it) for it in sorted(set(item_arr))]


def _gap_rows(stacked: np.ndarray, inside: np.ndarray, rest: np.ndarray, flagged: Sequence[str],
              rng: np.random.Generator, n_boot: int, alpha: float) -> list[dict[str, Any]]:
    """The output gap between a group and the rest, and each flagged input's part of it, with
    bootstrap intervals (within the group and within the rest) and a normal test per input.

    ``stacked`` holds the model output in column 0 and the flagged inputs' attributions after it.
    """
    gap = stacked[inside].mean(0) - stacked[rest].mean(0)
    bi = rng.integers(0, len(inside), (n_boot, len(inside)))
    br = rng.integers(0, len(rest), (n_boot, len(rest)))
    boots = stacked[inside][bi].mean(1) - stacked[rest][br].mean(1)  # (n_boot, 1 + flagged)
    lo, hi = np.quantile(boots, alpha, axis=0), np.quantile(boots, 1 - alpha, axis=0)
    clear = lo[0] > 0 or hi[0] < 0
    rows = []
    for k, c in enumerate(flagged, start=1):
        share_lo = share_hi = None
        if clear:
            shares = boots[:, k] / boots[:, 0]
            share_lo, share_hi = float(np.quantile(shares, alpha)), float(np.quantile(shares, 1 - alpha))
        rows.append({"column": c, "output_gap": float(gap[0]), "output_ci_low": float(lo[0]),
                     "output_ci_high": float(hi[0]), "contribution_gap": float(gap[k]),
                     "contribution_ci_low": float(lo[k]), "contribution_ci_high": float(hi[k]),
                     "share_of_gap": float(gap[k] / gap[0]) if gap[0] != 0 else None,
                     "share_ci_low": share_lo, "share_ci_high": share_hi,
                     "p_value": _normal_p(float(gap[k]), float(np.std(boots[:, k], ddof=1)))})
    return rows
