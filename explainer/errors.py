"""Exceptions and warnings raised by explainer.

Every message has the shape "*what* must be *expected*. Got *actual*. *How to fix.*"
Messages name parameters, columns and counts, never cell values: the data is personal.
"""

from __future__ import annotations

__all__ = [
    "ExplainerError",
    "InvalidInputError",
    "DataFileNotFoundError",
    "ModelNotFittedError",
    "UntrustedModelError",
    "ModelCallError",
    "MissingDependencyError",
    "OutputExistsError",
    "ExplainerWarning",
    "SmallGroupWarning",
]


class ExplainerError(Exception):
    """Base class of every error explainer raises on purpose."""


class InvalidInputError(ExplainerError, ValueError):
    """An argument, a data file or a config does not have the expected form."""


class DataFileNotFoundError(ExplainerError, FileNotFoundError):
    """A file named by the user does not exist."""


class ModelNotFittedError(ExplainerError, ValueError):
    """The model passed in has not been fitted."""


class UntrustedModelError(ExplainerError):
    """A model file would run code or load types that the user has not trusted."""


class ModelCallError(ExplainerError, RuntimeError):
    """The user's model raised an exception when explainer called it.

    The message names the call and the exception's class, never the exception's own
    message, which can quote the data. The original exception is kept as ``__cause__``.
    """


class MissingDependencyError(ExplainerError, ImportError):
    """An optional package that this feature needs is not installed."""


class OutputExistsError(ExplainerError, FileExistsError):
    """The output folder already holds a report and overwriting was not asked for."""


class ExplainerWarning(UserWarning):
    """Base class of explainer's warnings."""


class SmallGroupWarning(ExplainerWarning):
    """A group is smaller than the minimum size and is marked too few to judge."""
