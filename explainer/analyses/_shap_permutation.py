"""SHAP of any model output by shap's permutation explainer over a background sample.

:func:`explain_permutation` is the method for models without an exact path (and for
probabilities of models whose raw output is a margin): sampled, not exact; the largest
additivity error is recorded with the values.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from ._shap_matrix import (
    ShapMatrix,
    ShapOptions,
    ShapPlan,
    check_background,
    check_finite,
    chunks,
    finish,
    import_shap,
)

__all__ = ["explain_permutation"]

_Array = npt.NDArray[np.float64]
_DEFAULT_BACKGROUND_ROWS = 100
#: The permutation explainer evaluates the model about 500 x background times per row (a
#: hundredth of a second for a fast model): 50 rows move the bar about twice a second.
_PERMUTATION_CHUNK_ROWS = 50


def _sample_background(X: _Array, n: int, random_state: int | None) -> _Array:
    if X.shape[0] <= n:
        return X
    rng = np.random.default_rng(random_state)
    return X[np.sort(rng.choice(X.shape[0], size=n, replace=False))]



def explain_permutation(est: Any, plan: ShapPlan, X: _Array, opts: ShapOptions) -> ShapMatrix:
    """Permutation SHAP values of ``plan.model_output`` for every row of ``X``."""
    shap = import_shap()
    n_rows, n_features = X.shape
    check_finite(X, "X")
    if opts.background is None:
        bg = _sample_background(X, _DEFAULT_BACKGROUND_ROWS, opts.random_state)
    else:
        bg = check_background(opts.background, n_features)
    check_finite(bg, "background")
    masker = shap.maskers.Independent(bg, max_samples=bg.shape[0])
    seed = None if opts.random_state is None else int(opts.random_state)
    explainer = shap.PermutationExplainer(plan.model_output, masker, seed=seed)
    max_evals = max(500, 2 * n_features + 1)
    values = np.empty((n_rows, n_features), dtype=np.float64)
    max_err = 0.0
    base = 0.0
    for sl in chunks(n_rows, int(opts.chunk_size or _PERMUTATION_CHUNK_ROWS)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explanation = explainer(X[sl], max_evals=max_evals, silent=True)
        vals = np.asarray(explanation.values, dtype=np.float64).reshape(sl.stop - sl.start, n_features)
        base = float(np.asarray(explanation.base_values, dtype=np.float64).reshape(-1)[0])
        values[sl] = vals
        err = np.abs(vals.sum(axis=1) + base - plan.model_output(X[sl]))
        max_err = max(max_err, float(err.max()))
        opts.report(sl.stop, n_rows)
    return finish(values, base, "shap-permutation", plan, max_err, exact=False)
