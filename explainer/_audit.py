"""The audit: run every analysis on one model and one data set, collect the findings."""

from __future__ import annotations

import functools
import hashlib
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar, cast

import numpy as np
import pandas as pd

from ._display import HTMLDisplay
from ._progress import resolve_progress
from ._validate import (
    check_audit_options,
    check_group_sizes,
    column_names,
    check_probabilities,
    check_scores_vary,
    check_target_facts,
    k_warnings,
    score_checked,
    target_facts,
)
from ._version import __version__
from .analyses._explain import ShapResult, explain
from .analyses._fairness import FairnessResult, audit_fairness
from .analyses._groupstats import FOUR_FIFTHS
from .analyses._membership import MembershipResult, membership_inference_risk
from .analyses._minimisation import MinimisationResult, assess_minimisation
from .analyses._privacy import ReidentificationResult, quasi_identifiers_from_inventory, reidentification_risk
from .errors import InvalidInputError
from .analyses._performance import PerformanceResult
from .analyses._slices import ErrorSlicesResult
from .findings import Finding, Severity, category_label, column_label, is_derived, name_item, phrase
from .inventory import DataInventory
from .models import ModelAdapter, wrap_model

__all__ = ["Audit", "audit", "audit_decisions", "SCHEMA_VERSION"]

#: Version of the audit.json layout; see explainer/report/audit.schema.json.
SCHEMA_VERSION = "1.0"

Say = Callable[[str], None]
Progress = Say | bool

#: A sensitive feature with more groups than this is refused: its labels would single people out.
MAX_GROUPS = 100

#: The membership test scores at most this many customers (recommenders) or rows on each side.
MEMBERSHIP_MAX_CUSTOMERS = 2000
MEMBERSHIP_MAX_ROWS = 10000


@dataclass(frozen=True)
class Audit(HTMLDisplay):
    """Everything one audit measured. Render it with :meth:`to_html`, save :meth:`to_json`.

    The object holds results only: no customer's data values. ``explanation.values``
    holds per-row attributions of the explained sample, which stay in memory and are
    never written to a report.

    An audit of a decision log (:func:`audit_decisions`) has no model: ``model``,
    ``explanation``, ``minimisation`` and ``proxies`` are None and the reports say
    "not assessed: no model" for them. ``warnings`` says what could not be judged on this
    data (for example a sensitive feature without a group large enough to judge).
    """

    model: ModelAdapter | None
    inventory: DataInventory
    model_info: dict[str, Any]
    data_info: dict[str, Any]
    explanation: ShapResult | None
    fairness: FairnessResult | None
    minimisation: MinimisationResult | None
    proxies: Any
    findings: tuple[Finding, ...]
    provenance: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    data: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    proxy_flow: Any = None
    reidentification: ReidentificationResult | None = None
    membership: MembershipResult | None = None
    #: How well the model predicts, overall and per group (needs the outcome).
    performance: PerformanceResult | None = None
    #: Where the model errs most, over one or two input columns (needs the outcome).
    error_slices: ErrorSlicesResult | None = None
    #: What this audit could not judge or where its numbers need care, for audit.json and the
    #: reviewer report (names columns and gives counts, never values).
    warnings: tuple[str, ...] = ()

    # --- export -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The audit.json document (see ``explainer/report/audit.schema.json``)."""
        from .report._json import audit_to_dict

        return audit_to_dict(self)

    def to_json(self, path: Any = None) -> str:
        from .report._json import audit_to_json

        return audit_to_json(self, path)

    def to_html(self, out: Any, *, force: bool = False, config: Any = None, previous: Any = None) -> dict[str, Any]:
        """Write disclosure.html, audit.html and audit.json into the folder ``out``, whole or not at all.

        ``config`` is the publisher's disclosure.yaml (or a DisclosureConfig); ``previous`` an
        earlier audit.json of the same system, for a "what changed" section.
        """
        from .report import write_reports

        return write_reports(self, out, force=force, config=config, previous=previous)

    def why(self, customer: Any, item: Any = None, *, changeable: Sequence[str] | None = None,
            config: Any = None) -> Any:
        """One person's explanation: "why am I seeing this?".

        Parameters
        ----------
        customer : object
            A value of the ``user_id`` column (ranking), else a row label of the audited data.
        item : object, default=None
            For ranking models: the item (a value of ``item_id``) to explain.
        changeable : sequence of str, default=None
            Columns the person can change; default: the model's behavioural inputs.
        config : DisclosureConfig or path, default=None
            Publisher facts (reasons per category, controls, contact).

        Returns
        -------
        WhyExplanation
        """
        from ._why import explain_for

        if self.model is None:
            raise InvalidInputError(
                "audit must have a model to explain one person. Got an audit of a decision log. "
                "Audit the model itself with explainer.audit(model, data, ...)."
            )
        if self.data is None:
            raise InvalidInputError(
                "audit must hold its data to explain one person. Got an Audit without data. "
                "Run explainer.audit(...) again, or use explainer.why(model, data, ...)."
            )
        return explain_for(self.model, self.data, self.inventory, customer, item, changeable=changeable,
                           config=config, random_state=int(self.options.get("random_state", 0)),
                           item_labels=self.model_info.get("item_labels"))

    def findings_matching(self, selectors: Sequence[str]) -> list[Finding]:
        return [f for f in self.findings if any(f.matches(s) for s in selectors)]

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        return "audit_summary", {"doc": self.to_dict()}

    def dashboard(self, data: pd.DataFrame | None = None) -> Any:
        """An interactive dashboard of this audit for Jupyter (ipywidgets; no server, no port).

        Parameters
        ----------
        data : DataFrame, default=None
            The data the audit ran on, for the per-customer tab, when the audit does not hold
            it (``audit.data``). That tab shows :meth:`why` for the chosen customer and item.

        Returns
        -------
        explainer.widgets.Dashboard
        """
        from .widgets import Dashboard

        return Dashboard(self, data=data)

    def __repr__(self) -> str:
        sev: dict[str, int] = {}
        for f in self.findings:
            sev[f.severity.value] = sev.get(f.severity.value, 0) + 1
        return (f"Audit(model={self.model_info.get('type')}, task={self.model_info.get('task')}, "
                f"rows={self.data_info.get('rows')}, findings={sev})")


# ----------------------------------------------------------------------------------------
def _data_hash(data: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, data.columns)).encode())
    h.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"explainer-toolkit": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "pandas", "scikit-learn", "shap", "fairlearn", "lightgbm", "xgboost", "textstat",
                "jinja2", "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def _complete_inventory(
    data: pd.DataFrame,
    inventory: DataInventory | None,
    *,
    target: str | None,
    inputs: Sequence[str],
    sensitive: Sequence[str],
    random_state: int,
    user_id: str | None = None,
    item_id: str | None = None,
    other: Sequence[str] = (),
) -> DataInventory:
    """Use the given inventory; draft the columns it lacks; set roles the audit knows."""
    from .inventory._scan import scan

    inv = inventory if inventory is not None else DataInventory()
    missing = [c for c in data.columns if c not in inv]
    if missing:
        draft = scan(data[missing], random_state=random_state).inventory
        for rec in draft:
            inv = inv.with_record(rec)
    forced = {c: "other" for c in other}
    if target is not None:
        forced[target] = "target"
    if user_id:
        forced[user_id] = "identifier"
    if item_id:
        forced[item_id] = "item"
    for s in sensitive:
        if s not in inputs:
            forced[s] = "sensitive"
    if item_id and missing:  # drafted columns that only describe the item (its department, price)
        by_item = data.groupby(item_id, sort=False)
        for col in missing:
            if col in forced or col in inputs or col == item_id:
                continue
            if data[col].nunique() > 1 and int(by_item[col].nunique(dropna=False).max()) == 1:
                forced[col] = "item"
    for col, role in forced.items():
        if col in inv and inv[col].role != role:
            inv = inv.update(col, role=role)
    for s in sensitive:  # a column that defines groups is not an identifier, whatever the draft guessed
        if s in missing and s in inv:
            inv = _group_category(inv, s)
    for col in inputs:  # an input is a feature whatever the draft guessed
        if col in inv and inv[col].role in ("identifier", "sensitive", "other") and col not in forced:
            inv = inv.update(col, role="feature")
    if item_id:  # facts about the item (catalogue columns) are not data about the customer
        for col in _item_attributes(data, item_id, skip=set(forced) | set(sensitive)):
            if col in inv and inv[col].role in ("feature", "other"):
                inv = inv.update(col, role="item")
    order = {c: i for i, c in enumerate(data.columns)}
    recs = sorted((r for r in inv if r.column in order), key=lambda r: order[r.column])
    return DataInventory(recs, inv.notes)


