"""One person's explanation as a public object: text, a self-contained page and a notebook view."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from .analyses._person import PersonExplanation, explain_person
from .errors import InvalidInputError, OutputExistsError
from .inventory import DataInventory

__all__ = ["WhyExplanation", "why", "why_collaborative"]


@dataclass(frozen=True)
class WhyExplanation(PersonExplanation):
    """Why one person sees one item (or got one result), in plain words.

    Build it with :meth:`explainer.Audit.why` or :func:`explainer.why`. ``str(w)`` is the
    text, :meth:`to_html` writes a self-contained page, and notebooks show the same content. It
    holds that person's attributions and categories only: no raw values, no other
    person's data. Attribution numbers are estimates, in ``unit``.
    """

    config: Any = None
    item_label: str | None = None

    @classmethod
    def from_result(cls, result: PersonExplanation, *, config: Any = None,
                    item_label: str | None = None) -> WhyExplanation:
        return cls(**{f.name: getattr(result, f.name) for f in fields(PersonExplanation)}, config=config,
                   item_label=item_label)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.pop("config", None)
        return d

    def __str__(self) -> str:
        from .report._why import render_why_text

        return render_why_text(self.to_dict(), self.config)

    def to_html(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the page to ``path`` (atomically: whole or not at all). Returns the path."""
        from ._io import atomic_write_text
        from .report._why import render_why_html

        p = Path(path)
        if p.is_dir():
            raise InvalidInputError(f"path must be a file path for why.html. Got a folder {p.name!r}. Add a file name.")
        if p.exists() and not force:
            raise OutputExistsError(f"path must not exist yet. Got {p.name!r}, which exists. Pass force=True to replace it.")
        atomic_write_text(p, render_why_html(self.to_dict(), self.config))
        p.chmod(0o644)  # readable like the other report files (the temporary file was private)
        return p

    def __repr__(self) -> str:
        """Short and without the person's id (a notebook saves it as the output's plain text)."""
        where = f"rank={self.rank}, k={self.k}" if self.rank is not None else f"selected={self.selected}"
        return (f"WhyExplanation(item={self.item!r}, task={self.task!r}, {where}, score={self.score:.3f}, "
                f"reasons={[r.column for r in self.reasons]!r}, unit={self.unit!r})")

    def _repr_html_(self) -> str:
        """What :meth:`to_html` writes, as a fragment scoped to its own root (no page, no global style)."""
        from .report._why import render_why_fragment

        return render_why_fragment(self.to_dict(), self.config)


def _config(config: Any) -> Any:
    if config is None:
        return None
    from .report._config import DisclosureConfig

    return config if isinstance(config, DisclosureConfig) else DisclosureConfig.from_yaml(config)


def explain_for(model: Any, data: pd.DataFrame, inventory: DataInventory, customer: Any, item: Any, *,
                changeable: Sequence[str] | None, config: Any, random_state: int,
                item_labels: dict[str, str] | None = None) -> WhyExplanation:
    cfg = _config(config)
    cats = inventory.category_map()
    rationale: dict[str, str] = {}
    if cfg is not None:
        from .report._config import is_gap

        for c in set(cats.values()) - {"item"}:
            v = cfg.get(f"category_rationale.{c}")
            if not is_gap(v):
                rationale[c] = str(v)
    result = explain_person(
        model, data, customer, item, categories=cats, sources={r.column: r.source for r in inventory},
        roles={r.column: r.role for r in inventory}, changeable=changeable, rationale=rationale,
        random_state=random_state,
    )
    label = (item_labels or {}).get(str(item)) if item is not None else None
    return WhyExplanation.from_result(result, config=cfg, item_label=label)


