"""The result of an audit: :class:`Audit`, a front over every analysis's result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._display import HTMLDisplay
from ..analyses._explain import ShapResult
from ..analyses._fairness import FairnessResult
from ..analyses._membership import MembershipResult
from ..analyses._minimisation import MinimisationResult
from ..analyses._performance import PerformanceResult
from ..analyses._privacy import ReidentificationResult
from ..analyses._slices import ErrorSlicesResult
from ..errors import InvalidInputError
from ..findings import Finding
from ..inventory import DataInventory
from ..models import ModelAdapter

__all__ = ["Audit", "SCHEMA_VERSION"]

#: Version of the audit.json layout; see explainer/report/audit.schema.json.
SCHEMA_VERSION = "1.0"


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
        from ..report._json import audit_to_dict

        return audit_to_dict(self)

    def to_json(self, path: Any = None) -> str:
        from ..report._json import audit_to_json

        return audit_to_json(self, path)

    def to_html(self, out: Any, *, force: bool = False, config: Any = None, previous: Any = None) -> dict[str, Any]:
        """Write disclosure.html, audit.html and audit.json into the folder ``out``, whole or not at all.

        ``config`` is the publisher's disclosure.yaml (or a DisclosureConfig); ``previous`` an
        earlier audit.json of the same system, for a "what changed" section.
        """
        from ..report import write_reports

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
        from .._why import explain_for

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
        from ..widgets import Dashboard

        return Dashboard(self, data=data)

    def __repr__(self) -> str:
        sev: dict[str, int] = {}
        for f in self.findings:
            sev[f.severity.value] = sev.get(f.severity.value, 0) + 1
        return (f"Audit(model={self.model_info.get('type')}, task={self.model_info.get('task')}, "
                f"rows={self.data_info.get('rows')}, findings={sev})")

