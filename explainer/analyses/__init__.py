"""Stage 3, analyses: explanation (SHAP), fairness (fairlearn), minimisation, privacy risk.

Each analysis is a function that returns a frozen result object with ``findings``,
``to_frame()`` and ``to_dict()``. Analyses never import ``report``, ``cli`` or ``widgets``.
"""
from ._ranking import per_user_ranking, ranking_metrics, top_k_mask

__all__ = ["per_user_ranking", "ranking_metrics", "top_k_mask"]
