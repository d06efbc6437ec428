"""The audit: run every analysis on one model and one data set, collect the findings."""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .analyses._explain import ShapResult, explain
from .analyses._fairness import FairnessResult, audit_fairness
from .analyses._minimisation import MinimisationResult, assess_minimisation
from .errors import InvalidInputError
from .findings import Finding, Severity, category_label, column_label, phrase
from .inventory import DataInventory
from .inventory._schema import ColumnRecord
from .models import ModelAdapter, wrap_model

__all__ = ["Audit", "audit", "SCHEMA_VERSION"]

#: Version of the audit.json layout; see explainer/report/audit.schema.json.
SCHEMA_VERSION = "1.0"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Audit:
    """Everything one audit measured. Render it with :meth:`to_html`, save :meth:`to_json`.

    The object holds results only: no customer's data values. ``explanation.values``
    holds per-row attributions of the explained sample, which stay in memory and are
    never written to a report.
    """

    model: ModelAdapter
    inventory: DataInventory
    model_info: dict[str, Any]
    data_info: dict[str, Any]
    explanation: ShapResult | None
    fairness: FairnessResult | None
    minimisation: MinimisationResult
    proxies: Any
    findings: tuple[Finding, ...]
    provenance: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    # --- export -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The audit.json document (see ``explainer/report/audit.schema.json``)."""
        from .report._json import audit_to_dict

        return audit_to_dict(self)

    def to_json(self, path: Any = None) -> str:
        from .report._json import audit_to_json

        return audit_to_json(self, path)

    def to_html(self, out: Any, *, force: bool = False, config: Any = None) -> dict[str, Any]:
        """Write disclosure.html, audit.html and audit.json into the folder ``out``, whole or not at all."""
        from .report import write_reports

        return write_reports(self, out, force=force, config=config)

    def findings_matching(self, selectors: Sequence[str]) -> list[Finding]:
        return [f for f in self.findings if any(f.matches(s) for s in selectors)]

    def _repr_html_(self) -> str:
        from .report import render_fragment

        return render_fragment("audit_summary", audit=self)

    def __repr__(self) -> str:
        sev: dict[str, int] = {}
        for f in self.findings:
            sev[f.severity.value] = sev.get(f.severity.value, 0) + 1
        return (f"Audit(model={self.model_info.get('type')}, task={self.model.task}, "
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
    adapter: ModelAdapter,
    sensitive: Sequence[str],
    random_state: int,
) -> DataInventory:
    """Use the given inventory; draft the columns it lacks; set roles the audit knows."""
    from .inventory._scan import scan

    inv = inventory if inventory is not None else DataInventory()
    missing = [c for c in data.columns if c not in inv]
    if missing:
        draft = scan(data[missing], random_state=random_state).inventory
        for rec in draft:
            inv = inv.with_record(rec)
    forced = {}
    if target is not None:
        forced[target] = "target"
    if adapter.user_id:
        forced[adapter.user_id] = "identifier"
    if adapter.item_id:
        forced[adapter.item_id] = "item"
    for s in sensitive:
        if s not in adapter.input_columns:
            forced[s] = "sensitive"
    for col, role in forced.items():
        if col in inv and inv[col].role != role:
            inv = inv.update(col, role=role)
    for col in adapter.input_columns:  # an input is a feature whatever the draft guessed
        if col in inv and inv[col].role in ("identifier", "sensitive", "other") and col not in forced:
            inv = inv.update(col, role="feature")
    order = {c: i for i, c in enumerate(data.columns)}
    recs = sorted((r for r in inv if r.column in order), key=lambda r: order[r.column])
    return DataInventory(recs, inv.notes)


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
        if data[s].nunique() < 2:
            raise InvalidInputError(
                f"sensitive_features column {s!r} must have at least two groups. Got 1. "
                "Choose a column that splits customers into groups."
            )
    return data


def _target(data: pd.DataFrame, target: str) -> np.ndarray:
    y = data[target]
    if y.isna().any():
        raise InvalidInputError(
            f"target column {target!r} must have no missing values. Got {int(y.isna().sum())} missing. "
            "Drop rows without an outcome."
        )
    if y.dtype == bool:
        y = y.astype(int)
    vals = pd.unique(y)
    if not pd.api.types.is_numeric_dtype(y):
        raise InvalidInputError(
            f"target column {target!r} must be numeric 0/1 outcomes or numbers. Got text. "
            "Encode the outcome as 0 and 1."
        )
    if len(vals) < 2:
        raise InvalidInputError(
            f"target column {target!r} must have at least two different values. Got 1. "
            "An audit needs both outcomes."
        )
    return y.to_numpy()


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


def _binary_outcome(adapter: ModelAdapter, y: np.ndarray | None) -> np.ndarray | None:
    if y is None:
        return None
    vals = np.unique(y)
    if len(vals) == 2 and set(vals.tolist()) <= {0, 1}:
        return y.astype(int)
    if adapter.task == "binary" and len(vals) == 2:
        return (y == vals.max()).astype(int)
    return None


