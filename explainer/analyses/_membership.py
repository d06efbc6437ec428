"""Membership inference risk: can an attacker tell who was in the training data?

A model that fits its training rows much better than other rows leaks who was trained on.
The loss-threshold attack (Yeom et al., 2018) scores each row by the model's loss on it,
``-log p(true label)``, and guesses "member" when the loss is low. How well that score
separates training rows (members) from held-out rows (non-members) is measured with the
ROC AUC: 0.5 means no better than a coin, 1.0 means every member is found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._display import HTMLDisplay
from .._plain import plain
from ..errors import InvalidInputError
from ..models._calls import call_model

__all__ = ["MembershipResult", "membership_inference_risk"]

Level = Literal["not_assessed", "none", "slight", "some", "clear"]

_CONFIDENCE = 0.95
_MIN_ROWS = 10
_EPS = 1e-12


@dataclass(frozen=True)
class MembershipResult(HTMLDisplay):
    """Result of a loss-threshold membership inference attack.

    How to read ``auc``: the probability that a random training row gets a higher attack
    score (a lower loss) than a random held-out row. 0.5 is chance, 0.6 somewhat better,
    above 0.7 clearly better. Read it with its interval: an interval that holds 0.5 means
    the test measured no advantage with this many rows, not that there is no risk.

    Attributes
    ----------
    available : bool
        False when the risk could not be assessed (for example no held-out data);
        then every number is None and ``reason`` says why.
    reason : str or None
        Why the risk was not assessed.
    auc : float or None
        Attack ROC AUC on balanced members and non-members.
    auc_interval : tuple of float or None
        95% bootstrap percentile interval of ``auc``.
    advantage : float or None
        Membership advantage, the largest TPR - FPR over all loss thresholds (0 to 1).
    advantage_interval : tuple of float or None
        95% bootstrap percentile interval of ``advantage``.
    train_loss, holdout_loss : float or None
        Mean log loss on the scored training and held-out rows.
    n_members, n_nonmembers : int
        Rows scored from each side (equal: the larger side is subsampled).
    level : {"not_assessed", "none", "slight", "some", "clear"}
        Reading of the AUC and its interval: "none" when the interval holds 0.5 (no
        measurable advantage with this many rows) or lies below it (the attack does worse
        than chance); otherwise "slight" when the AUC is under 0.55 (a small but measurable
        advantage), "some" under 0.7 and "clear" from 0.7.
    summary : str
        The reading in one plain sentence.
    n_boot : int
        Bootstrap resamples.
    random_state : int
        Seed used for subsampling and the bootstrap.
    """

    available: bool
    reason: str | None
    auc: float | None
    auc_interval: tuple[float, float] | None
    advantage: float | None
    advantage_interval: tuple[float, float] | None
    train_loss: float | None
    holdout_loss: float | None
    n_members: int
    n_nonmembers: int
    level: Level
    summary: str
    n_boot: int
    random_state: int | None

    @classmethod
    def not_assessed(cls, reason: str, *, n_boot: int = 500, random_state: int | None = 0) -> MembershipResult:
        """A result that says the risk was not assessed, and why (``reason``, one sentence)."""
        return _not_available(reason, n_boot, random_state)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the result."""
        return plain({
            "available": self.available,
            "reason": self.reason,
            "attack": "loss threshold",
            "auc": self.auc,
            "auc_interval": None if self.auc_interval is None else list(self.auc_interval),
            "advantage": self.advantage,
            "advantage_interval": (
                None if self.advantage_interval is None else list(self.advantage_interval)
            ),
            "confidence_level": _CONFIDENCE,
            "train_loss": self.train_loss,
            "holdout_loss": self.holdout_loss,
            "n_members": self.n_members,
            "n_nonmembers": self.n_nonmembers,
            "level": self.level,
            "summary": self.summary,
            "n_boot": self.n_boot,
            "random_state": self.random_state,
        })

    def to_frame(self) -> pd.DataFrame:
        """Return the measures as a DataFrame, one row per measure.

        Returns
        -------
        pandas.DataFrame
            Columns ``measure``, ``value``, ``lower``, ``upper``; empty when not available.
        """
        cols = ["measure", "value", "lower", "upper"]
        if not self.available:
            return pd.DataFrame(columns=cols)
        assert self.auc_interval is not None and self.advantage_interval is not None
        return pd.DataFrame(
            [
                ["attack_auc", self.auc, *self.auc_interval],
                ["membership_advantage", self.advantage, *self.advantage_interval],
                ["train_loss", self.train_loss, np.nan, np.nan],
                ["holdout_loss", self.holdout_loss, np.nan, np.nan],
            ],
            columns=cols,
        )

    def __repr__(self) -> str:
        if not self.available:
            return f"MembershipResult(not assessed: {self.reason})"
        return (f"MembershipResult(auc={self.auc:.3f}, advantage={self.advantage:.3f}, level={self.level!r}, "
                f"{self.n_members} members and {self.n_nonmembers} non-members scored)")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        from ._group_metrics import _records

        return "membership_result", {
            "available": self.available, "reason": self.reason, "summary": self.summary,
            "rows": _records(self.to_frame()), "n_members": self.n_members, "n_nonmembers": self.n_nonmembers,
            "ci_pct": f"{_CONFIDENCE:.0%}",
        }


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


