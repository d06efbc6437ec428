"""Stage 3, analyses: explanation (SHAP), fairness (fairlearn), minimisation, privacy risk.

Each analysis is a function that returns a frozen result object (``to_frame()``,
``to_dict()``). Analyses never import ``report``, ``cli`` or ``widgets``.
"""
from ._dependence import DependenceResult, dependence, top_dependence
from ._explain import ShapResult, explain
from ._fairness import FairnessResult, audit_fairness, item_exposure
from ._flow import ProxyFlowResult, proxy_flow
from ._groupstats import GroupMetricsResult, decisions_from_scores, group_metrics
from ._membership import MembershipResult, membership_inference_risk
from ._minimisation import MinimisationResult, assess_minimisation
from ._mitigation import MitigationResult, compare_mitigations
from ._privacy import (
    GeneralisationStep,
    ReidentificationResult,
    quasi_identifiers_from_inventory,
    reidentification_risk,
)
from ._proxies import ProxyResult, find_proxies
from ._refit import RefitResult, drop_column_importance
from ._ranking import per_user_ranking, ranking_metrics, top_k_mask
from ._treeshap import ShapMatrix, explain_matrix

__all__ = [
    "ShapResult", "explain", "FairnessResult", "audit_fairness", "GroupMetricsResult", "decisions_from_scores",
    "group_metrics", "MembershipResult", "membership_inference_risk", "MinimisationResult",
    "assess_minimisation", "GeneralisationStep", "ReidentificationResult", "quasi_identifiers_from_inventory",
    "reidentification_risk",
    "ProxyResult", "find_proxies", "per_user_ranking", "ranking_metrics", "top_k_mask", "ShapMatrix",
    "explain_matrix", "item_exposure", "ProxyFlowResult", "proxy_flow", "MitigationResult", "compare_mitigations",
    "RefitResult", "drop_column_importance", "DependenceResult", "dependence", "top_dependence",
]
