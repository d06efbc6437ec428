"""Exact Shapley values by enumerating every coalition, for tests and tiny models.

The value of a coalition ``S`` is the interventional expectation

    v(S) = mean over background rows b of f(x_S, b_{not S}),

so the Shapley values sum to ``f(x) - mean(f(background))``. The cost is
``2**d * n_background`` model evaluations, so ``d`` is limited to 10.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from math import factorial

import numpy as np
import numpy.typing as npt

from explainer.errors import InvalidInputError

__all__ = ["exact_shapley", "shapley_from_value_function"]

_MAX_FEATURES = 10


def exact_shapley(
    f: Callable[[npt.NDArray[np.float64]], npt.ArrayLike],
    x: npt.ArrayLike,
    background: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], float]:
    """Compute exact interventional Shapley values of one row by enumeration.

    Parameters
    ----------
    f : callable
        Maps a 2-D array of shape ``(n_rows, n_features)`` to ``n_rows`` outputs.
    x : array-like of shape (n_features,)
        The row to explain.
    background : array-like of shape (n_background, n_features)
        Rows that stand in for the features outside a coalition.

    Returns
    -------
    values : ndarray of shape (n_features,)
        The Shapley value of each feature.
    base_value : float
        ``mean(f(background))``; ``values.sum() + base_value == f(x)``.

    Raises
    ------
    InvalidInputError
        If ``x`` is not 1-D, ``background`` is not 2-D with the same number of
        features, or there are more than 10 features.

    Examples
    --------
    >>> import numpy as np
    >>> values, base = exact_shapley(lambda X: 2 * X[:, 0] - X[:, 1],
    ...                              np.array([1.0, 1.0]), np.zeros((1, 2)))
    >>> values.tolist(), base
    ([2.0, -1.0], 0.0)
    """
    x_arr = np.asarray(x, dtype=np.float64)
    bg = np.asarray(background, dtype=np.float64)
    if x_arr.ndim != 1:
        raise InvalidInputError(
            f"x must be a 1-D array (one row). Got {x_arr.ndim} dimensions. Pass a single row."
        )
    d = x_arr.shape[0]
    if bg.ndim != 2 or bg.shape[1] != d or bg.shape[0] == 0:
        raise InvalidInputError(
            f"background must be a non-empty 2-D array with {d} columns. Got shape {bg.shape}. "
            "Pass rows with the same features as x."
        )
    if d > _MAX_FEATURES:
        raise InvalidInputError(
            f"x must have at most {_MAX_FEATURES} features for enumeration. Got {d}. "
            "Use explain_matrix for larger models."
        )
    # v(S) for every coalition S, coded as a bit mask.
    n_bg = bg.shape[0]
    masks = np.array(list(product([False, True], repeat=d)), dtype=bool)[:, ::-1]
    codes = (masks * (1 << np.arange(d))).sum(axis=1)
    stacked = np.where(masks[:, None, :], x_arr[None, None, :], bg[None, :, :])
    out = np.asarray(f(stacked.reshape(-1, d)), dtype=np.float64).reshape(len(masks), n_bg)
    value_of = np.empty(1 << d)
    value_of[codes] = out.mean(axis=1)

    return _shapley_of_table(value_of, d), float(value_of[0])


def shapley_from_value_function(
    value: Callable[[frozenset[int]], float], n_features: int
) -> tuple[npt.NDArray[np.float64], float]:
    """Compute exact Shapley values of any coalition game by enumeration.

    Parameters
    ----------
    value : callable
        Maps a coalition (a frozenset of feature indices) to its value ``v(S)``, for
        example a tree's path-dependent conditional expectation given the features in ``S``.
    n_features : int
        Number of players, at most 10.

    Returns
    -------
    values : ndarray of shape (n_features,)
        The Shapley value of each feature.
    base_value : float
        ``v(empty set)``; ``values.sum() + base_value == v(all features)``.

    Raises
    ------
    InvalidInputError
        If ``n_features`` is not between 1 and 10.

    Examples
    --------
    >>> values, base = shapley_from_value_function(lambda S: float(S == {0, 1}), 2)
    >>> values.tolist(), base
    ([0.5, 0.5], 0.0)
    """
    if not 1 <= n_features <= _MAX_FEATURES:
        raise InvalidInputError(
            f"n_features must be between 1 and {_MAX_FEATURES}. Got {n_features}. "
            "Enumeration needs 2**n_features coalitions."
        )
    value_of = np.empty(1 << n_features)
    for code in range(1 << n_features):
        value_of[code] = value(frozenset(i for i in range(n_features) if code & (1 << i)))
    return _shapley_of_table(value_of, n_features), float(value_of[0])


def _shapley_of_table(value_of: npt.NDArray[np.float64], d: int) -> npt.NDArray[np.float64]:
    """Shapley values from ``v`` tabulated by coalition bit mask."""
    weights = [factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)]
    phi = np.zeros(d)
    for code in range(1 << d):
        size = bin(code).count("1")
        for i in range(d):
            if not code & (1 << i):
                phi[i] += weights[size] * (value_of[code | (1 << i)] - value_of[code])
    return phi
