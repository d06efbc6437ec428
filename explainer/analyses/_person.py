"""One person's explanation: their strongest reasons, the data used, and what would change the result.

Everything here is computed from that person's own rows and the model: local SHAP values
of the explained row (grouped by raw column and by data category), the categories of
their data the model reads and does not read, and a counterfactual found by changing
only that person's own changeable (behavioural) values and re-scoring their rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from .._plain import plain
from ..models import ModelAdapter

__all__ = ["Reason", "Change", "Counterfactual", "PersonExplanation", "explain_person", "CHANGEABLE_CATEGORIES"]

#: Data categories a person can change by what they do (browsing, buying).
CHANGEABLE_CATEGORIES: tuple[str, ...] = ("behavioural",)
#: Multipliers tried on a person's own value, smallest change first.
_STEPS: tuple[float, ...] = (0.75, 1.5, 0.5, 2.0, 0.25, 0.0, 3.0)
Strength = Literal["strong", "moderate", "weak"]


@dataclass(frozen=True)
class Reason:
    """One factor of a person's result: a raw column, its category and its local attribution.

    ``attribution`` is the local SHAP value (an estimate, in ``unit`` of the explanation);
    ``share`` its part of the sum of absolute attributions of that row.
    """

    column: str
    category: str
    direction: Literal["raises", "lowers"]
    strength: Strength
    attribution: float
    share: float


#: Whether a change applies to the one row explained or to all rows of the person.
ChangeScope = Literal["row", "person"]


@dataclass(frozen=True)
class Change:
    """Set ``column`` to ``factor`` times the person's own value (0 means none)."""

    column: str
    category: str
    factor: float
    scope: ChangeScope


@dataclass(frozen=True)
class Counterfactual:
    """Changes to a person's own values that change their result, checked by re-scoring.

    ``effect`` is ``"leaves_top_k"``, ``"enters_top_k"`` or ``"decision_flips"``.
    ``rank_before``/``rank_after`` are the item's 1-based place among the person's items.
    """

    changes: tuple[Change, ...]
    effect: str
    rank_before: int | None
    rank_after: int | None
    score_before: float
    score_after: float
    verified: bool


@dataclass(frozen=True)
class PersonExplanation:
    """Why one person got one result. Holds no other person's data and no raw values.

    Attributes
    ----------
    customer, item : str or None
        The person (their id, or row label) and the item explained (ranking).
    task : str
    k : int or None
        For ranking: size of the list shown.
    rank : int or None
        For ranking: the item's place among this person's items (1 is first).
    in_top_k : bool or None
    selected : bool or None
        For binary models: whether the decision was positive.
    reasons : tuple of Reason
        The 2 to 4 strongest factors, strongest first.
    attributions : dict of str to float
        Local attribution per raw input column (estimates, in ``unit``).
    category_attributions : dict of str to float
        The same, summed per data category.
    categories_used, categories_not_used : tuple of str
        Categories of this person's data the model reads, and those held but not read.
    sources : dict of str to list of str
        Where each category's data comes from (provided, observed, inferred, ...).
    counterfactual : Counterfactual or None
        None when no change of the person's own behaviour alters the result.
    unit, algorithm, exact, base_value
        How the attributions were computed.
    """

    customer: str = field(repr=False)  # an id: never in a repr, which notebooks save as text/plain
    item: str | None
    task: str
    k: int | None
    rank: int | None
    in_top_k: bool | None
    selected: bool | None
    score: float
    reasons: tuple[Reason, ...]
    attributions: dict[str, float]
    category_attributions: dict[str, float]
    categories_used: tuple[str, ...]
    categories_not_used: tuple[str, ...]
    sources: dict[str, list[str]]
    counterfactual: Counterfactual | None
    unit: str
    algorithm: str
    exact: bool
    base_value: float
    item_column: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    rationale: dict[str, str] = field(default_factory=dict)
    #: What the reasons are: model input columns ("features"), the person's own history
    #: items ("history", collaborative filtering) or their user features ("user_features").
    basis: str = "features"
    #: The score the recommender ranks by, when it differs from ``score`` (ALS served from
    #: stored factors); the attributions add up to ``score``.
    served_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document; what the text and HTML renderers read."""
        d = asdict(self)
        d["reasons"] = [asdict(r) for r in self.reasons]
        d["counterfactual"] = None if self.counterfactual is None else asdict(self.counterfactual)
        return {k: plain(v) for k, v in d.items()}

    def to_frame(self) -> pd.DataFrame:
        """The reasons as a table: column, category, direction, strength, attribution, share."""
        return pd.DataFrame([asdict(r) for r in self.reasons])


# ----------------------------------------------------------------------------------------
def _strength(share: float) -> Strength:
    return "strong" if share >= 0.25 else ("moderate" if share >= 0.1 else "weak")


def _pick_reasons(values: np.ndarray, cols: list[str], cats: Mapping[str, str]) -> tuple[Reason, ...]:
    total = float(np.abs(values).sum())
    order = np.argsort(-np.abs(values), kind="stable")
    out: list[Reason] = []
    for j in order:
        share = abs(float(values[j])) / total if total > 0 else 0.0
        if values[j] == 0 or (len(out) >= 2 and share < 0.05) or len(out) == 4:
            break
        out.append(Reason(cols[j], cats.get(cols[j], "other"), "raises" if values[j] > 0 else "lowers",
                          _strength(share), float(values[j]), share))
    return tuple(out)


def _locate(model: ModelAdapter, data: pd.DataFrame, customer: Any, item: Any) -> tuple[pd.DataFrame, int]:
    """This person's rows and the position (within them) of the row explained."""
    if model.user_id is not None:
        ids = data[model.user_id]
        mine = ids == customer
        if not mine.any():
            mine = ids.astype(str) == str(customer)
        if not mine.any():
            raise InvalidInputError(
                f"customer must be a value of the {model.user_id!r} column. Got one that is not there "
                f"({len(ids.unique())} customers are). Check the id and its type."
            )
        rows = data[mine.to_numpy()]
    else:
        if customer not in data.index:
            raise InvalidInputError(
                f"customer must be a row label of the data when the model has no user_id. Got one that is not "
                f"among the {len(data)} labels. Pass a label of data.index, or wrap the model with user_id."
            )
        rows = data.loc[[customer]]
    if model.task != "ranking":
        if item is not None:
            raise InvalidInputError(f"item must be None for a {model.task} model. Got an item. Leave it out.")
        return rows, 0
    if item is None:
        raise InvalidInputError(
            f"item must name the {model.item_id!r} value to explain for a ranking model. Got None. "
            "Pass item=... (one of this customer's items)."
        )
    items = rows[model.item_id]
    hit = np.flatnonzero((items == item).to_numpy() | (items.astype(str) == str(item)).to_numpy())
    if len(hit) == 0:
        raise InvalidInputError(
            f"item must be one of this customer's {model.item_id!r} values. Got one they have no row for "
            f"({len(items)} rows). Pass an item the model scored for them."
        )
    return rows, int(hit[0])


