"""One wrapper around every call into the user's model code.

Whatever the model raises is the model's failure, not explainer's: it becomes a
:class:`~explainer.errors.ModelCallError` naming the call and the exception's class. The
exception's own message is never repeated, as it can quote the data (a customer's name in
a RuntimeError); it stays reachable as ``__cause__``, which the CLI prints with ``--debug``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from ..errors import ExplainerError, ModelCallError

__all__ = ["call_model"]

P = ParamSpec("P")
R = TypeVar("R")


def call_model(step: str, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Return ``fn(*args, **kwargs)``; raise ModelCallError from whatever the model raises.

    ``step`` names the call in the message, e.g. ``"the model's predict_proba"``. explainer's
    own errors (raised by a callable that calls explainer) pass through unchanged.
    """
    try:
        return fn(*args, **kwargs)
    except ExplainerError:
        raise
    except Exception as err:  # noqa: BLE001 - any exception of the model's code is the model's failure
        raise model_call_error(step, err) from err


def model_call_error(step: str, err: BaseException) -> ModelCallError:
    """The error for ``err`` raised by ``step``: its class is named, its message never is."""
    return ModelCallError(
        f"the model must run on the data explainer gives it. Got {type(err).__name__} raised by {step}; "
        "its message is not shown because it can quote the data (--debug shows it, and the Python API "
        "keeps the exception as __cause__). Run the model on a few rows of this data to see what fails."
    )