def _findings(adapter: ModelAdapter, inv: DataInventory, shap: ShapResult | None,
              fair: FairnessResult | None, mini: MinimisationResult, proxies: Any) -> list[Finding]:
    out: list[Finding] = []
    cat = {r.column: r.category for r in inv}
    fmt = lambda v: f"{v:.1%}"  # noqa: E731
    for _, r in mini.table.iterrows():
        col, c = r["column"], r["category"]
        if r["verdict"] in ("drop", "review") and not r["is_input"]:
            out.append(Finding("data.unused_column", Severity.LOW, (col,),
                               phrase("data.unused_column", column=col, category=category_label(c)),
                               phrase("data.unused_column", "public", label=column_label(col)),
                               {"category": c, "is_input": False}))
        elif r["is_input"] and r["verdict"] in ("drop", "review"):
            out.append(Finding("data.low_value_column", Severity.LOW, (col,),
                               phrase("data.low_value_column", column=col, share=fmt(r["share"]),
                                      ci=f"{fmt(r['ci_low'])} to {fmt(r['ci_high'])}"),
                               phrase("data.low_value_column", "public", label=column_label(col)),
                               {"share": r["share"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                                "verdict": r["verdict"]}))
        if r["is_input"] and c in ("direct_identifier", "contact"):
            out.append(Finding("privacy.direct_identifier_in_features", Severity.HIGH, (col,),
                               phrase("privacy.direct_identifier_in_features", column=col, category=category_label(c)),
                               phrase("privacy.direct_identifier_in_features", "public", label=column_label(col)),
                               {"category": c}))
        if c == "special_category":
            code = "privacy.special_category_input" if r["is_input"] else "privacy.special_category_for_testing"
            out.append(Finding(code, Severity.HIGH if r["is_input"] else Severity.INFO, (col,),
                               phrase(code, column=col), phrase(code, "public", label=column_label(col)),
                               {"is_input": bool(r["is_input"])}))
    if fair is not None:
        gaps = fair.flagged_exposure()
        for _, g in gaps.iterrows():
            if g["ratio_ci_high"] < 0.8:  # the whole interval is below the four-fifths line
                sev = Severity.HIGH if g["ratio"] < 0.5 else Severity.MEDIUM
            else:
                sev = Severity.LOW
            out.append(Finding(
                "fairness.exposure_gap", sev, (g["feature"],),
                phrase("fairness.exposure_gap", item=g["item"], low_group=g["low_group"], feature=g["feature"],
                       low_rate=fmt(g["low_rate"]), high_rate=fmt(g["high_rate"]), high_group=g["high_group"],
                       ratio=f"{g['ratio']:.2f}", ci=f"{g['ratio_ci_low']:.2f} to {g['ratio_ci_high']:.2f}"),
                phrase("fairness.exposure_gap", "public", item=g["item"], feature_label=column_label(g["feature"])),
                {k: (v.item() if hasattr(v, "item") else v) for k, v in g.items()}))
        d = fair.groups.disparities
        dp = d[(d["measure"] == "demographic_parity_ratio") & (d["flagged"] == True)]  # noqa: E712
        for _, r in dp.iterrows():
            if adapter.task == "ranking":
                continue  # per-item exposure gaps say this more precisely for recommenders
            out.append(Finding(
                "fairness.selection_rate_gap", Severity.MEDIUM, (str(r["feature"]),),
                phrase("fairness.selection_rate_gap", feature=r["feature"], ratio=f"{r['value']:.2f}",
                       ci=f"{r['ci_low']:.2f} to {r['ci_high']:.2f}"),
                phrase("fairness.selection_rate_gap", "public", feature_label=column_label(str(r["feature"]))),
                {"ratio": float(r["value"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"])}))
    if proxies is not None:
        t = proxies.table
        for _, r in t[t["flagged"]].iterrows():
            out.append(Finding(
                "fairness.proxy", Severity.MEDIUM, (r["column"], r["sensitive_feature"]),
                phrase("fairness.proxy", column=r["column"], sensitive=r["sensitive_feature"], auc=f"{r['auc']:.2f}"),
                phrase("fairness.proxy", "public", label=column_label(r["column"]),
                       sensitive_label=column_label(r["sensitive_feature"])),
                {"auc": float(r["auc"]), "sensitive_feature": r["sensitive_feature"]}))
    if shap is not None and shap.max_additivity_error > 1e-6 and shap.exact:
        out.append(Finding("model.additivity", Severity.MEDIUM, (),
                           phrase("model.additivity", error=f"{shap.max_additivity_error:.2e}", unit=shap.unit),
                           None, {"max_additivity_error": shap.max_additivity_error}))
    order = {s: i for i, s in enumerate(["high", "medium", "low", "info"])}
    out.sort(key=lambda f: (order[f.severity.value], f.code, f.columns))
    return out


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
    sample_size: int | None = 2000,
    n_boot: int = 200,
    min_group_size: int = 30,
    proxy_threshold: float = 0.65,
    n_jobs: int = 1,
    random_state: int = 0,
    data_sha256: str | None = None,
    command: str | None = None,
    progress: Progress | None = None,
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
    sensitive_features : sequence of str, default=()
        Columns that define groups to compare (for example gender, age band).
    task, user_id, item_id, k, threshold
        Passed to :func:`explainer.wrap_model`.
    sample_size : int or None, default=2000
        Rows explained with SHAP for the global shares (None: every row).
    n_boot : int, default=200
        Bootstrap resamples for every interval.
    min_group_size : int, default=30
        Groups smaller than this are marked too few to judge.
    proxy_threshold : float, default=0.65
        Cross-validated AUC at or above which an input is flagged as a proxy.
    random_state : int, default=0
        Seed of every sample and bootstrap; the same seed gives the same audit.json.

    Returns
    -------
    Audit
    """
    say = progress or (lambda _msg: None)
    sensitive = list(sensitive_features)
    data = _validate(data, target, sensitive)
    adapter = wrap_model(model, task=task, user_id=user_id, item_id=item_id, k=k, threshold=threshold)  # type: ignore[arg-type]
    if adapter.user_id and adapter.user_id not in data.columns:
        raise InvalidInputError(f"user_id must name a column of the data. Got {adapter.user_id!r}.")
    if adapter.item_id and adapter.item_id not in data.columns:
        raise InvalidInputError(f"item_id must name a column of the data. Got {adapter.item_id!r}.")
    if target is not None and target in adapter.input_columns:
        raise InvalidInputError(f"target must not be a model input. Got {target!r}, which the model reads.")

    say("inventory")
    inv = _complete_inventory(data, inventory, target=target, adapter=adapter, sensitive=sensitive,
                              random_state=random_state)
    roles = {r.column: r.role for r in inv}
    # the item a recommender ranks is not data about the customer: its influence is its own group
    categories = {r.column: ("item" if r.role == "item" else r.category) for r in inv}

    say("predict")
    score = adapter.predict_score(data)
    decision = adapter.predict_decision(data)
    y = _target(data, target) if target is not None else None
    metrics = _model_metrics(adapter, y, score, decision, data)

    say("explain")
    shap = explain(adapter, data, categories=categories, sample_size=sample_size, n_boot=n_boot,
                   n_jobs=n_jobs, random_state=random_state)

    fair = None
    y01 = _binary_outcome(adapter, y)
    if sensitive and y01 is not None:
        say("fairness")
        fair = audit_fairness(
            y01, decision, sensitive_features=data[sensitive], y_score=score,
            user_ids=data[adapter.user_id].to_numpy() if adapter.user_id else None,
            items=data[adapter.item_id].to_numpy() if adapter.item_id else None,
            k=adapter.k if adapter.task == "ranking" else None,
            min_group_size=min_group_size, n_boot=n_boot, random_state=random_state,
        )

    proxies = None
    if sensitive:
        say("proxies")
        from .analyses._proxies import find_proxies

        candidates = [c for c in adapter.input_columns if c not in sensitive]
        proxies = find_proxies(
            data[candidates], data[sensitive], threshold=proxy_threshold, random_state=random_state,
            groups=data[adapter.user_id].to_numpy() if adapter.user_id else None,
        )

    say("minimisation")
    mini = assess_minimisation(list(map(str, data.columns)), inputs=adapter.input_columns, shap=shap,
                               categories=categories, roles=roles,
                               keys=[c for c in (adapter.user_id, adapter.item_id) if c])
    findings = _findings(adapter, inv, shap, fair, mini, proxies)

    n_users = int(data[adapter.user_id].nunique()) if adapter.user_id else None
    provenance = {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "random_state": random_state,
        "command": command,
        "platform": f"{platform.system()} {platform.machine()}",
        "argv_python": sys.executable.rsplit("/", 1)[-1],
    }
    return Audit(
        model=adapter,
        inventory=inv,
        model_info={**adapter.describe(), "metrics": metrics},
        data_info={"rows": int(len(data)), "columns": int(data.shape[1]), "customers": n_users,
                   "sha256": data_sha256 or _data_hash(data),
                   "sha256_of": "input file" if data_sha256 else "data frame content"},
        explanation=shap,
        fairness=fair,
        minimisation=mini,
        proxies=proxies,
        findings=tuple(findings),
        provenance=provenance,
        options={"target": target, "sensitive_features": sensitive, "sample_size": sample_size,
                 "n_boot": n_boot, "min_group_size": min_group_size, "proxy_threshold": proxy_threshold,
                 "random_state": random_state, "k": adapter.k if adapter.task == "ranking" else None,
                 "threshold": threshold if adapter.task == "binary" else None},
    )