def _rank_of(model: ModelAdapter, score: np.ndarray, pos: int) -> tuple[float, int | None, bool]:
    """(score, 1-based rank among the person's rows, in the result) for the row at ``pos``."""
    if model.task == "ranking":
        order = np.lexsort((np.arange(len(score)), -score))
        rank = int(np.flatnonzero(order == pos)[0]) + 1
        return float(score[pos]), rank, rank <= model.k
    return float(score[pos]), None, bool(score[pos] >= model.threshold)


def _rank(model: ModelAdapter, rows: pd.DataFrame, pos: int) -> tuple[float, int | None, bool]:
    return _rank_of(model, model.predict_score(rows), pos)


def _person_level(data: pd.DataFrame, user_id: str | None, column: str) -> bool:
    """True when ``column`` holds one value per person (constant within each user's rows)."""
    if user_id is None:
        return True
    n = data.groupby(user_id, sort=False)[column].nunique(dropna=False)
    return bool((n <= 1).all())


def _search(model: ModelAdapter, rows: pd.DataFrame, pos: int, changeable: list[str], scope: dict[str, ChangeScope],
            cats: Mapping[str, str], importance: Mapping[str, float]) -> Counterfactual | None:
    """Smallest change of the person's own changeable values that changes their result."""
    score0, rank0, in0 = _rank(model, rows, pos)
    candidates: list[tuple[float, tuple[Change, ...]]] = []
    for col in changeable:
        own = pd.to_numeric(rows[col].iloc[pos], errors="coerce")
        if not np.isfinite(own) or own == 0:
            continue  # nothing of theirs to scale
        for f in _STEPS:
            candidates.append((abs(f - 1.0), (Change(col, cats.get(col, "other"), f, scope[col]),)))
    # then the same step on two columns together: pairs of the three with most influence
    top = sorted(changeable, key=lambda c: -abs(importance.get(c, 0.0)))[:3]
    for i, a in enumerate(top):
        for b in top[i + 1:]:
            for f in _STEPS:
                candidates.append((2 * abs(f - 1.0), (Change(a, cats.get(a, "other"), f, scope[a]),
                                                      Change(b, cats.get(b, "other"), f, scope[b]))))
    candidates.sort(key=lambda c: (c[0], -max(abs(importance.get(ch.column, 0.0)) for ch in c[1])))

    def apply(changes: tuple[Change, ...]) -> pd.DataFrame:
        new = rows.copy()
        for ch in changes:
            target = slice(None) if ch.scope == "person" else [new.index[pos]]
            vals = pd.to_numeric(new.loc[target, ch.column], errors="coerce") * ch.factor
            if pd.api.types.is_integer_dtype(rows[ch.column]):
                vals = np.rint(vals).astype(rows[ch.column].dtype)
            new.loc[target, ch.column] = vals
        return new

    if not candidates:
        return None
    # score every candidate in one call, then keep the smallest change that alters the result
    batch = pd.concat([apply(changes) for _, changes in candidates], ignore_index=True)
    scores = model.predict_score(batch).reshape(len(candidates), len(rows))
    for (_, changes), score in zip(candidates, scores):
        score1, rank1, in1 = _rank_of(model, score, pos)
        if in1 != in0:
            # check by re-scoring the changed rows on their own
            verified = _rank(model, apply(changes), pos)[2] == in1
            effect = ("leaves_top_k" if in0 else "enters_top_k") if model.task == "ranking" else "decision_flips"
            return Counterfactual(changes, effect, rank0, rank1, score0, score1, verified=verified)
    return None


