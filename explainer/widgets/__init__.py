"""Widgets: the ipywidgets front for notebooks (no server, no open port).

:class:`Dashboard` shows one :class:`~explainer.Audit` in tabs; build it with
``audit.dashboard(data)``. It reads the audit's results and renders them with the
report's fragment templates and figures. What it computes, it computes with the analyses'
own functions: one group's performance (:func:`~explainer.analyses._performance.assess_performance`
on that group's rows), dependence per value bin (:func:`explainer.analyses.dependence`) and,
in the what-if tab, one edited row's score and SHAP values.

:func:`pre_save_hook` is a Jupyter server save hook: a saved notebook keeps the dashboard's
still copy rather than a live view that cannot be shown again without its kernel.
"""
from .._notebooks import pre_save_hook
from ._dashboard import Dashboard

__all__ = ["Dashboard", "pre_save_hook"]
