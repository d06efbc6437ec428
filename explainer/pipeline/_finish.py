"""The tail every audit shares: minimisation, findings, provenance and the :class:`Audit` object.

A backend measures what it can and hands a :class:`Measured` to :func:`finish` (a model's
audit) or :func:`assemble` (any audit, also of a decision log without a model).
"""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from .._version import __version__
from ..analyses._minimisation import assess_minimisation
from ..findings import audit_findings
from ..inventory import DataInventory
from ._options import AuditOptions
from ._result import Audit
from ._stages import refit_importance

__all__ = ["Measured", "finish", "assemble", "privacy_options", "data_hash", "versions"]

Say = Callable[[str], None]


@dataclass
class Measured:
    """What a backend measured, for the shared tail. Analyses that did not run stay None."""

    inventory: DataInventory
    columns: list[str]
    data_info: dict[str, Any]
    adapter: Any = None
    explanation: Any = None
    fairness: Any = None
    proxies: Any = None
    proxy_flow: Any = None
    reidentification: Any = None
    membership: Any = None
    membership_info: dict[str, Any] = field(default_factory=dict)
    performance: Any = None
    error_slices: Any = None
    metrics: dict[str, Any] = field(default_factory=dict)
    metric_intervals: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    item_labels: dict[str, str] | None = None
    data: pd.DataFrame | None = None
    #: Options this backend records besides :meth:`AuditOptions.recorded`.
    options: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


def data_hash(data: pd.DataFrame) -> str:
    """SHA-256 of the column names and the content of a data frame."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, data.columns)).encode())
    h.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Versions of the packages that can change an audit's numbers."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"explainer-toolkit": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "pandas", "scikit-learn", "shap", "fairlearn", "lightgbm", "xgboost", "textstat",
                "jinja2", "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def _provenance(options: AuditOptions, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(),
        "random_state": options.random_state,
        "command": options.command,
        "platform": f"{platform.system()} {platform.machine()}",
        "argv_python": sys.executable.rsplit("/", 1)[-1],
        **extra,
    }


def privacy_options(m: Measured, options: AuditOptions) -> dict[str, Any]:
    """The re-identification options audit.json records: the columns measured and where they came from."""
    reid = m.reidentification
    return {"quasi_identifiers": list(reid.quasi_identifiers) if reid is not None else [],
            "quasi_identifiers_from": "inventory rule" if options.quasi_identifiers is None else "parameter",
            "k_anonymity": options.k_anonymity}


def assemble(m: Measured, options: AuditOptions, *, model_info: dict[str, Any], recorded: dict[str, Any],
             minimisation: Any = None, task: str = "binary") -> Audit:
    """Findings and provenance around the measured results: the :class:`Audit` every backend returns."""
    unit = "customers" if m.adapter is not None and m.adapter.user_id else "rows"
    findings = audit_findings(task, explanation=m.explanation, fairness=m.fairness, minimisation=minimisation,
                              proxies=m.proxies, proxy_flow=m.proxy_flow, reidentification=m.reidentification,
                              membership=m.membership, unit=unit, item_labels=m.item_labels)
    return Audit(
        model=m.adapter,
        inventory=m.inventory,
        model_info=model_info,
        data_info=m.data_info,
        explanation=m.explanation,
        fairness=m.fairness,
        minimisation=minimisation,
        proxies=m.proxies,
        findings=tuple(findings),
        provenance=_provenance(options, m.provenance),
        proxy_flow=m.proxy_flow,
        options=recorded,
        reidentification=m.reidentification,
        membership=m.membership,
        data=m.data,
        warnings=tuple(m.warnings),
        performance=m.performance,
        error_slices=m.error_slices,
    )


def finish(m: Measured, options: AuditOptions, *, train_data: pd.DataFrame | None, fit: Any, say: Say) -> Audit:
    """Minimisation (with the refits when training rows are given), findings and provenance of a model's audit."""
    adapter = m.adapter
    inv = m.inventory
    categories = inv.category_map()
    say("minimisation")
    keys = [c for c in (adapter.user_id, adapter.item_id) if c]
    refit, refit_note = refit_importance(
        adapter, train_data, target=options.target, fit=fit, refit=options.refit, categories=categories, keys=keys,
        n_folds=options.refit_folds, sample_size=options.refit_sample_size, n_boot=options.n_boot,
        n_jobs=options.n_jobs, random_state=options.random_state, say=say)
    mini = assess_minimisation(m.columns, inputs=adapter.input_columns, shap=m.explanation, categories=categories,
                               roles={r.column: r.role for r in inv}, keys=keys, refit=refit, refit_note=refit_note,
                               small_loss=options.small_loss, outcomes=m.outcomes)
    shap = m.explanation
    model_info = {**adapter.describe(), **({"output_unit": shap.unit} if shap is not None else {}),
                  # the unit of the attributions actually computed (log-odds, probability or score)
                  "metrics": m.metrics, "metric_intervals": m.metric_intervals,
                  **({"item_labels": m.item_labels} if m.item_labels else {})}
    m.data_info = {**m.data_info, **({"training": m.membership_info} if m.membership_info else {})}
    recorded = {**options.recorded(), **m.options,
                "k": adapter.k if adapter.task == "ranking" else None,
                "threshold": options.threshold if adapter.task == "binary" else None,
                "item_group": options.item_group, **privacy_options(m, options),
                "refit": bool(options.refit), "refit_folds": options.refit_folds,
                "refit_sample_size": options.refit_sample_size, "small_loss": options.small_loss,
                "train_rows": int(len(train_data)) if train_data is not None else None}
    return assemble(m, options, model_info=model_info, recorded=recorded, minimisation=mini, task=adapter.task)
