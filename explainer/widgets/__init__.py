"""Widgets: the ipywidgets front for notebooks (no server, no open port).

:class:`Dashboard` shows one :class:`~explainer.Audit` in tabs; build it with
``audit.dashboard(data)``. It reads the audit's results and renders them with the
report's fragment templates; it computes nothing of its own.
"""
from ._dashboard import Dashboard

__all__ = ["Dashboard"]
