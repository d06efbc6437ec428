"""Audit a collaborative-filtering recommender in one call, and explain one customer's result from it.

:func:`audit_collaborative` runs, on the model's own top-k lists: exposure and quality per
group (:func:`explainer.assess_fairness`, sensitive attributes from a customer table), the
popularity bias, the share of each interaction source, proxies in the learned factors, and
the gap between the served and the explained score. :meth:`CollaborativeAudit.why` gives a
customer's own "why am I seeing this?". The audit document names no item of anyone's
history and no customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._display import HTMLDisplay
from ._plain import plain
from .errors import InvalidInputError
from .findings import Finding, Severity, phrase
from .inventory import DataInventory
from .models import CollaborativeAdapter
from ._messages import columns_include

__all__ = ["CollaborativeAudit", "audit_collaborative"]


@dataclass(frozen=True, repr=False)
class CollaborativeAudit(HTMLDisplay):
    """What :func:`audit_collaborative` measured.

    Attributes
    ----------
    model : CollaborativeAdapter
    fairness : FairnessResult or None
        Exposure (and quality, with held-out interactions) per group.
    popularity : PopularityResult
    sources : SourceShares or None
        Each interaction source's share of the attributions (LightFM: each user-feature column's).
    proxies : ProxyResult or None
        ALS and LightFM: whether the learned factors predict a sensitive attribute.
    served_gap : ServedGap
        Served against explained score over the audited top-k pairs.
    """

    model: CollaborativeAdapter
    fairness: Any
    popularity: Any
    sources: Any
    proxies: Any
    served_gap: Any
    inventory: DataInventory | None = None
    options: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def why(self, customer: Any, item: Any, *, config: Any = None) -> Any:
        """One customer's "why am I seeing this?" (see :func:`explainer.why_collaborative`)."""
        from ._why import why_collaborative

        return why_collaborative(self.model, customer, item, inventory=self.inventory, config=config)

    def __repr__(self) -> str:
        sev: dict[str, int] = {}
        for f in self.findings:
            sev[f.severity.value] = sev.get(f.severity.value, 0) + 1
        return (f"CollaborativeAudit(model={type(self.model.model).__name__}, customers="
                f"{self.options.get('n_customers')}, k={self.model.k}, findings={sev})")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        from ._collaborative_document import collaborative_view

        return "collaborative_audit", collaborative_view(self)

    def to_html(self, out: Any, *, force: bool = False, user_id: str | None = None) -> dict[str, Any]:
        """Write the reviewer report into the folder ``out``, whole or not at all.

        ``audit.html`` shows the measurements (the notebook view, as a page) and
        ``audit.json`` is the audit document (:func:`collaborative_document`), which the
        disclosure renderers read. Names no customer and no item of anyone's history. The
        folder follows the report rules: a manifest of what was written; files the
        toolkit did not write are never replaced.

        Returns
        -------
        dict
            ``paths`` written.
        """
        import json
        from pathlib import Path

        from ._collaborative_document import collaborative_document, collaborative_view
        from ._outputs import ReportDir
        from .report._render import _env

        page = _env().get_template("collaborative_audit.html.j2").render(name=self.model.name,
                                                                          **collaborative_view(self))
        doc = collaborative_document(self, user_id=user_id)
        with ReportDir(out, force=force) as tmp:
            (tmp / "audit.html").write_text(page, encoding="utf-8")
            (tmp / "audit.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return {"paths": [Path(out) / "audit.html", Path(out) / "audit.json"]}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document for reviewers: counts, shares, intervals; no history items, no customers."""
        doc: dict[str, Any] = plain({
            "model": self.model.describe(),
            "served_gap": self.served_gap.to_dict(),
            "popularity": self.popularity.to_dict(),
            "sources": None if self.sources is None else self.sources.to_dict(),
            "proxies": None if self.proxies is None else self.proxies.to_dict(),
            "fairness": None if self.fairness is None else {
                "exposure_gaps": None if self.fairness.exposure_gaps is None
                else self.fairness.exposure_gaps.to_dict(orient="records"),
                "quality": None if self.fairness.quality is None else self.fairness.quality.to_dict(orient="records"),
            },
            "options": dict(self.options),
            "findings": [f.to_dict() for f in self.findings],
        })
        return doc


def audit_collaborative(
    model: CollaborativeAdapter,
    customers: pd.DataFrame | None = None,
    *,
    sensitive_features: Sequence[str] = (),
    user_id: str | None = None,
    test_interactions: Any = None,
    inventory: DataInventory | None = None,
    min_group_size: int = 30,
    n_boot: int = 200,
    random_state: int = 0,
) -> CollaborativeAudit:
    """Audit a collaborative-filtering recommender on its own top-k lists.

    Parameters
    ----------
    model : CollaborativeAdapter
        From ``explainer.wrap_model(model, interactions=...)``.
    customers : DataFrame, default=None
        One row per audited customer: their id (column ``user_id``, or the index) and the
        sensitive attributes. Default: every customer, no group analysis.
    sensitive_features : sequence of str, default=()
        Columns of ``customers`` for exposure and quality per group and the factor proxies.
    test_interactions : sparse matrix, default=None
        Held-out interactions (customers x items): quality per group (hit rate, NDCG@k).
    inventory : DataInventory, default=None
        Categories of the interaction sources (a record per source name, or ``history``)
        and of LightFM user-feature columns.

    Returns
    -------
    CollaborativeAudit
    """
    from .analyses._cf import attribute_sources
    from .analyses._cf_audit import factor_proxies, popularity_bias

    if not isinstance(model, CollaborativeAdapter):
        raise InvalidInputError(
            f"model must be a CollaborativeAdapter. Got {type(model).__name__}. "
            "Wrap it first: explainer.wrap_model(model, interactions=...)."
        )
    rows = _audited_rows(model, customers, sensitive_features, user_id)
    test = _held_out(model, test_interactions)
    # the model's own top k per customer; the ranking audit reads the served scores
    tops = {int(r): t[t >= 0] for r, t in zip(rows, model.top_k(rows))}
    gap = model.served_vs_explained_gap([(r, int(c)) for r, t in tops.items() for c in t])
    fairness = None
    if sensitive_features and customers is not None:
        fairness = _exposure(model, rows, tops, customers, list(sensitive_features), test, min_group_size=min_group_size,
                             n_boot=n_boot, random_state=random_state)
    cats = {r.column: r.category for r in inventory} if inventory is not None else {}
    popularity = popularity_bias(model, customers=[model.user_ids[r] for r in rows], n_boot=n_boot,
                                 random_state=random_state)
    # ALS and item-item: shares per interaction source; LightFM: per user-feature column
    explained = [model.user_ids[r] for r in rows if model.basis != "history" or len(model.history(int(r))[0])]
    sources = (attribute_sources(model, customers=explained, categories=cats, n_boot=n_boot,
                                 random_state=random_state) if explained else None)
    proxies = None
    if sensitive_features and customers is not None and model.kind != "item_item":
        proxies = factor_proxies(model, customers, sensitive_features=list(sensitive_features), user_id=user_id,
                                 random_state=random_state)
    options = {"k": model.k, "n_customers": len(rows), "min_group_size": min_group_size, "n_boot": n_boot,
               "random_state": random_state, "sensitive_features": list(sensitive_features),
               "held_out": test is not None}
    return CollaborativeAudit(model, fairness, popularity, sources, proxies, gap, inventory, options,
                              _findings(gap, popularity, proxies, _labelled(fairness, model)))


def _audited_rows(model: CollaborativeAdapter, customers: pd.DataFrame | None, sensitive_features: Sequence[str],
                  user_id: str | None) -> npt.NDArray[np.int64]:
    """Interaction-matrix rows of the audited customers (every customer without a table)."""
    if customers is None:
        if sensitive_features:
            raise InvalidInputError(
                "customers must be given with sensitive_features: a table of the customers and their attributes. "
                "Got None. Pass customers=<DataFrame>."
            )
        return np.arange(model.n_users, dtype=np.int64)
    if not isinstance(customers, pd.DataFrame):
        raise InvalidInputError(f"customers must be a pandas DataFrame. Got {type(customers).__name__}.")
    missing = [c for c in list(sensitive_features) + ([user_id] if user_id else []) if c not in customers.columns]
    if missing:
        raise InvalidInputError(
            f"sensitive_features and user_id must name columns of customers. Got {missing[:5]!r}, which are not "
            f"there. {columns_include(customers.columns)}"
        )
    ids = list(customers.index if user_id is None else customers[user_id])
    return np.array([model.user_row(c) for c in ids], dtype=np.int64)


def _held_out(model: CollaborativeAdapter, test_interactions: Any) -> Any:
    """The held-out interactions as CSR, of the interaction matrix's shape; or None."""
    from .models._collaborative_checks import _csr

    if test_interactions is None:
        return None
    test = _csr(test_interactions, "test_interactions")
    if test.shape != model.interactions.shape:
        raise InvalidInputError(
            f"test_interactions must have the shape of interactions, {model.n_users} x {model.n_items}. Got "
            f"{test.shape[0]} x {test.shape[1]}. Hold out interactions of the same customers and items."
        )
    return test


def _exposure(model: CollaborativeAdapter, rows: npt.NDArray[np.int64], tops: dict[int, Any], customers: pd.DataFrame,
              sensitive_features: list[str], test: Any, *, min_group_size: int, n_boot: int,
              random_state: int) -> Any:
    """Exposure (and, with held-out interactions, quality) per group over every candidate item.

    Read from the top-k lists a block of customers at a time
    (:func:`~explainer.analyses._cf_fairness.collaborative_fairness`): the same numbers as
    :func:`~explainer.analyses.assess_fairness` on the customer x candidate table, without
    building it.
    """
    from .analyses._cf_fairness import collaborative_fairness

    k = model.k
    table = np.full((len(rows), k), -1, dtype=np.int64)
    for n, r in enumerate(rows):
        t = tops[int(r)][:k]
        table[n, : len(t)] = t
    sensitive = customers.reset_index(drop=True)[sensitive_features]
    return collaborative_fairness(model, rows, table, sensitive, test, min_group_size=min_group_size, n_boot=n_boot,
                                  random_state=random_state)


#: A served score this far (relative) from the explained one is worth stating as a finding.
SERVED_GAP_NOTE = 0.001


def _labelled(fairness: Any, model: CollaborativeAdapter) -> Any:
    """The fairness result with each exposure gap's item named by its catalogue label (a
    recommended item, never one of a customer's history: the gaps are over candidates)."""
    from dataclasses import replace

    if fairness is None or fairness.exposure_gaps is None or not len(fairness.exposure_gaps):
        return fairness
    gaps = fairness.exposure_gaps.copy()
    gaps["item"] = [model.label(int(c)) for c in gaps["item"]]
    return replace(fairness, exposure_gaps=gaps)


def _findings(gap: Any, popularity: Any, proxies: Any, fairness: Any = None) -> tuple[Finding, ...]:
    from .findings._rules import exposure_gap_findings

    out: list[Finding] = []
    if fairness is not None:  # one roll-up per sensitive feature: items whose gap passes the adjusted test
        names = {str(i): str(i) for i in fairness.exposure_gaps["item"]} if fairness.exposure_gaps is not None else {}
        out += exposure_gap_findings(fairness, names)
    if gap.served == "stored" and gap.relative > SERVED_GAP_NOTE:
        out.append(Finding("recsys.served_gap", Severity.INFO, (), phrase(
            "recsys.served_gap", n=gap.n_pairs, mean=f"{gap.mean_abs:.4f}", max=f"{gap.max_abs:.4f}",
            relative=f"{gap.relative:.1%}"), evidence=gap.to_dict()))
    for head, share in popularity.slot_share.items():
        lo, hi = popularity.intervals[f"slot_share@{head:g}"]
        base = popularity.interaction_share[head]
        if lo > base:  # the head gets more of the slots than of the interactions, beyond the interval
            out.append(Finding("recsys.popularity_concentration", _popularity_severity(share, base),
                               (), phrase("recsys.popularity_concentration", head=f"{head:.0%}",
                                          n_head=f"{popularity.head_size[head]} items", slot_share=f"{share:.1%}",
                                          k=popularity.k, ci=f"{lo:.1%} to {hi:.1%}",
                                          interaction_share=f"{base:.1%}", ratio=f"{popularity.amplification(head):.1f}",
                                          rest_slot=f"{1 - share:.1%}", rest_share=f"{1 - base:.1%}"),
                               evidence={"head": head, "slot_share": share, "interval": [lo, hi],
                                         "interaction_share": base}))
    if proxies is not None:
        t = proxies.to_frame()
        for _, r in t[t["flagged"]].iterrows():
            out.append(Finding("recsys.factor_proxy", Severity.MEDIUM, (str(r["sensitive_feature"]),), phrase(
                "recsys.factor_proxy", sensitive=r["sensitive_feature"], auc=f"{float(r['auc']):.2f}"),
                evidence={"auc": float(r["auc"]), "threshold": float(proxies.threshold)}))
    return tuple(out)


#: Popularity concentration is medium when the most popular items get more than this many times
#: their share of the interactions, or the rest of the catalogue less than its share divided by it.
POPULARITY_MEDIUM_RATIO = 2.0


def _popularity_severity(slot_share: float, interaction_share: float) -> Severity:
    """Medium past the ratio on either side: the head's gain, or the rest's loss (a head that already
    holds half the interactions cannot double its share, but the rest can lose most of theirs)."""
    head_gain = slot_share > POPULARITY_MEDIUM_RATIO * interaction_share
    rest_loss = (1.0 - slot_share) < (1.0 - interaction_share) / POPULARITY_MEDIUM_RATIO
    return Severity.MEDIUM if head_gain or rest_loss else Severity.LOW