def _n_rows(X: Any, name: str) -> int:
    try:
        return len(X)
    except TypeError as err:
        raise InvalidInputError(
            f"{name} must be a table or array of rows. Got an object of type {type(X).__name__}. "
            "Pass a DataFrame or a 2-d array."
        ) from err


def _take(X: Any, idx: np.ndarray) -> Any:
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[idx]
    if hasattr(X, "tocsr"):  # scipy sparse
        return X.tocsr()[idx]
    return np.asarray(X)[idx]


def _labels(y: Any, name: str, n: int) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n:
        raise InvalidInputError(
            f"{name} must be 1-d with one label per row ({n} rows). Got shape {arr.shape}. "
            "Pass the true labels of the same rows."
        )
    if pd.isna(pd.Series(arr)).any():
        raise InvalidInputError(
            f"{name} must have no missing labels. Got {int(pd.isna(pd.Series(arr)).sum())} "
            "missing. Drop those rows first."
        )
    return arr


def _proba_true(model: Any, X: Any, y: np.ndarray) -> np.ndarray:
    """Probability the model gives to each row's true label."""
    if hasattr(model, "predict_proba"):
        proba = np.asarray(call_model("the model's predict_proba", model.predict_proba, X), dtype="float64")
        classes = getattr(model, "classes_", None)
        if proba.ndim == 1:
            proba = np.column_stack([1 - proba, proba])
        if classes is None:
            classes = np.arange(proba.shape[1])
        classes = np.asarray(classes)
        if len(classes) != proba.shape[1]:
            raise InvalidInputError(
                f"predict_proba must return one column per class. Got {proba.shape[1]} columns "
                f"for {len(classes)} classes. Check the model."
            )
        pos = {c: i for i, c in enumerate(classes.tolist())}
        try:
            col = np.array([pos[v] for v in y.tolist()], dtype="int64")
        except KeyError as err:
            unseen = len(set(y.tolist()) - set(pos))
            raise InvalidInputError(
                "Labels must be among the model's classes_. Got "
                f"{unseen} label value(s) the model does not know. Check y_train and y_holdout."
            ) from err
        return np.asarray(proba[np.arange(len(y)), col], dtype="float64")
    if callable(model):
        p = np.asarray(call_model("the callable model", model, X), dtype="float64")
        if p.ndim == 2 and p.shape[1] == 2:
            p = p[:, 1]
        if p.ndim != 1 or len(p) != len(y):
            raise InvalidInputError(
                "The callable must return one probability of the positive class per row. "
                f"Got shape {p.shape} for {len(y)} rows. Return model.predict_proba(X)[:, 1]."
            )
        yb = _binary(y)
        return np.where(yb == 1, p, 1 - p)
    raise InvalidInputError(
        "predict_proba_or_model must be a fitted model with predict_proba or a callable "
        f"returning probabilities. Got an object of type {type(model).__name__}. "
        "Pass a classifier, or lambda X: model.predict_proba(X)[:, 1]."
    )


def _binary(y: np.ndarray) -> np.ndarray:
    values = set(pd.unique(pd.Series(y)).tolist())
    if not values <= {0, 1}:
        raise InvalidInputError(
            "Labels must be 0/1 or boolean when the model is a callable returning "
            f"positive-class probabilities. Got {len(values)} distinct label values that are "
            "not. Encode the positive class as 1."
        )
    return y.astype("int64")


