"""Import optional dependencies with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

_EXTRA_OF = {
    "dask": "scale",
    "distributed": "scale",
    "lightgbm": "models",
    "xgboost": "models",
    "implicit": "recsys",
    "lightfm": "recsys",
    "fasttreeshap_fixed": "fast",
    "nbformat": "notebooks",
    "nbclient": "notebooks",
    "nbconvert": "notebooks",
    "playwright": "browser",
    "axe_playwright_python": "browser",
}


def import_optional(name: str, *, purpose: str) -> ModuleType:
    """Import ``name`` or raise MissingDependencyError naming the extra that provides it."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        extra = _EXTRA_OF.get(name.split(".")[0])
        hint = (
            f"pip install 'explainer-toolkit[{extra}]'" if extra else f"pip install {name.split('.')[0]}"
        )
        raise MissingDependencyError(
            f"{purpose} needs the package {name!r}, which is not installed. Install it with: {hint}."
        ) from err
