"""The options of an audit: one frozen object, validated once, shared by every backend and by ``why``.

:class:`AuditOptions` holds every setting that is not data (the model, the data, the inventory,
the training rows and the ``fit`` and ``progress`` callables stay arguments). Its constraints
are one table, :data:`CONSTRAINTS`, checked with one message template when the object is
built. :meth:`AuditOptions.refuse_unsupported` names an option that a backend cannot honour,
so that no option is silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .._validate import Constraint, check_params, column_names, is_int
from ..errors import InvalidInputError

__all__ = ["AuditOptions", "CONSTRAINTS", "BACKENDS", "DASK_ONLY"]

#: The backends of :func:`explainer.audit`: in memory (pandas) or partitioned (Dask).
BACKENDS = ("pandas", "dask")
#: Options that only the partitioned backend reads.
DASK_ONLY = ("scheduler", "n_workers", "partition_rows", "encoding")
#: Options the partitioned backend cannot honour yet, with the reason given when one is set.
NOT_ON_DASK = {
    "item_label": "labelling items needs every item row in one place",
    "reference_groups": "performance per group against a reference group runs in process only",
}


def _int_or_none(low: int) -> Any:
    return lambda v: v is None or is_int(v, low)


def _number(low: float, high: float) -> Any:
    def test(v: Any) -> bool:
        return (not isinstance(v, bool) and isinstance(v, (int, float)) and low <= float(v) <= high)
    return test


#: What each option must be. One message template (see :func:`explainer._validate.check_params`).
CONSTRAINTS: dict[str, Constraint] = {
    "backend": Constraint(lambda v: v in BACKENDS, "'pandas' or 'dask'", "backend='pandas'"),
    "n_boot": Constraint(is_int, "a positive integer", "n_boot=200 (--n-boot 200)"),
    "min_group_size": Constraint(is_int, "a positive integer", "min_group_size=30 (--min-group-size 30)"),
    "sample_size": Constraint(_int_or_none(1), "a positive integer or None", "sample_size=2000 (--sample-size 2000)"),
    "k_anonymity": Constraint(is_int, "a positive integer", "k_anonymity=5 (--k-anonymity 5)"),
    "proxy_threshold": Constraint(_number(0.5, 1.0), "a number from 0.5 to 1 (a cross-validated AUC)",
                                  "proxy_threshold=0.65"),
    "random_state": Constraint(lambda v: is_int(v, 0), "a non-negative integer", "random_state=0 (--seed 0)"),
    "refit": Constraint(lambda v: isinstance(v, bool), "True or False", "refit=False (--no-refit)"),
    "refit_folds": Constraint(lambda v: is_int(v, 2), "an integer of at least 2", "refit_folds=3 (--refit-folds 3)"),
    "refit_sample_size": Constraint(lambda v: v == "auto" or v is None or is_int(v, 1),
                                    "a positive integer, 'auto' or None", "refit_sample_size='auto'"),
    "small_loss": Constraint(_number(0.0, 1.0), "a number from 0 to 1", "small_loss=0.01"),
    "n_workers": Constraint(is_int, "a positive integer", "n_workers=2 (--workers 2)"),
    "partition_rows": Constraint(is_int, "a positive integer", "partition_rows=250000"),
}
#: Checked after :data:`CONSTRAINTS`, for a value of the right type.
FURTHER = {
    "min_group_size": Constraint(lambda v: v >= 2, "at least 2: a group of one is one person's own outcome",
                                 "min_group_size=30 (--min-group-size 30)"),
}


@dataclass(frozen=True)
class AuditOptions:
    """Every setting of one audit, validated when built; see :func:`explainer.audit` for each.

    Build it with keyword arguments; an invalid value raises
    :class:`~explainer.errors.InvalidInputError` naming the option. ``sensitive_features``
    is stored as a tuple of column names (one string names one column).
    """

    target: str | None = None
    sensitive_features: Sequence[str] = ()
    task: str | None = None
    user_id: str | None = None
    item_id: str | None = None
    k: int = 3
    threshold: float = 0.5
    item_group: str | None = None
    item_label: str | None = None
    sample_size: int | None = 2000
    n_boot: int = 200
    min_group_size: int = 30
    proxy_threshold: float = 0.65
    quasi_identifiers: Sequence[str] | None = None
    k_anonymity: int = 5
    n_jobs: int = 1
    random_state: int = 0
    refit: bool = True
    refit_folds: int = 3
    refit_sample_size: int | Literal["auto"] | None = "auto"
    small_loss: float = 0.01
    reference_groups: Mapping[str, str] | None = None
    data_sha256: str | None = None
    command: str | None = None
    backend: str = "pandas"
    scheduler: Any = field(default=None, compare=False)
    n_workers: int = 2
    partition_rows: int = 250_000
    encoding: str | None = None

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        check_params(values, CONSTRAINTS)
        check_params(values, FURTHER)
        object.__setattr__(self, "sensitive_features",
                           tuple(str(s) for s in column_names(self.sensitive_features, "sensitive_features")))
        qi = self.quasi_identifiers
        if isinstance(qi, str):
            raise InvalidInputError(
                f"quasi_identifiers must be a list of column names. Got the single string {qi!r}. Pass [{qi!r}].")
        if qi is not None:
            object.__setattr__(self, "quasi_identifiers", tuple(qi))

    @property
    def sensitive(self) -> list[str]:
        """The sensitive columns as a list."""
        return list(self.sensitive_features)

    def refuse_unsupported(self, backend: str) -> None:
        """Raise naming the first option set that ``backend`` cannot honour (never drop it)."""
        if backend == "pandas":
            given = [n for n in DASK_ONLY if getattr(self, n) != _DEFAULTS[n]]
            if given:
                raise InvalidInputError(
                    f"{given[0]} must be left out with backend='pandas'. Got {', '.join(given)} set. "
                    "Pass backend='dask' to use it.")
            return
        given = [n for n in NOT_ON_DASK if getattr(self, n) != _DEFAULTS[n]]
        if given:
            raise InvalidInputError(
                f"{given[0]} must keep its default with backend='dask'. Got {', '.join(given)} set: "
                f"{NOT_ON_DASK[given[0]]}. Audit in process (backend='pandas') for it, or leave it out.")

    def recorded(self) -> dict[str, Any]:
        """The options audit.json records for every audit (the backend adds its own)."""
        return {"target": self.target, "sensitive_features": self.sensitive, "sample_size": self.sample_size,
                "n_boot": self.n_boot, "min_group_size": self.min_group_size,
                "proxy_threshold": self.proxy_threshold, "random_state": self.random_state}

    def wrap(self, model: Any) -> Any:
        """The model behind one interface, with this audit's task, keys, k and threshold."""
        from ..models import wrap_model

        return wrap_model(model, task=self.task, user_id=self.user_id, item_id=self.item_id,  # type: ignore[arg-type]
                          k=self.k, threshold=self.threshold)


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(AuditOptions)}