def explain_person(
    model: ModelAdapter,
    data: pd.DataFrame,
    customer: Any,
    item: Any = None,
    *,
    categories: Mapping[str, str] | None = None,
    sources: Mapping[str, str] | None = None,
    roles: Mapping[str, str] | None = None,
    changeable: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    rationale: Mapping[str, str] | None = None,
    random_state: int = 0,
) -> PersonExplanation:
    """Explain one person's result: reasons, data used and not used, and a counterfactual.

    Parameters
    ----------
    model : ModelAdapter
    data : DataFrame
        The scored rows; this person's rows are taken from it, and it is the background
        for linear and permutation explanations (an average, never shown).
    customer : object
        A value of ``model.user_id``, or a row label of ``data`` when there is none.
    item : object, default=None
        For ranking models: the ``model.item_id`` value to explain.
    categories, sources, roles : mapping of column to str, default=None
        From the inventory: data category, source and role of each column.
    changeable : sequence of str, default=None
        Numeric inputs the person can change. Default: inputs of a behavioural category.
    labels, rationale : mapping, default=None
        Plain-words names of columns and the publisher's reason per category, for rendering.

    Returns
    -------
    PersonExplanation
    """
    from ._explain import local_attributions

    cats = dict(categories or {})
    rls = dict(roles or {})
    rows, pos = _locate(model, data, customer, item)
    cols = list(model.input_columns)
    cats_in = {c: ("item" if c == model.item_id else cats.get(c, "other")) for c in cols}
    sm, raw, _ = local_attributions(model, rows.iloc[[pos]], data, random_state=random_state)
    values = np.asarray(raw, dtype=float)[0]
    attributions = {c: float(values[j]) for j, c in enumerate(cols)}
    by_cat: dict[str, float] = {}
    for c, v in attributions.items():
        by_cat[cats_in[c]] = by_cat.get(cats_in[c], 0.0) + v

    score, rank, in_result = _rank(model, rows, pos)
    change = _changeable(data, cols, cats_in, changeable)
    scope: dict[str, ChangeScope] = {c: ("person" if _person_level(data, model.user_id, c) else "row") for c in change}
    cf = _search(model, rows, pos, change, scope, cats_in, attributions) if change else None
    used, not_used, src = _data_used(model, data, cats, cats_in, rls, dict(sources or {}))
    return PersonExplanation(
        customer=str(customer),
        item=None if item is None else str(item),
        task=model.task,
        k=model.k if model.task == "ranking" else None,
        rank=rank,
        in_top_k=in_result if model.task == "ranking" else None,
        selected=in_result if model.task == "binary" else None,
        score=score,
        reasons=_pick_reasons(values, cols, cats_in),
        attributions=attributions,
        category_attributions=by_cat,
        categories_used=tuple(used),
        categories_not_used=tuple(not_used),
        sources=src,
        counterfactual=cf,
        unit=sm.output_unit,
        algorithm=sm.algorithm,
        exact=bool(sm.exact),
        base_value=float(sm.base_value),
        item_column=model.item_id,
        labels=dict(labels or {}),
        rationale=dict(rationale or {}),
    )


def _changeable(data: pd.DataFrame, cols: list[str], cats_in: Mapping[str, str],
                changeable: Sequence[str] | None) -> list[str]:
    """The inputs the person can change: given (and checked), or the numeric behavioural inputs."""
    if changeable is None:
        return [c for c in cols if cats_in[c] in CHANGEABLE_CATEGORIES
                and pd.api.types.is_numeric_dtype(data[c]) and data[c].dtype != bool]
    bad = [c for c in changeable if c not in cols]
    if bad:
        raise InvalidInputError(f"changeable must name model inputs. Got {bad[:5]!r}, which the model does not read.")
    return list(changeable)


def _data_used(model: ModelAdapter, data: pd.DataFrame, cats: Mapping[str, str], cats_in: Mapping[str, str],
               roles: Mapping[str, str], sources: Mapping[str, str]
               ) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """The categories the model reads, the held categories it does not, and the sources per category."""
    held = [c for c in data.columns if roles.get(c, "feature") not in {"target", "item"} and c != model.item_id]
    cols = list(model.input_columns)
    used = sorted({cats_in[c] for c in cols if c != model.item_id})
    not_used = sorted({cats.get(c, "other") for c in held if c not in cols} - set(used))
    src: dict[str, set[str]] = {}
    for c in held:
        src.setdefault(cats_in.get(c, cats.get(c, "other")), set()).add(sources.get(c, "unknown"))
    return used, not_used, {k: sorted(v) for k, v in src.items()}