# --------------------------------------------------------------------------------------
# AUC and advantage from weighted score counts
# --------------------------------------------------------------------------------------


def _auc_adv(wm: np.ndarray, wn: np.ndarray) -> tuple[float, float]:
    """AUC (ties count one half) and max TPR-FPR from weights over sorted unique scores.

    ``wm[i]`` and ``wn[i]`` are how many members and non-members have the i-th smallest
    unique score.
    """
    nm, nn = wm.sum(), wn.sum()
    below_n = np.cumsum(wn) - wn
    auc = float((wm * (below_n + 0.5 * wn)).sum() / (nm * nn))
    # Threshold t: predict member when score >= t. TPR - FPR over all t.
    tpr = np.cumsum(wm[::-1]) / nm
    fpr = np.cumsum(wn[::-1]) / nn
    adv = float(max(0.0, np.max(tpr - fpr)))
    return auc, adv


#: Attack AUC from which the advantage reads "some" (below: "slight"), and from which "clear".
SOME_AUC = 0.55
CLEAR_AUC = 0.7


def _reading(auc: float, lo: float, hi: float, n: int, unit: str) -> tuple[Level, str]:
    """The level and the plain sentence for an attack AUC and its interval.

    Only an interval that leaves out 0.5 counts as a measured advantage; an interval that
    holds 0.5 says the test could not measure one with ``n`` rows or customers a side, which
    is not a proof that there is none.
    """
    tail = f" (attack AUC {auc:.3f}, 95% interval {lo:.3f} to {hi:.3f}, {n} {unit} on each side)."
    if lo <= 0.5 <= hi:
        return "none", (
            f"With {n} training and {n} held-out {unit}, the attack showed no measurable advantage "
            "over chance" + tail + " This does not prove there is no risk: a stronger attack, or more "
            f"{unit}, could still tell some of them apart."
        )
    if hi < 0.5:
        return "none", (
            f"The attack did worse than chance: training {unit} fitted the model less well than held-out "
            f"{unit}" + tail + " That points to a difference between the two sets, not to a model that "
            "remembers its training data; it is no proof that there is no risk."
        )
    if auc < SOME_AUC:
        return "slight", (
            f"An attacker could tell training {unit} from others slightly better than chance: a small "
            "but measurable advantage" + tail
        )
    if auc < CLEAR_AUC:
        return "some", (
            f"An attacker could somewhat tell which {unit} were in the training data" + tail
        )
    return "clear", (
        f"An attacker could clearly tell which {unit} were in the training data" + tail
    )


def _not_available(reason: str, n_boot: int, random_state: int | None) -> MembershipResult:
    return MembershipResult(
        available=False,
        reason=reason,
        auc=None,
        auc_interval=None,
        advantage=None,
        advantage_interval=None,
        train_loss=None,
        holdout_loss=None,
        n_members=0,
        n_nonmembers=0,
        level="not_assessed",
        summary="Membership inference risk was not assessed: " + reason,
        n_boot=n_boot,
        random_state=random_state,
    )


