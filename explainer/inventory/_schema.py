"""The inventory data model: one record per column, read from and written to YAML."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from .._display import HTMLDisplay
from ..errors import DataFileNotFoundError, InvalidInputError
from .._messages import columns_include

Category = Literal[
    "direct_identifier",
    "contact",
    "demographic",
    "special_category",
    "location",
    "financial",
    "work_education",
    "behavioural",
    "device",
    "inferred",
    "other",
]
Source = Literal["provided", "observed", "inferred", "third_party", "unknown"]
Role = Literal["feature", "target", "identifier", "item", "sensitive", "other"]

CATEGORIES: tuple[str, ...] = get_args(Category)
SOURCES: tuple[str, ...] = get_args(Source)
ROLES: tuple[str, ...] = get_args(Role)

#: Plain-language names of each category, used in reports. ``{activity}`` and ``{item_word}`` are
#: the publisher's domain words (see ``explainer.findings.Wording``): "what you watch and rate",
#: "movie".
CATEGORY_LABELS: dict[str, str] = {
    "direct_identifier": "identifiers",
    "contact": "contact details",
    "demographic": "personal details (age, gender)",
    "special_category": "sensitive data (special category)",
    "location": "where you live",
    "financial": "money and income",
    "work_education": "your work and education",
    "behavioural": "{activity}",
    "device": "your device and online IDs",
    "inferred": "things we work out about you",
    "other": "data not yet described",
    "item": "the {item_word} itself",
}

#: Categories that identify a person on their own.
DIRECT_CATEGORIES = frozenset({"direct_identifier", "contact"})

_RECORD_KEYS = (
    "column",
    "category",
    "purposes",
    "legal_basis",
    "source",
    "retention",
    "recipients",
    "role",
    "description",
    "special_category_kind",
)
#: Kinds of special category data (GDPR Art. 9(1)).
SPECIAL_KINDS: tuple[str, ...] = (
    "ethnicity",
    "health",
    "religion",
    "sexual_orientation",
    "political_opinion",
    "biometric",
    "genetic",
    "trade_union",
)


@dataclass(frozen=True)
class ColumnRecord:
    """What is known about one column of the data.

    Parameters
    ----------
    column : str
        The column name, exactly as in the data.
    category : str
        One of ``CATEGORIES``.
    purposes : tuple of str, default=()
        What the column is used for, in plain words.
    legal_basis : str or None, default=None
        The legal basis for processing (GDPR Art. 6), as the publisher states it.
    source : str, default="unknown"
        One of ``SOURCES``: provided by the customer, observed, inferred, third party.
    retention : str or None, default=None
        How long it is kept, for example ``"24 months"``.
    recipients : tuple of str, default=()
        Who else receives it.
    role : str, default="feature"
        One of ``ROLES``. ``sensitive`` marks an attribute kept only for bias testing.
    description : str or None, default=None
        A short description for reviewers.
    special_category_kind : str or None, default=None
        For ``special_category`` columns, which kind (ethnicity, health, ...).
    """

    column: str
    category: str
    purposes: tuple[str, ...] = ()
    legal_basis: str | None = None
    source: str = "unknown"
    retention: str | None = None
    recipients: tuple[str, ...] = ()
    role: str = "feature"
    description: str | None = None
    special_category_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["purposes"] = list(self.purposes)
        d["recipients"] = list(self.recipients)
        return {k: v for k, v in d.items() if v not in (None, [], ())}


def _closest(key: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(key, list(options), n=1)
    return f" Did you mean {match[0]!r}?" if match else ""


def _check_choice(where: str, field_name: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        shown = value if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(
            f"{where}: field {field_name!r} must be one of {list(options)}. Got {shown!r}."
            f"{_closest(str(value), options)}"
        )
    return value


def _str_tuple(where: str, field_name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidInputError(
        f"{where}: field {field_name!r} must be a string or a list of strings. "
        f"Got {type(value).__name__}. Write it as a YAML list."
    )


def _opt_str(where: str, field_name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise InvalidInputError(
        f"{where}: field {field_name!r} must be a string. Got {type(value).__name__}."
    )


def record_from_mapping(raw: Any, *, where: str) -> ColumnRecord:
    """Validate one inventory entry; ``where`` names the file and entry in errors."""
    if not isinstance(raw, Mapping):
        raise InvalidInputError(
            f"{where} must be a mapping with at least 'column' and 'category'. "
            f"Got {type(raw).__name__}."
        )
    column = raw.get("column")
    named = isinstance(column, str) and bool(column)
    if named:
        where = f"{where} (column {column!r})"
    unknown = [k for k in raw if k not in _RECORD_KEYS]
    if unknown:
        k = str(unknown[0])
        raise InvalidInputError(
            f"{where}: field names must be among {list(_RECORD_KEYS)}. Got unknown field {k!r}."
            f"{_closest(k, _RECORD_KEYS)}"
        )
    if not named:
        raise InvalidInputError(f"{where}: field 'column' must be a non-empty string naming a data column.")
    if "category" not in raw:
        raise InvalidInputError(f"{where}: field 'category' is required. Use one of {list(CATEGORIES)}.")
    category = _check_choice(where, "category", raw["category"], CATEGORIES)
    kind = raw.get("special_category_kind")
    if kind is not None:
        _check_choice(where, "special_category_kind", kind, SPECIAL_KINDS)
        if category != "special_category":
            raise InvalidInputError(
                f"{where}: field 'special_category_kind' must be set only when category is 'special_category'. "
                f"Got it with category {category!r}. Set category: special_category, or remove the field."
            )
    return ColumnRecord(
        column=raw["column"],
        category=category,
        purposes=_str_tuple(where, "purposes", raw.get("purposes")),
        legal_basis=_opt_str(where, "legal_basis", raw.get("legal_basis")),
        source=_check_choice(where, "source", raw.get("source", "unknown"), SOURCES),
        retention=_opt_str(where, "retention", raw.get("retention")),
        recipients=_str_tuple(where, "recipients", raw.get("recipients")),
        role=_check_choice(where, "role", raw.get("role", "feature"), ROLES),
        description=_opt_str(where, "description", raw.get("description")),
        special_category_kind=kind,
    )


@dataclass(frozen=True)
class DataInventory(HTMLDisplay):
    """Every column of a data set with its category, purpose, source, retention and role.

    Build it from YAML with :meth:`from_yaml`, draft it from data with
    :func:`explainer.scan`, or pass records directly.

    Examples
    --------
    >>> from explainer import DataInventory, ColumnRecord
    >>> inv = DataInventory([ColumnRecord("email", "contact", source="provided")])
    >>> inv["email"].category
    'contact'
    """

    records: tuple[ColumnRecord, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()

    def __init__(self, records: Iterable[ColumnRecord] = (), notes: Iterable[str] = ()) -> None:
        recs = tuple(records)
        seen: set[str] = set()
        for r in recs:
            if not isinstance(r, ColumnRecord):
                raise InvalidInputError(
                    f"records must be ColumnRecord objects. Got {type(r).__name__}. "
                    "Build them with ColumnRecord(column=..., category=...)."
                )
            if r.column in seen:
                raise InvalidInputError(
                    f"records must name each column once. Got {r.column!r} twice. Merge the two entries."
                )
            seen.add(r.column)
        object.__setattr__(self, "records", recs)
        object.__setattr__(self, "notes", tuple(notes))

    # --- access -------------------------------------------------------------------------
    def __iter__(self) -> Iterator[ColumnRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __contains__(self, column: object) -> bool:
        return any(r.column == column for r in self.records)

    def __getitem__(self, column: str) -> ColumnRecord:
        for r in self.records:
            if r.column == column:
                return r
        raise KeyError(column)

    @property
    def columns(self) -> list[str]:
        return [r.column for r in self.records]

    def category_map(self) -> dict[str, str]:
        """Column -> the category every report shows: ``"item"`` for the ranked item and its facts.

        The one column-to-category mapping of the audit, the per-person page, the dashboard and
        the combined disclosure.
        """
        return {r.column: ("item" if r.role == "item" else r.category) for r in self.records}

    def category_of(self, column: str, default: str = "other") -> str:
        return self[column].category if column in self else default

    def with_record(self, record: ColumnRecord) -> DataInventory:
        """Return a copy with ``record`` added or replacing the record of the same column."""
        recs = [r for r in self.records if r.column != record.column] + [record]
        order = {c: i for i, c in enumerate(self.columns)}
        recs.sort(key=lambda r: order.get(r.column, len(order)))
        return DataInventory(recs, self.notes)

    def update(self, column: str, **changes: Any) -> DataInventory:
        """Return a copy with fields of one column's record changed."""
        if column not in self:
            raise InvalidInputError(
                f"column must name a column of the inventory. Got {column!r}. "
                f"{columns_include(self.columns)}"
            )
        return self.with_record(replace(self[column], **changes))

    # --- YAML ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": 1, "columns": [r.to_dict() for r in self.records]}
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Write the inventory as YAML to ``path`` (atomically) and return the text."""
        import yaml

        text = "# Data inventory: one entry per column. Schema: docs/inventory.md\n"
        body = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        if yaml.safe_load(body) != self.to_dict():  # PyYAML writes a few line-break characters raw
            body = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=False)
        text += body
        if path is not None:
            from .._io import atomic_write_text

            atomic_write_text(Path(path), text)
        return text

    @classmethod
    def from_dict(cls, raw: Any, *, source: str = "inventory") -> DataInventory:
        if not isinstance(raw, Mapping):
            raise InvalidInputError(
                f"{source} must be a YAML mapping with a 'columns' list. Got {type(raw).__name__}."
            )
        unknown = [k for k in raw if k not in ("version", "columns", "notes")]
        if unknown:
            k = str(unknown[0])
            raise InvalidInputError(
                f"{source}: unknown top-level key {k!r}. Valid keys are ['version', 'columns', 'notes']."
                f"{_closest(k, ('version', 'columns', 'notes'))}"
            )
        if raw.get("version", 1) != 1:
            raise InvalidInputError(f"{source}: 'version' must be 1. Got {raw.get('version')!r}.")
        cols = raw.get("columns")
        if not isinstance(cols, list) or not cols:
            raise InvalidInputError(
                f"{source}: 'columns' must be a non-empty list of column entries. "
                "Add one entry per data column with 'column' and 'category'."
            )
        records = [record_from_mapping(c, where=f"{source}, entry {i + 1}") for i, c in enumerate(cols)]
        notes = _str_tuple(source, "notes", raw.get("notes"))
        return cls(records, notes)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> DataInventory:
        """Read and validate an inventory YAML file."""
        p = Path(path)
        if not p.is_file():
            raise DataFileNotFoundError(
                f"inventory file must exist. Got {str(p)!r}, which was not found. "
                "Draft one with `explainer scan DATA --out inventory.yaml`."
            )
        from .._io import read_yaml

        raw = read_yaml(p, "inventory")
        return cls.from_dict(raw, source=f"inventory file {p.name!r}")

    def _display_view(self) -> tuple[str, dict[str, Any]]:
        records = [{"column": r.column, "category": r.category, "role": r.role, "source": r.source,
                    "purposes": list(r.purposes), "retention": r.retention} for r in self.records]
        return "data_inventory", {"records": records, "notes": list(self.notes)}

    def __repr__(self) -> str:
        cats: dict[str, int] = {}
        for r in self.records:
            cats[r.category] = cats.get(r.category, 0) + 1
        return f"DataInventory({len(self)} columns: {cats})"
