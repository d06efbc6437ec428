"""Explain any callable ``predict(DataFrame) -> scores`` as a black box, per raw column.

The permutation explainer works on numbers, so every raw column that is not a clean
numeric column (text, categories, booleans, numbers with missing values) is encoded as
integer codes over the values seen in the rows and the background; the wrapped function
decodes the codes back to the original values, with the original dtypes, before it calls
the model. The model therefore only ever sees values that occur in the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from ..models import ModelAdapter
from ..models._calls import call_model
from ._shap_handlers import explain_matrix
from ._shap_matrix import OutputUnit, ShapMatrix

__all__ = ["explain_callable", "ColumnCodec"]

#: Background rows the permutation explainer averages over by default.
DEFAULT_BACKGROUND_ROWS = 50


@dataclass(frozen=True)
class ColumnCodec:
    """Maps a DataFrame of raw columns to a float matrix and back.

    ``levels[j]`` is None for a numeric column passed through, else the array of the
    values that code ``0, 1, 2, ...`` stand for.
    """

    columns: tuple[str, ...]
    dtypes: tuple[Any, ...]
    levels: tuple[np.ndarray | None, ...]

    @classmethod
    def fit(cls, frames: list[pd.DataFrame], columns: list[str]) -> ColumnCodec:
        both = pd.concat([f.loc[:, columns] for f in frames], ignore_index=True)
        levels: list[np.ndarray | None] = []
        for c in columns:
            s = both[c]
            if pd.api.types.is_numeric_dtype(s) and s.dtype != bool and not s.isna().any():
                levels.append(None)
            else:
                _, uniques = pd.factorize(s, use_na_sentinel=False)
                levels.append(np.asarray(uniques, dtype=object))
        return cls(tuple(columns), tuple(both[c].dtype for c in columns), tuple(levels))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.columns)), dtype=np.float64)
        for j, c in enumerate(self.columns):
            lv = self.levels[j]
            if lv is None:
                out[:, j] = frame[c].to_numpy(dtype=np.float64)
            else:
                codes = pd.Index(lv, dtype=object).get_indexer(pd.Index(frame[c].astype(object), dtype=object))
                if (codes < 0).any():
                    raise InvalidInputError(
                        f"column {c!r} must only hold values seen when the encoding was fitted. Got "
                        f"{int((codes < 0).sum())} new values. Fit the codec on these rows too."
                    )
                out[:, j] = codes
        return out

    def decode(self, Z: np.ndarray) -> pd.DataFrame:
        Z = np.asarray(Z, dtype=np.float64)
        if all(lv is None for lv in self.levels) and all(d == np.float64 for d in self.dtypes):
            # every column a float passed through: one block, built once (the common case)
            return pd.DataFrame(Z, columns=list(self.columns))
        cols: dict[str, Any] = {}
        for j, c in enumerate(self.columns):
            lv = self.levels[j]
            if lv is None:
                dtype = self.dtypes[j]
                cols[c] = Z[:, j] if dtype == np.float64 else pd.Series(Z[:, j]).astype(dtype)
            else:
                idx = np.clip(np.rint(Z[:, j]).astype(np.int64), 0, len(lv) - 1)
                values = pd.Series(lv[idx], dtype=object)
                try:
                    cols[c] = values.astype(self.dtypes[j])
                except (TypeError, ValueError):
                    cols[c] = values
        return pd.DataFrame(cols)


def _scores(model: ModelAdapter, codec: ColumnCodec) -> Callable[[np.ndarray], np.ndarray]:
    def predict(Z: np.ndarray) -> np.ndarray:
        rows = codec.decode(np.asarray(Z, dtype=np.float64))
        out = np.asarray(call_model("the callable model", model.model, rows), dtype=np.float64)
        return out.reshape(-1)

    return predict


def explain_callable(
    model: ModelAdapter,
    rows: pd.DataFrame,
    *,
    background: pd.DataFrame,
    background_size: int = DEFAULT_BACKGROUND_ROWS,
    n_jobs: int = 1,
    random_state: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ShapMatrix:
    """Permutation SHAP values of a black-box callable over its raw input columns.

    Parameters
    ----------
    model : ModelAdapter
        A wrapped callable (``kind == "callable"``).
    rows : DataFrame
        The rows to explain.
    background : DataFrame
        Rows to sample the background from (absent columns take their values).
    background_size : int, default=50
        Background rows sampled with ``random_state``.

    Returns
    -------
    ShapMatrix
        One column per raw input column, in ``model.input_columns`` order; the unit is the
        callable's score (a probability for ``task="binary"``). Values are estimates
        (``exact=False``), except that for a model additive in its columns each
        permutation gives the exact Shapley value.
    """
    if not isinstance(background_size, (int, np.integer)) or background_size < 1:
        raise InvalidInputError(f"background_size must be a positive integer. Got {background_size!r}.")
    cols = list(model.input_columns)
    X = model._frame(rows).reset_index(drop=True)
    bg = model._frame(background)
    if len(bg) > background_size:
        bg = bg.sample(background_size, random_state=random_state)
    bg = bg.reset_index(drop=True)
    codec = ColumnCodec.fit([X, bg], cols)
    sm = explain_matrix(_scores(model, codec), codec.encode(X), background=codec.encode(bg),
                        n_jobs=n_jobs, random_state=random_state, progress=progress)
    unit: OutputUnit = "probability" if model.task == "binary" else "score"
    return ShapMatrix(values=sm.values, base_value=sm.base_value, algorithm=sm.algorithm,
                      output_unit=unit, max_additivity_error=sm.max_additivity_error, exact=sm.exact)