def membership_inference_risk(
    predict_proba_or_model: Any | Callable[[Any], Any],
    X_train: Any,
    y_train: Any,
    X_holdout: Any = None,
    y_holdout: Any = None,
    *,
    n_boot: int = 500,
    random_state: int | None = 0,
    max_rows: int = 20000,
    groups_train: Any = None,
    groups_holdout: Any = None,
) -> MembershipResult:
    """Assess how well a loss-threshold attack tells training rows from held-out rows.

    Each row is scored with ``log p(true label)`` (minus its log loss): training rows a
    model has memorised get high scores. The attack AUC is the ROC AUC of this score for
    training rows (members) against held-out rows (non-members), on equal numbers of each
    (the larger side is subsampled at random). The membership advantage is the largest
    TPR - FPR over all thresholds. Intervals are 95% bootstrap percentile intervals,
    resampling members and non-members separately.

    Parameters
    ----------
    predict_proba_or_model : fitted classifier or callable
        A model with ``predict_proba`` (labels are matched with its ``classes_``), or a
        callable mapping rows to the probability of the positive class (labels 0/1).
    X_train, y_train : table and labels
        Rows the model was trained on, and their true labels.
    X_holdout, y_holdout : table and labels, default=None
        Rows from the same population the model was not trained on. Without them the risk
        is not assessed and the result says so.
    n_boot : int, default=500
        Bootstrap resamples for the intervals (at least 50).
    random_state : int or None, default=0
        Seed for subsampling and the bootstrap.
    max_rows : int, default=20000
        At most this many rows (or groups, see below) are scored from each side.
    groups_train, groups_holdout : array-like, default=None
        One group id per row (for example the customer id of a recommender's customer x
        item rows). When given, members and non-members are groups, not rows: a group's
        attack score is the mean of its rows' scores, groups are subsampled and
        resampled whole, and ``n_members`` counts groups. Give both or neither.

    Returns
    -------
    MembershipResult

    Raises
    ------
    InvalidInputError
        If the model has neither ``predict_proba`` nor is callable, labels do not match the
        rows or the model's classes, only one of ``X_holdout`` and ``y_holdout`` is given,
        or an option is out of range.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(4000, 3)); y = (X[:, 0] + rng.normal(size=4000) > 0).astype(int)
    >>> model = LogisticRegression().fit(X[:2000], y[:2000])
    >>> r = membership_inference_risk(model, X[:2000], y[:2000], X[2000:], y[2000:], n_boot=100)
    >>> r.level
    'none'
    >>> membership_inference_risk(model, X[:2000], y[:2000]).available
    False
    """
    n_boot, max_rows = _checked_options(predict_proba_or_model, n_boot, max_rows)
    n_tr = _n_rows(X_train, "X_train")
    y_tr = _labels(y_train, "y_train", n_tr)
    if (X_holdout is None) != (y_holdout is None):
        given = "X_holdout" if X_holdout is not None else "y_holdout"
        raise InvalidInputError(
            "X_holdout and y_holdout must be given together. Got only "
            f"{given}. Pass both, or neither to skip the assessment."
        )
    if X_holdout is None:
        return _not_available(
            "no held-out data was given. Pass X_holdout and y_holdout: rows from the same "
            "population that the model was not trained on.",
            n_boot,
            random_state,
        )
    n_ho = _n_rows(X_holdout, "X_holdout")
    y_ho = _labels(y_holdout, "y_holdout", n_ho)
    if (groups_train is None) != (groups_holdout is None):
        raise InvalidInputError(
            "groups_train and groups_holdout must be given together. Got only "
            f"{'groups_train' if groups_train is not None else 'groups_holdout'}. Pass both, or neither "
            "to attack single rows."
        )
    grouped = groups_train is not None
    if grouped:
        g_tr = _labels(groups_train, "groups_train", n_tr)
        g_ho = _labels(groups_holdout, "groups_holdout", n_ho)
        codes_tr, uniq_tr = pd.factorize(pd.Series(g_tr), sort=True)
        codes_ho, uniq_ho = pd.factorize(pd.Series(g_ho), sort=True)
        size_tr, size_ho, unit = len(uniq_tr), len(uniq_ho), "groups"
    else:
        size_tr, size_ho, unit = n_tr, n_ho, "rows"
    m = min(size_tr, size_ho, max_rows)
    if m < _MIN_ROWS:
        return _not_available(
            f"too few {unit} to assess: {size_tr} training and {size_ho} held-out {unit}, and at least "
            f"{_MIN_ROWS} of each are needed.",
            n_boot,
            random_state,
        )

    rng = np.random.default_rng(random_state)
    pick_tr = np.sort(rng.choice(size_tr, size=m, replace=False)) if size_tr > m else np.arange(size_tr)
    pick_ho = np.sort(rng.choice(size_ho, size=m, replace=False)) if size_ho > m else np.arange(size_ho)
    if grouped:
        # rows of the chosen groups, and each row's position among the chosen groups
        slot_tr = np.full(size_tr, -1)
        slot_tr[pick_tr] = np.arange(m)
        slot_ho = np.full(size_ho, -1)
        slot_ho[pick_ho] = np.arange(m)
        idx_tr = np.flatnonzero(slot_tr[codes_tr] >= 0)
        idx_ho = np.flatnonzero(slot_ho[codes_ho] >= 0)
    else:
        idx_tr, idx_ho = pick_tr, pick_ho
    p_tr = _proba_true(predict_proba_or_model, _take(X_train, idx_tr), y_tr[idx_tr])
    p_ho = _proba_true(predict_proba_or_model, _take(X_holdout, idx_ho), y_ho[idx_ho])
    if not (np.all(np.isfinite(p_tr)) and np.all(np.isfinite(p_ho))):
        raise InvalidInputError(
            "The model's probabilities must be finite. Got "
            f"{int((~np.isfinite(p_tr)).sum() + (~np.isfinite(p_ho)).sum())} non-finite values. "
            "Check the model and the input rows."
        )
    # Round so that floating-point noise (p versus 1 - (1 - p)) does not break ties.
    s_tr = np.log(np.clip(p_tr, _EPS, 1.0))
    s_ho = np.log(np.clip(p_ho, _EPS, 1.0))
    if grouped:  # a group's score is the mean score of its rows
        s_tr = _group_means(s_tr, slot_tr[codes_tr[idx_tr]], m)
        s_ho = _group_means(s_ho, slot_ho[codes_ho[idx_ho]], m)
    s_tr, s_ho = np.round(s_tr, 10), np.round(s_ho, 10)

    # Work on sorted unique scores; a bootstrap sample is a pair of count vectors.
    uniq, inv = np.unique(np.concatenate([s_tr, s_ho]), return_inverse=True)
    code_tr, code_ho = inv[:m], inv[m:]
    u = len(uniq)
    auc, adv = _auc_adv(
        np.bincount(code_tr, minlength=u).astype("float64"),
        np.bincount(code_ho, minlength=u).astype("float64"),
    )
    (auc_lo, auc_hi), (adv_lo, adv_hi) = _bootstrap_intervals(code_tr, code_ho, u, n_boot, rng)
    level, summary = _reading(auc, auc_lo, auc_hi, m, "customers" if grouped else "rows")
    return MembershipResult(
        available=True,
        reason=None,
        auc=auc,
        auc_interval=(auc_lo, auc_hi),
        advantage=adv,
        advantage_interval=(adv_lo, adv_hi),
        train_loss=float(-s_tr.mean()),
        holdout_loss=float(-s_ho.mean()),
        n_members=m,
        n_nonmembers=m,
        level=level,
        summary=summary,
        n_boot=n_boot,
        random_state=random_state,
    )


