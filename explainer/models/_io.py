"""Load model files safely: skops with a type check, pickles only when trusted."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from ..errors import DataFileNotFoundError, InvalidInputError, UntrustedModelError
from ._trees import check_tree_arrays

__all__ = ["load_model", "save_model"]

_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav")

#: Types accepted from a skops file besides skops' own trusted list. Each is a scikit-learn
#: class whose state is plain numbers and arrays, which skops rebuilds without running code;
#: skops' default list (0.16) lacks them, so every HistGradientBoosting file would need a flag.
#: skops leaves TreePredictor out because its node arrays hold indices that compiled code
#: follows unchecked: every loaded model's trees are therefore checked (``check_tree_arrays``)
#: before anything predicts with them, and a file whose arrays are off is refused.
KNOWN_SAFE_TYPES = frozenset({"sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"})


def save_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save a fitted model with skops (no code runs when it is loaded)."""
    import skops.io as sio

    p = Path(path)
    sio.dump(model, p)
    return p


def load_model(
    path: str | os.PathLike[str], *, trust_model: bool = False, trusted_types: list[str] | None = None
) -> Any:
    """Load a fitted model file.

    Parameters
    ----------
    path : path
        A ``.skops`` file, or a pickle/joblib file.
    trust_model : bool, default=False
        Pickle and joblib files run code when they are loaded: they are refused unless
        this is True. For skops files, True also accepts types skops does not trust.
    trusted_types : list of str, default=None
        Extra type names to accept from a skops file (as listed in the refusal message).
        Besides skops' own list, the scikit-learn types in ``KNOWN_SAFE_TYPES`` (the
        trees of HistGradientBoosting) are accepted.

    Raises
    ------
    UntrustedModelError
        A pickle without ``trust_model``, or a skops file with untrusted types.
    InvalidInputError
        A file that cannot be read, or whose trees are not as scikit-learn writes them
        (child or feature indices out of range, wrong dtypes or shapes): refused before
        any compiled code reads them, whatever the trust flags.
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileNotFoundError(f"model file must exist. Got {str(p)!r}, which was not found.")
    suffix = p.suffix.lower()
    if suffix == ".skops":
        import skops.io as sio

        try:
            untrusted = sio.get_untrusted_types(file=p)
        except Exception as err:  # noqa: BLE001 - skops raises many types on junk
            raise InvalidInputError(
                f"model file {p.name!r} must be a skops file. It could not be read ({type(err).__name__}). "
                "Save the model with skops.io.dump."
            ) from err
        allowed = set(trusted_types or []) | (KNOWN_SAFE_TYPES & set(untrusted))
        left = [t for t in untrusted if t not in allowed]
        if left and not trust_model:
            raise UntrustedModelError(
                f"model file {p.name!r} must only hold types skops trusts. Got {len(left)} untrusted: "
                f"{left[:6]!r}. Check them, then pass --trust-type for each (trusted_types=[...]) "
                "or --trust-model if you trust the file's author."
            )
        try:
            model = sio.load(p, trusted=list(untrusted) if trust_model else (list(allowed) or None))
        except Exception as err:  # noqa: BLE001
            raise InvalidInputError(
                f"model file {p.name!r} must load with skops. Loading failed ({type(err).__name__})."
            ) from err
        check_tree_arrays(model, name=p.name)  # before any compiled predictor reads them
        return model
    if suffix in _PICKLE_SUFFIXES:
        if not trust_model:
            raise UntrustedModelError(
                f"model file {p.name!r} is a pickle, which can run any code when loaded, so it is refused. "
                "Save the model with skops, or pass --trust-model (trust_model=True) if you trust its author."
            )
        try:
            if suffix == ".joblib":
                import joblib

                model = joblib.load(p)
            else:
                with open(p, "rb") as fh:
                    model = pickle.load(fh)  # noqa: S301 - the user said they trust it
        except Exception as err:  # noqa: BLE001
            raise InvalidInputError(
                f"model file {p.name!r} must be a model pickle. Loading failed ({type(err).__name__})."
            ) from err
        check_tree_arrays(model, name=p.name)
        return model
    raise InvalidInputError(
        f"model file must end in .skops, .pkl, .pickle or .joblib. Got {p.name!r}. "
        "Save the model with skops.io.dump(model, 'model.skops')."
    )