def why(
    model: Any,
    data: pd.DataFrame,
    customer: Any,
    item: Any = None,
    *,
    inventory: DataInventory | None = None,
    task: str | None = None,
    user_id: str | None = None,
    item_id: str | None = None,
    k: int = 3,
    threshold: float = 0.5,
    changeable: Sequence[str] | None = None,
    config: Any = None,
    random_state: int = 0,
) -> WhyExplanation:
    """Explain one person's result without running a whole audit.

    Parameters
    ----------
    model : estimator, Pipeline, booster, callable or ModelAdapter
    data : DataFrame
        The scored rows (for a recommender, every customer x item row).
    customer : object
        A value of ``user_id`` (ranking), or a row label of ``data``.
    item : object, default=None
        For ranking: the item to explain.
    inventory : DataInventory, default=None
        Categories and sources of the columns; drafted with :func:`explainer.scan` when absent.
    changeable : sequence of str, default=None
        Columns the person can change; default: the model's behavioural inputs.
    config : DisclosureConfig or path, default=None
        Publisher facts: reasons per category, controls, contact, human review.

    Returns
    -------
    WhyExplanation
    """
    from ._validate import check_audit_data, check_column
    from .inventory._complete import complete_inventory
    from .models import ModelAdapter
    from .pipeline._options import AuditOptions

    options = AuditOptions(task=task, user_id=user_id, item_id=item_id, k=k, threshold=threshold,
                           random_state=random_state)
    data = check_audit_data(data, None, [])
    adapter = options.wrap(model)
    if not isinstance(adapter, ModelAdapter):  # a collaborative-filtering recommender has its own entry point
        raise InvalidInputError(
            f"model must be a feature-based model for explainer.why. Got a collaborative-filtering recommender "
            f"({type(adapter).__name__}). Use explainer.why_collaborative(model, customer, item) instead."
        )
    check_column("user_id", adapter.user_id, data.columns)
    check_column("item_id", adapter.item_id, data.columns)
    inv = complete_inventory(data, inventory, target=None, inputs=adapter.input_columns, sensitive=[],
                             random_state=random_state, user_id=adapter.user_id, item_id=adapter.item_id)
    return explain_for(adapter, data, inv, customer, item, changeable=changeable, config=config,
                       random_state=random_state)


def why_collaborative(
    model: Any,
    customer: Any,
    item: Any,
    *,
    inventory: DataInventory | None = None,
    config: Any = None,
) -> WhyExplanation:
    """Explain why one customer sees one item with a collaborative-filtering recommender.

    The reasons are the items of the customer's own history that added most to the item's
    score (ALS, item-item; exact attributions), or their user features (LightFM); what would
    change it is found by removing or down-weighting those items and re-scoring, checked
    through the library's own code. The page names items by their label and shows only
    this customer's own history.

    Parameters
    ----------
    model : CollaborativeAdapter
        From ``explainer.wrap_model(model, interactions=..., item_labels=...)``.
    customer : object
        A value of the adapter's ``user_ids``.
    item : object
        A value of its ``item_ids`` that the customer has not interacted with yet.
    inventory : DataInventory, default=None
        Category and source of the history (a record for the column ``history``) and, for
        LightFM, of each user-feature column. The history defaults to behavioural, observed.
    config : DisclosureConfig or path, default=None
        Publisher facts: reasons per category, controls, contact, human review.

    Returns
    -------
    WhyExplanation
    """
    from .analyses._cf import explain_collaborative_person
    from .models import CollaborativeAdapter

    if not isinstance(model, CollaborativeAdapter):
        raise InvalidInputError(
            "model must be a CollaborativeAdapter. Got "
            f"{type(model).__name__}. Wrap it first: explainer.wrap_model(model, interactions=..., item_labels=...)."
        )
    if model.basis == "history" and not model.item_labels:
        raise InvalidInputError(
            "item_labels must name the items to explain a customer's result in words. Got none. "
            "Pass item_labels={item id: title} to wrap_model."
        )
    cfg = _config(config)
    cats = {r.column: r.category for r in inventory} if inventory is not None else {}
    srcs = {r.column: r.source for r in inventory} if inventory is not None else {}
    rationale: dict[str, str] = {}
    if cfg is not None:
        from .report._config import is_gap

        for c in set(cats.values()) | {"behavioural"}:
            v = cfg.get(f"category_rationale.{c}")
            if not is_gap(v):
                rationale[c] = str(v)
    result = explain_collaborative_person(model, customer, item, categories=cats, sources=srcs, rationale=rationale)
    return WhyExplanation.from_result(result, config=cfg)