def _checked_options(model: Any, n_boot: Any, max_rows: Any) -> tuple[int, int]:
    """``n_boot`` and ``max_rows`` as integers, after checking them and the model."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 50:
        raise InvalidInputError(
            f"n_boot must be an integer of at least 50. Got {n_boot!r}. Use 500 or more."
        )
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < _MIN_ROWS:
        raise InvalidInputError(
            f"max_rows must be an integer of at least {_MIN_ROWS}. Got {max_rows!r}. Use 20000."
        )
    if not hasattr(model, "predict_proba") and not callable(model):
        raise InvalidInputError(
            "predict_proba_or_model must be a fitted model with predict_proba or a callable "
            f"returning probabilities. Got an object of type {type(model).__name__}. "
            "Pass a classifier, or lambda X: model.predict_proba(X)[:, 1]."
        )
    return int(n_boot), int(max_rows)


def _group_means(scores: np.ndarray, slots: np.ndarray, m: int) -> np.ndarray:
    """The mean score of each of ``m`` groups, from each row's score and its group's slot."""
    means: np.ndarray = np.bincount(slots, weights=scores, minlength=m) / np.bincount(slots, minlength=m)
    return means


def _bootstrap_intervals(code_tr: np.ndarray, code_ho: np.ndarray, u: int, n_boot: int,
                         rng: np.random.Generator) -> tuple[tuple[float, float], tuple[float, float]]:
    """Percentile intervals of the attack AUC and advantage, resampling members and non-members
    separately; a resample is a pair of count vectors over the ``u`` distinct scores."""
    m = len(code_tr)
    aucs = np.empty(n_boot)
    advs = np.empty(n_boot)
    for b in range(n_boot):
        wm = np.bincount(code_tr[rng.integers(0, m, m)], minlength=u).astype("float64")
        wn = np.bincount(code_ho[rng.integers(0, m, m)], minlength=u).astype("float64")
        aucs[b], advs[b] = _auc_adv(wm, wn)
    a = (1 - _CONFIDENCE) / 2
    auc_lo, auc_hi = (float(v) for v in np.quantile(aucs, [a, 1 - a]))
    adv_lo, adv_hi = (float(v) for v in np.quantile(advs, [a, 1 - a]))
    return (auc_lo, auc_hi), (adv_lo, adv_hi)