def _group_category(inv: DataInventory, column: str) -> DataInventory:
    """A drafted sensitive column: special category when its name says so, never an identifier."""
    from .inventory._patterns import match_name

    rec = inv[column]
    special = [r for r in match_name(column) if r.category == "special_category"]
    if special and rec.category != "special_category":
        return inv.update(column, category="special_category",
                          special_category_kind=special[0].special_category_kind)
    if rec.category in ("direct_identifier", "contact", "other"):
        return inv.update(column, category="demographic", special_category_kind=None)
    return inv


def _item_attributes(data: pd.DataFrame, item_id: str, *, skip: set[str]) -> list[str]:
    """Columns that hold one value per item and differ between items: catalogue facts, such as
    a product's department, repeated on every customer x item row."""
    out = []
    for col in data.columns:
        if col == item_id or col in skip or data[col].nunique(dropna=False) < 2:
            continue
        if int(data.groupby(item_id, sort=False, observed=True)[col].nunique(dropna=False).max()) <= 1:
            out.append(str(col))
    return out


def _validate(data: Any, target: str | None, sensitive: Sequence[str]) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"data must be a pandas DataFrame. Got {type(data).__name__}. Read files with explainer.read_table()."
        )
    if data.shape[0] < 20:
        raise InvalidInputError(f"data must hold at least 20 rows to audit. Got {data.shape[0]}.")
    if not data.columns.is_unique:
        dup = data.columns[data.columns.duplicated()].tolist()
        raise InvalidInputError(f"data columns must be unique. Got {dup[:5]!r} more than once. Rename them.")
    if target is not None and target not in data.columns:
        raise InvalidInputError(
            f"target must name a column of the data. Got {target!r}, which is not there. "
            f"Columns include {sorted(map(str, data.columns))[:5]!r}."
        )
    missing = [s for s in sensitive if s not in data.columns]
    if missing:
        raise InvalidInputError(
            f"sensitive_features must name columns of the data. Got {missing[:5]!r}, which are not there. "
            f"Columns include {sorted(map(str, data.columns))[:5]!r}."
        )
    for s in sensitive:
        n_na = int(data[s].isna().sum())
        if n_na:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must have no missing values. Got {n_na} missing. "
                "Fill them with an explicit 'unknown' group or drop those rows."
            )
        n_groups = int(data[s].nunique())
        if n_groups > MAX_GROUPS:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must split people into at most {MAX_GROUPS} groups. Got "
                f"{n_groups} different values, which would name single people as groups. Use a column such as "
                "gender or age band, or band this one first."
            )
        if data[s].nunique() < 2:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must have at least two groups. Got 1. "
                "Choose a column that splits customers into groups."
            )
    return data


def _target(data: pd.DataFrame, target: str, *, task: str) -> np.ndarray:
    """The target column as numbers, checked for the task (0/1 for yes/no models and recommenders)."""
    y = data[target]
    check_target_facts(target, target_facts(y), task=task)
    if pd.api.types.is_bool_dtype(y):
        y = y.astype(int)
    outcomes: np.ndarray = y.to_numpy()
    return outcomes


def _model_metrics(adapter: ModelAdapter, y: np.ndarray | None, score: np.ndarray, decision: np.ndarray,
                   data: pd.DataFrame) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score

    if y is None:
        return {}
    if adapter.task == "ranking":
        from .analyses import ranking_metrics

        return ranking_metrics(y, score, user_ids=data[adapter.user_id].to_numpy(), k=adapter.k)
    if adapter.task == "binary":
        out = {"accuracy": float(accuracy_score(y, decision)), "selection_rate": float(decision.mean()),
               "base_rate": float(np.mean(y))}
        if len(np.unique(y)) == 2:
            out["roc_auc"] = float(roc_auc_score(y, score))
        return out
    return {"r2": float(r2_score(y, score)), "mae": float(mean_absolute_error(y, score))}


def _metric_intervals(adapter: ModelAdapter, y: np.ndarray | None, score: np.ndarray, decision: np.ndarray,
                      data: pd.DataFrame, *, n_boot: int, random_state: int) -> dict[str, list[float]]:
    """95% percentile-bootstrap intervals of the model metrics: resampling customers for a
    recommender, rows otherwise."""
    from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score

    if y is None or n_boot < 2:
        return {}
    rng = np.random.default_rng(random_state)
    draws: dict[str, list[float]] = {}
    if adapter.task == "ranking":
        from .analyses import per_user_ranking

        per = per_user_ranking(y, score, data[adapter.user_id].to_numpy(), adapter.k)
        per = per[per["n_relevant"] > 0]
        hit, ndcg = per["hit"].to_numpy(), per["ndcg"].to_numpy()
        for _ in range(n_boot):
            i = rng.integers(0, len(per), len(per))
            draws.setdefault(f"hit_rate_at_{adapter.k}", []).append(float(hit[i].mean()))
            draws.setdefault(f"ndcg_at_{adapter.k}", []).append(float(ndcg[i].mean()))
    else:
        n = len(y)
        for _ in range(n_boot):
            i = rng.integers(0, n, n)
            yt, s = y[i], score[i]
            if adapter.task == "binary":
                d = decision[i]
                draws.setdefault("accuracy", []).append(float(np.mean(yt == d)))
                draws.setdefault("selection_rate", []).append(float(d.mean()))
                draws.setdefault("base_rate", []).append(float(np.mean(yt)))
                if len(np.unique(yt)) == 2:
                    draws.setdefault("roc_auc", []).append(float(roc_auc_score(yt, s)))
            else:
                draws.setdefault("r2", []).append(float(r2_score(yt, s)))
                draws.setdefault("mae", []).append(float(mean_absolute_error(yt, s)))
    return {m: [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))] for m, v in draws.items()}


def _binary_outcome(adapter: ModelAdapter, y: np.ndarray | None) -> np.ndarray | None:
    if y is None:
        return None
    vals = np.unique(y)  # 0/1 for yes/no models and recommenders (checked by _target); maybe for a regressor
    if len(vals) == 2 and set(vals.tolist()) <= {0, 1}:
        return y.astype(int)
    return None


#: Rows explained for the proxy flow: per item for recommenders, in all otherwise.
FLOW_ROWS_PER_ITEM, FLOW_ROWS_TOTAL = 1000, 20_000


