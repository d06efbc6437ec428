"""The SHAP matrix of one model output, and what every SHAP method shares.

:class:`ShapMatrix` holds per-row, per-feature SHAP values with their base value, the
algorithm used, the unit of the output, the largest additivity error and whether the values
are exact. :class:`ShapPlan` is what a model family's handler decides (which method, which
model output, in which unit); :class:`ShapOptions` the options of one call of
:func:`~explainer.analyses.explain_matrix`. The helpers check arrays, cut rows into chunks
and import shap quietly; shap is imported only inside the functions that use it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._display import HTMLDisplay
from .._plain import plain
from ..errors import InvalidInputError

__all__ = ["ShapMatrix", "ShapPlan", "ShapOptions", "OutputUnit", "Output", "RowProgress"]

OutputUnit = Literal["log-odds", "probability", "score"]
Output = Literal["raw", "probability"]
#: Called as ``progress(done, total)`` with counts of explained rows, after each chunk.
RowProgress = Callable[[int, int], None]
_Array = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ShapMatrix(HTMLDisplay):
    """SHAP values of one model output for every explained row.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_features)
        The SHAP value of each feature for each row, float64, read-only.
    base_value : float
        The expected model output; ``values.sum(axis=1) + base_value`` is the model output.
    algorithm : str
        The path used: ``"fasttreeshap-v2"``, ``"fasttreeshap-v1"``, ``"shap-tree"``,
        ``"shap-linear"`` or ``"shap-permutation"``.
    output_unit : {"log-odds", "probability", "score"}
        The unit of the explained output: a classifier's raw margin (``"log-odds"``), a
        probability, or the score of a regressor, ranker or other margin.
    max_additivity_error : float
        ``max |values.sum(axis=1) + base_value - model_output|`` over the explained rows.
    exact : bool
        True when the values are exact Shapley values (up to rounding), False when sampled.
    """

    values: _Array
    base_value: float
    algorithm: str
    output_unit: OutputUnit
    max_additivity_error: float
    exact: bool

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_features)`` of :attr:`values`."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "estimated"
        return (f"ShapMatrix({self.shape[0]} rows x {self.shape[1]} columns, {self.algorithm}, {kind}, "
                f"unit {self.output_unit}, max additivity error {self.max_additivity_error:.1e})")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: how the values were computed and their shape. The per-row
        values are personal data and stay in :attr:`values`."""
        return plain({"n_rows": self.shape[0], "n_features": self.shape[1], "algorithm": self.algorithm,
                      "exact": self.exact, "unit": self.output_unit, "base_value": self.base_value,
                      "max_additivity_error": self.max_additivity_error})

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "shap_matrix", self.to_dict()


@dataclass(frozen=True)
class ShapPlan:
    """How a model family is explained: the method, the model output and its unit.

    ``kind`` is the method (``"tree"``, ``"linear"`` or ``"permutation"``); ``model_output``
    maps transformed rows to the explained output; ``class_index`` is the column of a
    two-class tree output to keep; ``float32_output`` is True for models that predict in
    float32 (XGBoost), whose output is recomputed in float64 for the additivity check.
    """

    kind: Literal["tree", "linear", "permutation"]
    output_unit: OutputUnit
    model_output: Callable[[_Array], _Array]
    class_index: int | None
    float32_output: bool = False


@dataclass(frozen=True)
class ShapOptions:
    """The options of one :func:`~explainer.analyses.explain_matrix` call, checked once."""

    background: Any = None
    chunk_size: int | None = None
    n_jobs: int = 1
    random_state: int | None = 0
    progress: RowProgress | None = None
    use_fasttreeshap: bool = True

    def report(self, done: int, total: int) -> None:
        """Tell ``progress`` (if any) that ``done`` of ``total`` rows are explained."""
        if self.progress is not None:
            self.progress(done, total)


def quiet(fn: Callable[[], Any]) -> Any:
    """Call ``fn`` silencing the feature-name warning of models fitted on a DataFrame."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have valid feature names.*")
        return fn()


def as_1d(out: Any) -> _Array:
    return np.asarray(out, dtype=np.float64).reshape(-1)



def check_finite(arr: _Array, name: str) -> None:
    n_bad = int(np.count_nonzero(~np.isfinite(arr)))
    if n_bad:
        raise InvalidInputError(
            f"{name} must hold finite numbers for this model. Got {n_bad} missing or infinite "
            "cells. Impute them first, as the model's pipeline does."
        )


def check_background(background: Any, n_features: int) -> _Array:
    bg = np.asarray(background, dtype=np.float64)
    if bg.ndim != 2 or bg.shape[1] != n_features or bg.shape[0] == 0:
        raise InvalidInputError(
            f"background must be a non-empty 2-D array with {n_features} columns like X. "
            f"Got shape {bg.shape}. Pass transformed rows, e.g. a sample of the training data."
        )
    return np.ascontiguousarray(bg)



def chunks(n_rows: int, chunk_size: int) -> Iterator[slice]:
    for start in range(0, n_rows, chunk_size):
        yield slice(start, min(start + chunk_size, n_rows))



def import_shap() -> Any:
    """Import shap, silencing the deprecation warnings its plotting modules emit on import."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap
    return shap



def finish(values: _Array, base: float, algorithm: str, plan: ShapPlan, max_err: float, *,
           exact: bool) -> ShapMatrix:
    """The read-only :class:`ShapMatrix` of a method's values."""
    values.flags.writeable = False
    return ShapMatrix(
        values=values,
        base_value=float(base),
        algorithm=algorithm,
        output_unit=plan.output_unit,
        max_additivity_error=float(max_err),
        exact=exact,
    )