def _flow_rows(data: pd.DataFrame, item_id: str | None, random_state: int) -> np.ndarray:
    """Positions of the rows explained for the proxy flow: a seeded sample, stratified by item.

    Gaps are measured per item for recommenders, so each item gets up to
    ``FLOW_ROWS_PER_ITEM`` rows (fewer when there are many items), at most
    ``FLOW_ROWS_TOTAL`` in all.
    """
    rng = np.random.default_rng(random_state + 1)
    if not item_id:
        n = len(data)
        return np.sort(rng.choice(n, min(n, FLOW_ROWS_TOTAL), replace=False))
    codes, names = pd.factorize(data[item_id])
    per = max(50, min(FLOW_ROWS_PER_ITEM, FLOW_ROWS_TOTAL // max(len(names), 1)))
    out = []
    for c in range(len(names)):
        idx = np.flatnonzero(codes == c)
        out.append(rng.choice(idx, min(per, len(idx)), replace=False))
    return np.sort(np.concatenate(out)) if out else np.arange(0)


def _privacy_findings(reid: ReidentificationResult | None, member: MembershipResult | None,
                      unit: str) -> list[Finding]:
    """``privacy.reidentification_risk`` and ``privacy.membership_inference_risk``, when measured."""
    out: list[Finding] = []
    def fmt(v: float) -> str:
        return f"{v:.1%}"
    code = "privacy.reidentification_risk"
    if reid is not None and reid.k < reid.k_threshold:
        if reid.unique_share >= 0.05:
            sev = Severity.HIGH
        elif reid.unique_share > 0 or reid.share_below_threshold >= 0.05:
            sev = Severity.MEDIUM
        else:
            sev = Severity.LOW
        l_one = [c for c, v in reid.l_diversity.items() if v <= 1]
        l_text = phrase(code, "l_diversity", sensitive=" and ".join(l_one)) if l_one else ""
        steps_text = ""
        if reid.suggestions:
            last = reid.suggestions[-1]
            final: dict[str, str] = {}  # each column's last (coarsest) suggested step, in order of first use
            for st in reid.suggestions:
                final[st.column] = st.description
            steps = "; ".join(final.values())
            if reid.reached_threshold:
                steps_text = phrase(code, "steps_reached", steps=steps, k_after=last.k_after)
            else:
                steps_text = phrase(code, "steps", steps=steps, k_after=last.k_after,
                                    unique_after=fmt(last.unique_share_after))
        out.append(Finding(
            code, sev, reid.quasi_identifiers,
            phrase(code, n_unique=reid.n_unique, n=reid.n_rows, unit=unit, unique_share=fmt(reid.unique_share),
                   columns=", ".join(reid.quasi_identifiers), k=reid.k, k_threshold=reid.k_threshold,
                   below=fmt(reid.share_below_threshold), l_text=l_text, steps_text=steps_text),
            None,
            {"k": reid.k, "k_threshold": reid.k_threshold, "unique_share": reid.unique_share,
             "share_below_threshold": reid.share_below_threshold, "n": reid.n_rows, "unit": unit,
             "l_diversity": dict(reid.l_diversity),
             "k_after_suggestions": reid.suggestions[-1].k_after if reid.suggestions else reid.k,
             "reached_threshold": reid.reached_threshold}))
    code = "privacy.membership_inference_risk"
    if member is not None and member.available and member.level in ("slight", "some", "clear"):
        assert member.auc is not None and member.auc_interval is not None
        sev = {"clear": Severity.HIGH, "some": Severity.MEDIUM, "slight": Severity.LOW}[member.level]
        out.append(Finding(
            code, sev, (),
            phrase(code, "slight" if member.level == "slight" else "text", unit=unit, auc=f"{member.auc:.3f}",
                   ci=f"{member.auc_interval[0]:.3f} to {member.auc_interval[1]:.3f}",
                   train_loss=f"{member.train_loss:.3f}", holdout_loss=f"{member.holdout_loss:.3f}"),
            None,
            {"auc": member.auc, "ci_low": member.auc_interval[0], "ci_high": member.auc_interval[1],
             "advantage": member.advantage, "level": member.level, "n_members": member.n_members,
             "unit": unit}))
    return out


def _low_value_finding(r: Any, mini: MinimisationResult) -> Finding:
    """An input the model does not need, or barely needs, with the evidence behind it."""
    col = r["column"]
    def pct(v: float | None) -> str:
        return "not measured" if v is None or pd.isna(v) else f"{v:.1%}"

    def sgn(v: float) -> str:
        return f"{v:+.4f}"

    evidence = {"share": r["share"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "verdict": r["verdict"],
                "refit_delta": r["refit_delta"], "refit_ci_low": r["refit_ci_low"],
                "refit_ci_high": r["refit_ci_high"]}
    ci = "n/a" if r["ci_low"] is None or pd.isna(r["ci_low"]) else f"{pct(r['ci_low'])} to {pct(r['ci_high'])}"
    if r["refit_delta"] is not None and not pd.isna(r["refit_delta"]):
        metric = mini.refit.metric if mini.refit is not None else "the metric"
        evidence["refit_metric"] = metric
        text = phrase("data.low_value_column", "refit", column=col, share=pct(r["share"]), ci=ci, metric=metric,
                      delta=sgn(r["refit_delta"]), dci=f"{sgn(r['refit_ci_low'])} to {sgn(r['refit_ci_high'])}",
                      verdict=r["verdict"])
    else:
        text = phrase("data.low_value_column", "inconclusive" if r["verdict"] == "inconclusive" else "text",
                      column=col, share=pct(r["share"]), ci=ci, verdict=r["verdict"])
    # "counts for very little" is true only under the low-share line; above it, the refit is the reason
    low = r["share"] is not None and not pd.isna(r["share"]) and r["share"] < mini.method.get("low_share", 0.01)
    public = phrase("data.low_value_column", "public" if low else "public_refit", label=column_label(col))
    return Finding("data.low_value_column", Severity.LOW, (col,), text or "", public, evidence)


def _exposure_gap_findings(fair: FairnessResult, item_labels: dict[str, str] | None = None) -> list[Finding]:
    """One ``fairness.exposure_gap`` per sensitive feature: how many items pass the test, and the largest.

    A gap is reported when the whole interval of its ratio is below the four-fifths line, both
    groups have at least the minimum number of customers, and its Fisher test passes after the
    Benjamini-Hochberg adjustment over every feature x item. The full list is in the evidence and in audit.json.
    """
    gaps = fair.exposure_gaps
    if gaps is None or not len(gaps):
        return []
    out = []
    for feat in dict.fromkeys(gaps["feature"]):
        tested = gaps[gaps["feature"] == feat]
        hits = tested[tested["reported"]].sort_values(["ratio", "item"])
        if not len(hits):
            continue
        g = hits.iloc[0]
        sev = Severity.HIGH if g["ratio"] < 0.5 else Severity.MEDIUM
        evidence = {k: (v.item() if hasattr(v, "item") else v) for k, v in g.items()}
        evidence.update(n_gaps=int(len(hits)), n_items_tested=int(len(tested)), gaps=[
            {"item": (r["item"].item() if hasattr(r["item"], "item") else r["item"]), "low_group": r["low_group"],
             "high_group": r["high_group"], "ratio": float(r["ratio"]), "ratio_ci_low": float(r["ratio_ci_low"]),
             "ratio_ci_high": float(r["ratio_ci_high"]), "p_adjusted": float(r["p_adjusted"])}
            for _, r in hits.iterrows()])
        out.append(Finding(
            "fairness.exposure_gap", sev, (str(feat),),
            phrase("fairness.exposure_gap", n_gaps=len(hits), n_items=len(tested), feature=feat, item=g["item"],
                   low_group=g["low_group"], low_rate=f"{g['low_rate']:.1%}", high_rate=f"{g['high_rate']:.1%}",
                   high_group=g["high_group"], ratio=f"{g['ratio']:.2f}",
                   ci=f"{g['ratio_ci_low']:.2f} to {g['ratio_ci_high']:.2f}", p=f"{g['p_adjusted']:.2g}"),
            phrase("fairness.exposure_gap", "public",
                   item=name_item(g["item"], (item_labels or {}).get(str(g["item"]))),
                   feature_label=column_label(str(feat))),
            evidence))
    return out


def _findings(task: str, inv: DataInventory, shap: ShapResult | None,
              fair: FairnessResult | None, mini: MinimisationResult | None, proxies: Any,
              flow: Any = None, reid: ReidentificationResult | None = None, member: MembershipResult | None = None,
              unit: str = "rows", item_labels: dict[str, str] | None = None) -> list[Finding]:
    out: list[Finding] = _privacy_findings(reid, member, unit)
    def fmt(v: float) -> str:
        return f"{v:.1%}"
    low_value = set(mini.low_value) if mini is not None else set()
    for _, r in (mini.table.iterrows() if mini is not None else ()):
        col, c = r["column"], r["category"]
        if r["verdict"] == "drop" and not r["is_input"]:
            out.append(Finding("data.unused_column", Severity.LOW, (col,),
                               phrase("data.unused_column", column=col, category=category_label(c)),
                               phrase("data.unused_column", "public", label=column_label(col)),
                               {"category": c, "is_input": False}))
        elif r["is_input"] and r["column"] in low_value:
            assert mini is not None  # the rows come from mini.table
            out.append(_low_value_finding(r, mini))
        if r["is_input"] and c in ("direct_identifier", "contact"):
            out.append(Finding("privacy.direct_identifier", Severity.HIGH, (col,),
                               phrase("privacy.direct_identifier", column=col, category=category_label(c)),
                               phrase("privacy.direct_identifier", "public", label=column_label(col)),
                               {"category": c, "verdict": r["verdict"]}))
        if c == "special_category":
            code = "privacy.special_category_input" if r["is_input"] else "privacy.special_category_for_testing"
            out.append(Finding(code, Severity.HIGH if r["is_input"] else Severity.INFO, (col,),
                               phrase(code, column=col), phrase(code, "public", label=column_label(col)),
                               {"is_input": bool(r["is_input"])}))
    if fair is not None:
        out.extend(_exposure_gap_findings(fair, item_labels))
        d = fair.groups.disparities
        # below four-fifths with the whole interval, and the adjusted test of equal rates passes
        dp = d[(d["measure"] == "demographic_parity_ratio") & (d["flagged"] == True)  # noqa: E712
               & d["significant"] & (d["ci_high"] < FOUR_FIFTHS)]
        for _, r in dp.iterrows():
            if task == "ranking":
                continue  # every customer gets k of n items: selection rates are equal by construction
            out.append(Finding(
                "fairness.selection_rate_gap", Severity.MEDIUM, (str(r["feature"]),),
                phrase("fairness.selection_rate_gap", feature=r["feature"], ratio=f"{r['value']:.2f}",
                       ci=f"{r['ci_low']:.2f} to {r['ci_high']:.2f}", low_group=r["low_group"],
                       high_group=r["high_group"], p=f"{r['p_adjusted']:.2g}"),
                phrase("fairness.selection_rate_gap", "public", feature_label=column_label(str(r["feature"]))),
                {"ratio": float(r["value"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
                 "low_group": r["low_group"], "high_group": r["high_group"], "p_value": float(r["p_value"]),
                 "p_adjusted": float(r["p_adjusted"])}))
    if proxies is not None:
        t = proxies.table
        bg = getattr(proxies, "by_group", None)
        for _, r in t[t["flagged"]].iterrows():
            groups: list[dict[str, Any]] = []
            if bg is not None and len(bg):
                hit = bg[(bg["sensitive_feature"] == r["sensitive_feature"]) & (bg["column"] == r["column"])
                         & bg["flagged"].astype(bool)].sort_values("auc", ascending=False)
                groups = [{"group": str(h["group"]), "n": int(h["n"]), "auc": float(h["auc"]),
                           "ci_low": float(h["ci_low"]), "ci_high": float(h["ci_high"]),
                           "p_adjusted": float(h["p_adjusted"])} for _, h in hit.iterrows()]
            named = ", ".join(f"'{g['group']}' (AUC {g['auc']:.2f}, interval {g['ci_low']:.2f} to {g['ci_high']:.2f})"
                              for g in groups)
            out.append(Finding(
                "fairness.proxy", Severity.MEDIUM, (r["column"], r["sensitive_feature"]),
                phrase("fairness.proxy", column=r["column"], sensitive=r["sensitive_feature"], auc=f"{r['auc']:.2f}",
                       groups=named or "its groups"),
                None if is_derived(str(r["column"]), str(r["sensitive_feature"])) else
                phrase("fairness.proxy", "public", label=column_label(r["column"]),
                       sensitive_label=column_label(r["sensitive_feature"])),
                {"auc": float(r["auc"]), "sensitive_feature": r["sensitive_feature"], "groups": groups}))
    if flow is not None:
        t = flow.table[~flow.table["too_few_to_judge"]]
        for _, r in t.iterrows():
            out_clear = r["output_ci_low"] > 0 or r["output_ci_high"] < 0
            part_clear = r["contribution_ci_low"] > 0 or r["contribution_ci_high"] < 0
            passes = r["p_adjusted"] is not None and not pd.isna(r["p_adjusted"]) and r["p_adjusted"] <= 0.05
            if not (out_clear and part_clear and passes and r["share_of_gap"] is not None
                    and r["share_of_gap"] >= 0.25):
                continue
            out.append(Finding(
                "fairness.proxy_flow", Severity.MEDIUM, (r["column"], r["sensitive_feature"]),
                phrase("fairness.proxy_flow", column=r["column"], group=r["group"], sensitive=r["sensitive_feature"],
                       direction="higher" if r["output_gap"] > 0 else "lower",
                       item_part=f" for {r['item']}" if r["item"] is not None else "",
                       contribution=f"{r['contribution_gap']:.3f}", unit=flow.method.get("unit", "score"),
                       gap=f"{r['output_gap']:.3f}", ci=f"{r['output_ci_low']:.3f} to {r['output_ci_high']:.3f}",
                       share=fmt(r["share_of_gap"])),
                None, {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}))
    if fair is not None and fair.item_exposure is not None:
        for _, r in fair.item_exposure[fair.item_exposure["flagged"]].iterrows():
            out.append(Finding(
                "fairness.item_exposure_gap", Severity.MEDIUM if r["ratio_ci_high"] < 0.8 else Severity.LOW, (),
                phrase("fairness.item_exposure_gap", item_group=r["item_group"], slot_share=fmt(r["slot_share"]),
                       outcome_share=fmt(r["outcome_share"]), ratio=f"{r['ratio']:.2f}",
                       ci=f"{r['ratio_ci_low']:.2f} to {r['ratio_ci_high']:.2f}"),
                None, {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}))
    if shap is not None and shap.max_additivity_error > 1e-6 and shap.exact:
        out.append(Finding("model.additivity", Severity.MEDIUM, (),
                           phrase("model.additivity", error=f"{shap.max_additivity_error:.2e}", unit=shap.unit),
                           None, {"max_additivity_error": shap.max_additivity_error}))
    order = {s: i for i, s in enumerate(["high", "medium", "low", "info"])}
    out.sort(key=lambda f: (order[f.severity.value], f.code, f.columns))
    return out


#: Without a target, a column the model does not read whose values follow its scores this
#: closely (absolute correlation) may be the outcome of a regressor.
OUTCOME_CORRELATION = 0.5


def possible_outcomes(frame: pd.DataFrame, score: np.ndarray, adapter: ModelAdapter, inv: DataInventory,
                      sensitive: Sequence[str]) -> tuple[list[str], list[str]]:
    """Columns that may be the outcome when no target was named, and a warning naming them.

    The audit cannot tell a forgotten outcome column from data collected but unused, so it
    calls neither. A candidate is a column the model does not read, with no other role (not
    an identifier, a key, a sensitive or an item column), that looks like the outcome: for a
    yes/no model or a recommender it holds 0 and 1 (or False and True); for a regressor it is
    numeric and its correlation with the model's score is at least ``OUTCOME_CORRELATION``.
    """
    skip = {*adapter.input_columns, adapter.user_id, adapter.item_id, *sensitive}
    found = []
    for rec in inv:
        col = rec.column
        if col in skip or rec.role not in ("feature", "other") or col not in frame.columns:
            continue
        s = frame[col].dropna()
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)) or s.nunique() < 2:
            continue
        values = s.astype(float)
        if adapter.task in ("binary", "ranking"):
            if set(pd.unique(values)) <= {0.0, 1.0}:
                found.append(col)
        elif not pd.api.types.is_bool_dtype(s) and s.nunique() > 2 and np.isfinite(values).all():
            keep = frame[col].notna().to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.corrcoef(values.to_numpy(), np.asarray(score, dtype=float)[keep])[0, 1]
            if np.isfinite(r) and abs(r) >= OUTCOME_CORRELATION:
                found.append(col)
    if not found:
        return [], []
    names = ", ".join(repr(c) for c in found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    like = ("holds 0 and 1 like a yes/no outcome" if adapter.task != "regression"
            else "follows the model's score closely")
    return found, [
        f"No target was given, so the audit cannot tell whether {'column' if len(found) == 1 else 'columns'} "
        f"{names} (not read by the model; {like}) {'is' if len(found) == 1 else 'are'} the outcome the model "
        f"predicts. {'It is' if len(found) == 1 else 'They are'} not reported as collected but unused, and the "
        "model was not measured against an outcome. Name the outcome with target= (--target) to measure accuracy and group results."
    ]


def _reidentification(data: pd.DataFrame, inv: DataInventory, user_id: str | None, sensitive: Sequence[str],
                      quasi_identifiers: Sequence[str] | None, k_anonymity: int) -> ReidentificationResult | None:
    """k-anonymity and l-diversity of the audited customers over their quasi-identifiers."""
    if quasi_identifiers is None:
        qis = quasi_identifiers_from_inventory(data, inv)
    else:
        if isinstance(quasi_identifiers, str):
            raise InvalidInputError(
                f"quasi_identifiers must be a list of column names. Got the single string {quasi_identifiers!r}. "
                f"Pass [{quasi_identifiers!r}].")
        qis = list(quasi_identifiers)
        missing = [c for c in qis if c not in data.columns]
        if missing:
            raise InvalidInputError(
                f"quasi_identifiers must name columns of the data. Got {missing[:5]!r}, which are not there. "
                f"Columns include {sorted(map(str, data.columns))[:5]!r}.")
    if not qis:
        return None
    cat = {r.column: r for r in inv}
    sens = [c for c in map(str, data.columns) if c not in qis and c in cat
            and (cat[c].category == "special_category" or cat[c].role == "sensitive" or c in sensitive)]
    if user_id:  # one row per customer: a recommender scores each customer several times
        table = data[[user_id, *qis, *sens]].drop_duplicates(subset=[user_id])
    else:
        table = data[[*qis, *sens]]
    return reidentification_risk(table, quasi_identifiers=qis, sensitive_columns=sens, k_threshold=k_anonymity)


def _membership(adapter: ModelAdapter, data: pd.DataFrame, train_data: Any, target: str | None, *,
                n_boot: int, random_state: int) -> tuple[MembershipResult, dict[str, Any]]:
    """Loss-threshold attack: training rows (members) against the audited rows (held out)."""
    n_boot = max(int(n_boot), 50)

    def skip(reason: str) -> tuple[MembershipResult, dict[str, Any]]:
        return MembershipResult.not_assessed(reason, n_boot=n_boot, random_state=random_state), {}

    if train_data is None:
        return skip("no training data was given. Pass train_data, the rows the model was trained on; "
                    "the audited rows then serve as the held-out rows.")
    if not isinstance(train_data, pd.DataFrame):
        raise InvalidInputError(
            f"train_data must be a pandas DataFrame. Got {type(train_data).__name__}. "
            "Read files with explainer.read_table().")
    missing = [c for c in adapter.input_columns if c not in train_data.columns]
    if missing:
        raise InvalidInputError(
            f"train_data must hold every column the model reads. Got no {missing[:5]!r} ({len(missing)} missing). "
            "Pass the rows the model was trained on, with the same columns as the data.")
    if target is None:
        return skip("no outcome column was given; the attack needs each row's true outcome.")
    if target not in train_data.columns:
        raise InvalidInputError(
            f"train_data must hold the target column {target!r}. Got no such column. "
            "Pass the training rows with their outcomes.")
    if adapter.task == "regression":
        return skip("the attack needs the probabilities of a classifier; this model is a regressor.")
    y_ho = _binary_outcome(adapter, _target(data, target, task=adapter.task))
    y_tr = _binary_outcome(adapter, _target(train_data, target, task=adapter.task))
    if y_ho is None or y_tr is None:
        return skip("the outcome is not 0/1, so the model's probabilities cannot be scored against it.")
    if adapter.user_id:
        if adapter.user_id not in train_data.columns:
            raise InvalidInputError(
                f"train_data must hold the user_id column {adapter.user_id!r}. Got no such column. "
                "Pass the training rows with their customer ids.")
        fresh = ~data[adapter.user_id].isin(pd.unique(train_data[adapter.user_id])).to_numpy()
    else:
        cols = [*adapter.input_columns, target]
        seen = set(pd.util.hash_pandas_object(train_data[cols], index=False).tolist())
        fresh = ~pd.util.hash_pandas_object(data[cols], index=False).isin(seen).to_numpy()
    if adapter.user_id:
        ids = data[adapter.user_id]
        counts = (int(ids[fresh].nunique()), int(ids[~fresh].nunique()))
    else:
        counts = (int(fresh.sum()), int((~fresh).sum()))
    info = {"train_rows": int(len(train_data)), "holdout": counts[0], "overlap_removed": counts[1],
            "unit": "customers" if adapter.user_id else "rows"}
    if not fresh.any():
        return skip("every audited row is also in train_data, so no held-out rows are left. "
                    "Audit rows the model was not trained on.")[0], info
    p_check = score_checked(adapter, train_data.iloc[: min(len(train_data), 200)])
    if not (np.all(p_check >= 0) and np.all(p_check <= 1)):
        return skip("the model's scores are not probabilities between 0 and 1.")[0], info
    holdout = data.loc[fresh]
    result = membership_inference_risk(
        adapter.predict_score, train_data, y_tr, holdout, y_ho[fresh], n_boot=n_boot, random_state=random_state,
        max_rows=MEMBERSHIP_MAX_CUSTOMERS if adapter.user_id else MEMBERSHIP_MAX_ROWS,
        groups_train=train_data[adapter.user_id].to_numpy() if adapter.user_id else None,
        groups_holdout=holdout[adapter.user_id].to_numpy() if adapter.user_id else None,
    )
    return result, info


def _refit(adapter: ModelAdapter, train_data: pd.DataFrame | None, *, target: str | None, fit: Any, refit: bool,
           categories: dict[str, str], keys: list[str], n_folds: int, sample_size: int | None, n_boot: int,
           n_jobs: int, random_state: int, say: Say) -> tuple[Any, str | None]:
    """Drop-column importance for minimisation, or the reason it cannot be measured."""
    from .analyses._refit import RefitFailedError, drop_column_importance

    if not refit:
        return None, "switched off (refit=False)"
    if train_data is None:
        return None, "no training data given (pass train_data= to refit without each column)"
    if target is None:
        return None, "no target given, so there is no metric to compare"
    if adapter.kind == "callable" and fit is None:
        return None, "the model is a callable and no training function was given (pass fit=)"
    if not isinstance(train_data, pd.DataFrame):
        raise InvalidInputError(
            f"train_data must be a pandas DataFrame of training rows. Got {type(train_data).__name__}."
        )
    inputs = [c for c in adapter.input_columns if c not in keys]
    groups: dict[str, list[str]] = {}
    for c in inputs:
        groups.setdefault(categories.get(c, "other"), []).append(c)
    groups = {g: cols for g, cols in groups.items() if len(cols) > 1}
    say(f"minimisation: refitting without each of {len(inputs)} inputs and {len(groups)} categories")
    try:
        result = drop_column_importance(adapter, train_data, target=target, columns=inputs, groups=groups, fit=fit,
                                        n_folds=n_folds, sample_size=sample_size, n_boot=n_boot, n_jobs=n_jobs,
                                        random_state=random_state)
    except RefitFailedError as err:
        return None, str(err)
    return result, None


_F = TypeVar("_F", bound=Callable[..., Any])


def _one_openmp_thread(fn: _F) -> _F:
    """Run ``fn`` with OpenMP limited to one thread (BLAS untouched); results do not change.

    The audit calls the model many times on a few thousand rows; a tree ensemble's OpenMP
    loop per tree (scikit-learn's HistGradientBoosting, LightGBM) costs more in thread
    start-up and waits than it saves, and far more on a loaded machine.
    """

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return fn(*args, **kwargs)

    return cast(_F, run)


@_one_openmp_thread
def audit(
    model: Any,
    data: pd.DataFrame,
    *,
    target: str | None = None,
    inventory: DataInventory | None = None,
    sensitive_features: Sequence[str] = (),
    task: str | None = None,
    user_id: str | None = None,
    item_id: str | None = None,
    k: int = 3,
    threshold: float = 0.5,
    item_group: str | None = None,
    item_label: str | None = None,
    sample_size: int | None = 2000,
    n_boot: int = 200,
    min_group_size: int = 30,
    proxy_threshold: float = 0.65,
    train_data: pd.DataFrame | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    k_anonymity: int = 5,
    n_jobs: int = 1,
    random_state: int = 0,
    fit: Callable[[pd.DataFrame, np.ndarray], Any] | None = None,
    refit: bool = True,
    refit_folds: int = 3,
    refit_sample_size: int | Literal["auto"] | None = "auto",
    small_loss: float = 0.01,
    reference_groups: Mapping[str, str] | None = None,
    data_sha256: str | None = None,
    command: str | None = None,
    progress: Progress | None = None,
    backend: str = "pandas",
    scheduler: Any = None,
) -> Audit:
    """Audit how a model uses customer data.

    Parameters
    ----------
    model : estimator, Pipeline, callable or ModelAdapter
        The fitted model (see :func:`explainer.wrap_model`).
    data : DataFrame
        The collected data, one row per scored row (customer, or customer x item for a
        recommender), with the outcome in ``target`` when known. Columns the model does
        not read are assessed as collected but unused.
    target : str, default=None
        The outcome column (0/1 for classifiers and recommenders).
    inventory : DataInventory, default=None
        What each column is. Columns it lacks are drafted by :func:`explainer.scan`.
    sensitive_features : str or sequence of str, default=()
        Columns that define groups to compare (for example gender, age band); one string names
        one column.
    task, user_id, item_id, k, threshold
        Passed to :func:`explainer.wrap_model`.
    item_group : str, default=None
        Recommenders: a column grouping the items (e.g. department) for item-side exposure,
        each group's share of recommendation slots against its share of outcomes. By
        default each item is its own group.
    item_label : str, default=None
        Recommenders: a column holding each item's display name (a movie's title). Every
        page and finding names items by it; without it an id is shown after the item word
        ("item 121"), never alone.
    sample_size : int or None, default=2000
        Rows explained with SHAP for the global shares (None: every row).
    n_boot : int, default=200
        Bootstrap resamples for every interval.
    min_group_size : int, default=30
        Groups smaller than this are marked too few to judge.
    proxy_threshold : float, default=0.65
        Cross-validated AUC at or above which an input is flagged as a proxy.
    train_data : DataFrame, default=None
        The rows the model was trained on, with the outcome in ``target``. With them the
        audit measures membership inference risk: how well a loss-threshold attack tells
        training rows from the audited rows, which serve as held-out rows (audited
        customers or rows that are also in ``train_data`` are left out of that test).
        Without them the result says it was not assessed. With them (and ``refit=True``)
        data minimisation also refits the model without each input and each data category
        on the same cross-validation folds and measures the loss of its metric (AUC, NDCG
        at k or R2); without them, minimisation relies on the share of influence and says so.
    quasi_identifiers : sequence of str, default=None
        Columns someone could know about a person (date of birth, postcode, gender, ...),
        measured for re-identification risk. None chooses them from the inventory: every
        demographic column, location columns holding text or postcodes, and columns whose
        name says birth and whose values are dates (see
        :func:`explainer.analyses.quasi_identifiers_from_inventory`). ``[]`` skips the
        measurement. Dates of birth are coarsened to birth years and cohorts, never to ages
        at today's date, so the result does not change from day to day.
    k_anonymity : int, default=5
        Smallest group of customers sharing the same quasi-identifier values that the
        re-identification check aims for; smaller groups give ``privacy.reidentification_risk``.
    n_jobs : int, default=1
        Parallel jobs for SHAP and for the refits.
    reference_groups : mapping of str to str, default=None
        Per sensitive feature, the group every other group's performance rates are compared
        with (``{"race": "White"}``); default the feature's largest group.
    random_state : int, default=0
        Seed of every sample and bootstrap; the same seed gives the same audit.json.
    backend : {"pandas", "dask"}, default="pandas"
        ``"dask"`` runs the audit on a Dask cluster (the ``scale`` extra): ``data`` may then
        be a Dask DataFrame or the path of a (partitioned) Parquet data set, and memory is
        bounded by the partition size. A Dask DataFrame selects ``"dask"`` by itself. See
        :func:`explainer.scale.audit_dask`.
    scheduler : str, distributed.Client or None, default=None
        With ``backend="dask"``: the address of a running scheduler (``"tcp://host:8786"``)
        or a Client. None starts a local cluster for the audit and closes it afterwards.
    fit : callable, default=None
        ``fit(X, y) -> fitted model`` that trains the model on the columns of ``X``. Used
        for the refits instead of cloning the estimator; needed for a callable model.
    refit : bool, default=True
        Set False to skip the refits (minimisation then relies on the share of influence).
    refit_folds : int, default=3
        Cross-validation folds of the refits (grouped by customer for ranking).
    refit_sample_size : int, "auto" or None, default="auto"
        Training customers the refits use: for ranking, whole customers with all their
        candidates; otherwise rows (one per customer). ``"auto"``: all of them up to 2,000
        customers for ranking or 8,000 rows otherwise (the cap keeps the refit cost bounded;
        see :func:`explainer.analyses.drop_column_importance`). None: all of them.
    small_loss : float, default=0.01
        The margin of the equivalence test: refitted without a column, the model must lose
        less than this with the whole interval for ``drop``; ``keep`` needs a loss with the
        whole interval; anything else is ``inconclusive``.
    progress : bool or callable, default=None
        ``True`` shows each step and a bar of the rows being explained (a widget in
        Jupyter, text on stderr elsewhere). A callable is called with each step's name; if
        it has a method ``rows(done, total)``, that is called after each chunk of explained
        rows. Progress shows names and counts, never data.

    Returns
    -------
    Audit
    """
    if backend not in ("pandas", "dask"):
        raise InvalidInputError(f"backend must be 'pandas' or 'dask'. Got {backend!r}. Pass one of the two.")
    if backend == "dask" or type(data).__module__.split(".")[0] in ("dask", "dask_expr"):
        from .scale import audit_dask

        # an option the Dask backend cannot honour is refused, never silently dropped
        unsupported = [name for name, given in (
            ("item_label", item_label is not None), ("reference_groups", reference_groups is not None),
            ("fit", fit is not None), ("refit_folds", refit_folds != 3),
            ("refit_sample_size", refit_sample_size != "auto"), ("small_loss", small_loss != 0.01)) if given]
        if unsupported:
            raise InvalidInputError(
                f"{unsupported[0]} must keep its default with backend='dask'. Got {', '.join(unsupported)} set. "
                "The Dask backend does not refit the model, label items or compare performance with a reference "
                "group; audit in process (backend='pandas') for these, or leave them out.")

        return audit_dask(
            model, data, scheduler=scheduler, target=target, inventory=inventory,
            sensitive_features=sensitive_features, task=task, user_id=user_id, item_id=item_id, k=k,
            threshold=threshold, item_group=item_group, sample_size=sample_size, n_boot=n_boot,
            min_group_size=min_group_size, proxy_threshold=proxy_threshold, n_jobs=n_jobs,
            random_state=random_state, data_sha256=data_sha256, command=command, progress=progress,
            train_data=train_data, quasi_identifiers=quasi_identifiers, k_anonymity=k_anonymity,
        )
    if scheduler is not None:
        raise InvalidInputError(
            "scheduler must be None with backend='pandas'. Got a scheduler. Pass backend='dask' to use it."
        )
    say, rows_done = resolve_progress(progress)
    sensitive = column_names(sensitive_features, "sensitive_features")
    data = _validate(data, target, sensitive)
    check_audit_options(n_boot=n_boot, min_group_size=min_group_size)
    adapter = wrap_model(model, task=task, user_id=user_id, item_id=item_id, k=k, threshold=threshold)  # type: ignore[arg-type]
    if not isinstance(adapter, ModelAdapter):  # a collaborative-filtering recommender has its own entry point
        raise InvalidInputError(
            f"model must be a feature-based model for explainer.audit. Got a collaborative-filtering recommender "
            f"({type(adapter).__name__}). Use explainer.audit_collaborative(model, customers, ...) instead."
        )
    if adapter.user_id and adapter.user_id not in data.columns:
        raise InvalidInputError(f"user_id must name a column of the data. Got {adapter.user_id!r}.")
    if adapter.item_id and adapter.item_id not in data.columns:
        raise InvalidInputError(f"item_id must name a column of the data. Got {adapter.item_id!r}.")
    if item_group is not None and item_group not in data.columns:
        raise InvalidInputError(
            f"item_group must name a column of the data. Got {item_group!r}, which is not there. "
            f"Columns include {sorted(map(str, data.columns))[:5]!r}."
        )
    if target is not None and target in adapter.input_columns:
        raise InvalidInputError(f"target must not be a model input. Got {target!r}, which the model reads.")
    notes = check_group_sizes(data, sensitive, min_group_size=min_group_size, user_id=adapter.user_id)
    item_labels = _item_labels(data, adapter.item_id, item_label)

    say("inventory")
    inv = _complete_inventory(data, inventory, target=target, inputs=adapter.input_columns, sensitive=sensitive,
                              random_state=random_state, user_id=adapter.user_id, item_id=adapter.item_id)
    # the item a recommender ranks is not data about the customer: its influence is its own group
    categories = inv.category_map()

    say("predict")
    y = _target(data, target, task=adapter.task) if target is not None else None
    score = score_checked(adapter, data)
    check_scores_vary(score)
    if adapter.task == "binary":
        check_probabilities(int(((score < 0) | (score > 1)).sum()), len(score))
    if adapter.task == "ranking":
        notes += k_warnings(data.groupby(adapter.user_id, sort=False)[adapter.item_id].nunique(), adapter.k)
    decision = adapter.predict_decision(data)
    outcomes: list[str] = []
    if target is None:
        outcomes, more = possible_outcomes(data, score, adapter, inv, sensitive)
        notes += more
    metrics = _model_metrics(adapter, y, score, decision, data)
    metric_ci = _metric_intervals(adapter, y, score, decision, data, n_boot=n_boot, random_state=random_state)

    say("explain")
    shap = explain(adapter, data, categories=categories, sample_size=sample_size, n_boot=n_boot,
                   n_jobs=n_jobs, random_state=random_state, progress=rows_done)

    fair = None
    y01 = _binary_outcome(adapter, y)
    if sensitive and y01 is not None:
        say("fairness")
        fair = audit_fairness(
            y01, decision, sensitive_features=data[sensitive], y_score=score,
            user_ids=data[adapter.user_id].to_numpy() if adapter.user_id else None,
            items=data[adapter.item_id].to_numpy() if adapter.item_id else None,
            k=adapter.k if adapter.task == "ranking" else None,
            item_groups=data[item_group].reset_index(drop=True) if item_group else None,
            min_group_size=min_group_size, n_boot=n_boot, random_state=random_state,
        )
        if adapter.task == "binary":
            say("mitigation comparison")
            from .analyses._mitigation import compare_mitigations

            fair = replace(fair, mitigation=compare_mitigations(
                y01, score, data[sensitive], threshold=adapter.threshold, min_group_size=min_group_size,
                n_boot=n_boot, random_state=random_state))

    proxies = None
    if sensitive:
        say("proxies")
        from .analyses._proxies import find_proxies

        candidates = [c for c in adapter.input_columns if c not in sensitive]
        proxies = find_proxies(
            data[candidates], data[sensitive], threshold=proxy_threshold, random_state=random_state,
            groups=data[adapter.user_id].to_numpy() if adapter.user_id else None, min_group_size=min_group_size,
        )

    flow = None
    if proxies is not None and shap is not None:
        flow = _proxy_flow(adapter, sensitive, proxies, data, categories, min_group_size=min_group_size,
                           n_boot=n_boot, n_jobs=n_jobs, random_state=random_state, say=say)

    say("privacy")
    reid = _reidentification(data, inv, adapter.user_id, sensitive, quasi_identifiers, k_anonymity)
    member, member_info = _membership(adapter, data, train_data, target, n_boot=n_boot, random_state=random_state)

    performance, slices = None, None
    if y01 is not None and adapter.task in ("binary", "ranking"):
        say("performance and error slices")
        performance, slices = _performance(adapter, data, y01, score, decision, sensitive, inv,
                                           reference_groups=reference_groups, min_group_size=min_group_size,
                                           n_boot=n_boot, random_state=random_state)

    n_users = int(data[adapter.user_id].nunique()) if adapter.user_id else None
    data_info = {"rows": int(len(data)), "columns": int(data.shape[1]), "customers": n_users,
                 "sha256": data_sha256 or _data_hash(data),
                 "sha256_of": "input file" if data_sha256 else "data frame content"}
    return _finish(adapter, inv, list(map(str, data.columns)), data=data, performance=performance,
                   error_slices=slices,
                   refit_args={"train_data": train_data, "target": target, "fit": fit, "refit": refit,
                               "refit_folds": refit_folds, "refit_sample_size": refit_sample_size,
                               "small_loss": small_loss, "n_boot": n_boot, "n_jobs": n_jobs,
                               "random_state": random_state}, shap=shap, fair=fair, proxies=proxies, flow=flow,
                   metrics=metrics, metric_ci=metric_ci, data_info=data_info, command=command, say=say,
                   options={"target": target, "sensitive_features": sensitive, "sample_size": sample_size,
                            "n_boot": n_boot, "min_group_size": min_group_size, "proxy_threshold": proxy_threshold,
                            "random_state": random_state, "threshold": threshold, "item_group": item_group},
                   reid=reid, member=member, member_info=member_info, quasi_identifiers=quasi_identifiers,
                   k_anonymity=k_anonymity, warnings=notes, outcomes=outcomes, item_labels=item_labels)


def _item_labels(data: pd.DataFrame, item_id: str | None, item_label: str | None) -> dict[str, str] | None:
    """Item id -> display name from the ``item_label`` column (catalogue facts, not data about people)."""
    if item_label is None:
        return None
    if item_label not in data.columns:
        raise InvalidInputError(
            f"item_label must name a column of the data. Got {item_label!r}, which is not there. "
            f"Columns include {sorted(map(str, data.columns))[:5]!r}.")
    if item_id is None:
        raise InvalidInputError(
            "item_label must come with item_id. Got item_label without an item column. "
            "Pass item_id, the column of the ranked item.")
    pairs = data[[item_id, item_label]].drop_duplicates(subset=[item_id])
    return {str(i): str(v) for i, v in zip(pairs[item_id], pairs[item_label])}


def _proxy_flow(adapter: ModelAdapter, sensitive: Sequence[str], proxies: Any, pool: pd.DataFrame,
                categories: dict[str, str], *, min_group_size: int, n_boot: int, n_jobs: int, random_state: int,
                say: Say) -> Any:
    """How much of the model's movement flows through flagged proxies of hidden attributes.

    Explains rows drawn from ``pool`` (all the data in process; the sampled customers on Dask)
    with :func:`_flow_rows`.
    """
    hidden = [c for c in sensitive if c not in adapter.input_columns]
    pairs = [(f, c) for f, c in proxies.flagged if f in hidden]
    if not hidden or not pairs:
        return None
    say("proxy flow")
    from .analyses._flow import proxy_flow

    rows = pool.iloc[_flow_rows(pool, adapter.item_id, random_state)]
    flow_shap = explain(adapter, rows, categories=categories, sample_size=None, n_boot=2, n_jobs=n_jobs,
                        random_state=random_state, n_dependence=0)
    if flow_shap.row_index is not None and len(flow_shap.row_index) != len(rows):
        rows = rows.iloc[flow_shap.row_index]  # a black box explains a capped sample of the rows
    flow = proxy_flow(flow_shap.values, flow_shap.columns, rows[hidden], pairs,
                      items=rows[adapter.item_id].to_numpy() if adapter.item_id else None,
                      min_group_size=min_group_size, n_boot=n_boot, unit=flow_shap.unit,
                      random_state=random_state)
    flow.method.update(rows_explained=int(len(rows)), rows_per_item=None if not adapter.item_id else
                       f"up to {FLOW_ROWS_PER_ITEM}, at most {FLOW_ROWS_TOTAL} in all")
    return flow


def _finish(adapter: ModelAdapter, inv: DataInventory, columns: list[str], *, shap: ShapResult | None,
            fair: FairnessResult | None, proxies: Any, flow: Any, metrics: dict[str, Any],
            data_info: dict[str, Any], command: str | None, say: Say, options: dict[str, Any],
            reid: Any = None, member: Any = None, member_info: Any = None,
            quasi_identifiers: Sequence[str] | None = None, k_anonymity: int = 5,
            provenance_extra: dict[str, Any] | None = None, data: pd.DataFrame | None = None,
            refit_args: dict[str, Any] | None = None, metric_ci: dict[str, Any] | None = None,
            warnings: Sequence[str] = (), outcomes: Sequence[str] = (),
            item_labels: dict[str, str] | None = None, performance: PerformanceResult | None = None,
            error_slices: ErrorSlicesResult | None = None) -> Audit:
    """Minimisation, findings and provenance: the part of an audit shared by every backend."""
    ra = refit_args or {"train_data": None, "target": None, "fit": None, "refit": False, "refit_folds": 3,
                        "refit_sample_size": None, "small_loss": 0.01, "n_boot": 200, "n_jobs": 1,
                        "random_state": 0}
    roles = {r.column: r.role for r in inv}
    categories = inv.category_map()
    say("minimisation")
    keys = [c for c in (adapter.user_id, adapter.item_id) if c]
    refit_result, refit_note = _refit(adapter, ra["train_data"], target=ra["target"], fit=ra["fit"],
                                      refit=ra["refit"], categories=categories, keys=keys,
                                      n_folds=ra["refit_folds"], sample_size=ra["refit_sample_size"],
                                      n_boot=ra["n_boot"], n_jobs=ra["n_jobs"], random_state=ra["random_state"],
                                      say=say)
    mini = assess_minimisation(columns, inputs=adapter.input_columns, shap=shap,
                               categories=categories, roles=roles, keys=keys, refit=refit_result,
                               refit_note=refit_note, small_loss=ra["small_loss"], outcomes=outcomes)
    findings = _findings(adapter.task, inv, shap, fair, mini, proxies, flow, reid, member,
                         "customers" if adapter.user_id else "rows", item_labels=item_labels)
    provenance = {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "random_state": options["random_state"],
        "command": command,
        "platform": f"{platform.system()} {platform.machine()}",
        "argv_python": sys.executable.rsplit("/", 1)[-1],
        **(provenance_extra or {}),
    }
    opts = dict(options)
    threshold = opts.pop("threshold")
    item_group = opts.pop("item_group")
    return Audit(
        model=adapter,
        inventory=inv,
        # the unit of the attributions actually computed (log-odds, probability or score)
        model_info={**adapter.describe(), **({"output_unit": shap.unit} if shap is not None else {}),
                    "metrics": metrics, "metric_intervals": metric_ci or {},
                    **({"item_labels": item_labels} if item_labels else {})},
        data_info={**data_info, **({"training": member_info} if member_info else {})},
        explanation=shap,
        fairness=fair,
        minimisation=mini,
        proxies=proxies,
        findings=tuple(findings),
        provenance=provenance,
        proxy_flow=flow,
        options={**opts, "k": adapter.k if adapter.task == "ranking" else None,
                 "threshold": threshold if adapter.task == "binary" else None, "item_group": item_group,
                 "quasi_identifiers": list(reid.quasi_identifiers) if reid is not None else [],
                 "quasi_identifiers_from": "inventory rule" if quasi_identifiers is None else "parameter",
                 "k_anonymity": k_anonymity,
                 "refit": bool(ra["refit"]), "refit_folds": ra["refit_folds"],
                 "refit_sample_size": ra["refit_sample_size"], "small_loss": ra["small_loss"],
                 "train_rows": int(len(ra["train_data"])) if ra["train_data"] is not None else None},
        reidentification=reid,
        membership=member,
        data=data,
        warnings=tuple(warnings),
        performance=performance,
        error_slices=error_slices,
    )


#: Data categories never used to define an error slice: a slice of identifiers or contact
#: details would single people out, not describe where the model errs.
_NO_SLICE = ("direct_identifier", "contact")


def _performance(adapter: ModelAdapter, data: pd.DataFrame, y01: np.ndarray, score: np.ndarray,
                 decision: np.ndarray, sensitive: Sequence[str], inv: DataInventory, *,
                 reference_groups: Mapping[str, str] | None, min_group_size: int, n_boot: int,
                 random_state: int) -> tuple[PerformanceResult, ErrorSlicesResult | None]:
    """Model performance with intervals, and the slices of the inputs where the model errs most."""
    from .analyses._performance import assess_performance
    from .analyses._slices import error_slices

    ranking = adapter.task == "ranking"
    users = data[adapter.user_id].to_numpy() if ranking and adapter.user_id else None
    perf = assess_performance(
        y01, score, task="ranking" if ranking else "binary", threshold=adapter.threshold,
        sensitive_features=data[list(sensitive)] if sensitive else None, reference_groups=reference_groups,
        user_ids=users, item_ids=data[adapter.item_id].to_numpy() if ranking and adapter.item_id else None,
        k=adapter.k, min_group_size=min_group_size, n_boot=n_boot, random_state=random_state)
    cats = inv.category_map()
    columns = [c for c in adapter.input_columns if cats.get(c) not in _NO_SLICE and c not in sensitive
               and c != adapter.item_id]
    if not columns:
        return perf, None
    if not ranking:
        return perf, error_slices(data[columns], decision != y01, min_size=min_group_size, unit="rows")
    # a recommender errs for a customer who chose something and found none of it in the top k;
    # slices use the columns that describe the customer (one value per customer)
    frame = pd.DataFrame({"user": users, "hit": (decision == 1) & (y01 == 1), "rel": y01 == 1})
    per = frame.groupby("user", sort=False).agg(hit=("hit", "any"), rel=("rel", "any"))
    per = per[per["rel"]]
    by_user = data.groupby(adapter.user_id, sort=False)
    constant = [c for c in columns if bool((by_user[c].nunique(dropna=False) <= 1).all())]
    if not constant or len(per) == 0:
        return perf, None
    customer_rows = by_user[constant].first().loc[per.index]
    return perf, error_slices(customer_rows, ~per["hit"].to_numpy(), min_size=min_group_size, unit="customers")


def _decisions_and_scores(data: pd.DataFrame, predictions: str,
                          threshold: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """0/1 decisions from a prediction column; the scores too when the column holds scores."""
    from .analyses._groupstats import decisions_from_scores

    col = data[predictions]
    n_na = int(col.isna().sum())
    if n_na:
        raise InvalidInputError(
            f"predictions column {predictions!r} must have no missing values. Got {n_na} missing. "
            "Drop rows without a decision."
        )
    if col.dtype == bool:
        col = col.astype(int)
    if not pd.api.types.is_numeric_dtype(col):
        raise InvalidInputError(
            f"predictions column {predictions!r} must hold 0/1 decisions or numeric scores. Got text. "
            "Encode decisions as 0 and 1, or pass scores with a threshold."
        )
    values = col.to_numpy(dtype=float)
    is01 = bool(np.isin(values, (0.0, 1.0)).all())
    if threshold is None:
        if not is01:
            raise InvalidInputError(
                f"threshold must be given when predictions holds scores. Got column {predictions!r} with "
                f"{int((~np.isin(values, (0.0, 1.0))).sum())} values other than 0 and 1. "
                "Pass threshold (decisions are score >= threshold), or a column of 0/1 decisions."
            )
        return values.astype(np.int8), None
    return decisions_from_scores(values, threshold), values


def audit_decisions(
    data: pd.DataFrame,
    *,
    predictions: str,
    target: str,
    sensitive_features: Sequence[str],
    threshold: float | None = None,
    inventory: DataInventory | None = None,
    n_boot: int = 200,
    min_group_size: int = 30,
    mitigation: bool = True,
    quasi_identifiers: Sequence[str] | None = None,
    k_anonymity: int = 5,
    random_state: int = 0,
    data_sha256: str | None = None,
    command: str | None = None,
    progress: Progress | None = None,
) -> Audit:
    """Audit logged decisions (or scores) by group, without the model that made them.

    Parameters
    ----------
    data : DataFrame
        The decision log: one row per decision, with the decision or score in
        ``predictions``, the outcome in ``target`` and the sensitive columns.
    predictions : str
        Column of 0/1 decisions, or of scores when ``threshold`` is given.
    target : str
        Column of 0/1 outcomes.
    sensitive_features : str or sequence of str
        Columns that define groups to compare; at least one.
    threshold : float, default=None
        With scores: the decision is ``score >= threshold``. Leave None for 0/1 decisions.
    n_boot : int, default=200
        Bootstrap resamples for every interval.
    min_group_size : int, default=30
        Groups smaller than this are marked too few to judge.
    mitigation : bool, default=True
        With scores, compare the logged decisions with fairlearn's ThresholdOptimizer fitted
        on half the log (see :func:`explainer.analyses.compare_mitigations`). Nothing is applied.
    quasi_identifiers, k_anonymity
        Re-identification risk of the log's rows, as in :func:`audit`.
    random_state : int, default=0
        Seed of every bootstrap and split.

    Returns
    -------
    Audit
        ``model``, ``explanation``, ``minimisation`` and ``proxies`` are None: without a
        model there is nothing to attribute and no known inputs.

    Raises
    ------
    InvalidInputError
        When a named column is missing, a sensitive column has one group, or the
        predictions hold scores but no threshold was given.

    Examples
    --------
    >>> import pandas as pd, explainer as ex
    >>> log = pd.DataFrame({"approved": [1, 0] * 20, "repaid": [1, 1, 0, 0] * 10,
    ...                     "group": ["a"] * 20 + ["b"] * 20})
    >>> a = ex.audit_decisions(log, predictions="approved", target="repaid", sensitive_features=["group"],
    ...                        min_group_size=10, n_boot=20)
    >>> a.fairness.groups.value("group", "a", "selection_rate")
    0.5
    """
    say, _ = resolve_progress(progress)
    sensitive = column_names(sensitive_features, "sensitive_features")
    if not sensitive:
        raise InvalidInputError(
            "sensitive_features must name at least one column. Got none. "
            "Pass the columns that define groups, e.g. ['gender', 'age_band']."
        )
    if not isinstance(target, str):
        raise InvalidInputError(
            f"target must name the outcome column. Got {type(target).__name__}. A decision log audit needs outcomes."
        )
    data = _validate(data, target, sensitive)
    check_audit_options(n_boot=n_boot, min_group_size=min_group_size)
    notes = check_group_sizes(data, sensitive, min_group_size=min_group_size)
    if not isinstance(predictions, str) or predictions not in data.columns:
        raise InvalidInputError(
            f"predictions must name a column of the data. Got {predictions!r}, which is not there. "
            f"Columns include {sorted(map(str, data.columns))[:5]!r}."
        )
    if predictions == target or predictions in sensitive:
        raise InvalidInputError(
            f"predictions must differ from target and sensitive_features. Got {predictions!r} in both."
        )
    say("decisions")
    decision, score = _decisions_and_scores(data, predictions, threshold)
    y01 = _target(data, target, task="binary").astype(int)

    say("inventory")
    inv = _complete_inventory(data, inventory, target=target, inputs=(), sensitive=sensitive,
                              random_state=random_state, other=(predictions,))

    from sklearn.metrics import accuracy_score, roc_auc_score

    metrics: dict[str, Any] = {"accuracy": float(accuracy_score(y01, decision)),
                               "selection_rate": float(decision.mean()), "base_rate": float(y01.mean())}
    if score is not None:
        metrics["roc_auc"] = float(roc_auc_score(y01, score))

    say("fairness")
    fair = audit_fairness(y01, decision, sensitive_features=data[sensitive], y_score=score,
                          min_group_size=min_group_size, n_boot=n_boot, random_state=random_state)
    if mitigation and score is not None:
        say("mitigation")
        from .analyses._mitigation import compare_mitigations

        fair = replace(fair, mitigation=compare_mitigations(
            y01, score, data[sensitive], threshold=float(threshold) if threshold is not None else 0.5,
            min_group_size=min_group_size, n_boot=n_boot, random_state=random_state))
    say("privacy")
    reid = _reidentification(data, inv, None, sensitive, quasi_identifiers, k_anonymity)
    member = MembershipResult.not_assessed("there is no model to attack: a decision log holds decisions only.",
                                           n_boot=max(int(n_boot), 50), random_state=random_state)
    findings = _findings("binary", inv, None, fair, None, None, None, reid, member, "rows")
    provenance = {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "random_state": random_state,
        "command": command,
        "platform": f"{platform.system()} {platform.machine()}",
        "argv_python": sys.executable.rsplit("/", 1)[-1],
    }
    model_info: dict[str, Any] = {"type": "decision log", "wrapper": None, "task": "binary",
                  "output_unit": "score" if score is not None else "probability", "input_columns": [],
                  "user_id": None, "item_id": None, "k": None,
                  "threshold": float(threshold) if threshold is not None else None,
                  "predictions": predictions, "predictions_kind": "scores" if score is not None else "decisions",
                  "metrics": metrics}
    return Audit(
        model=None,
        inventory=inv,
        model_info=model_info,
        data_info={"rows": int(len(data)), "columns": int(data.shape[1]), "customers": None,
                   "sha256": data_sha256 or _data_hash(data),
                   "sha256_of": "input file" if data_sha256 else "data frame content"},
        explanation=None,
        fairness=fair,
        minimisation=None,
        proxies=None,
        findings=tuple(findings),
        provenance=provenance,
        options={"target": target, "sensitive_features": sensitive, "predictions": predictions,
                 "sample_size": None, "n_boot": n_boot, "min_group_size": min_group_size,
                 "proxy_threshold": None, "random_state": random_state, "k": None,
                 "threshold": float(threshold) if threshold is not None else None, "mitigation": mitigation,
                 "quasi_identifiers": list(reid.quasi_identifiers) if reid is not None else [],
                 "quasi_identifiers_from": "inventory rule" if quasi_identifiers is None else "parameter",
                 "k_anonymity": k_anonymity},
        reidentification=reid,
        membership=member,
        warnings=tuple(notes),
    )
