"""The publisher config ``disclosure.yaml``: facts a disclosure needs that no audit can measure.

Contact details, legal bases, controls, rights and the like come from the publisher. Every
field is optional; a missing one is a *gap*: the report shows a visible "to be completed by
the publisher" marker in its place and ``audit.json`` lists it. The report never invents it.

The schema is documented in ``docs/disclosure-config.md``; a complete example is the demo's
``explainer/demo/disclosure.yaml``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from ..errors import DataFileNotFoundError, InvalidInputError
from ..inventory._schema import CATEGORIES

if TYPE_CHECKING:
    from ..findings import Wording

__all__ = [
    "GAP",
    "GAP_TEXT",
    "FIRST_LAYER_SECTIONS",
    "ComplaintAuthority",
    "CommercialInfluence",
    "Automation",
    "Control",
    "DisclosureConfig",
    "DisclosureInfo",
    "Domain",
    "Organisation",
    "Profile",
    "Purpose",
    "Rights",
    "Sharing",
    "System",
    "is_gap",
    "section_of",
]

#: Text shown where the publisher has not given a fact yet. The phrase bank may override it.
GAP_TEXT: Final = "To be completed by the publisher."

#: Sections of the first layer (DISCLOSURE.md, marked *).
FIRST_LAYER_SECTIONS: frozenset[int] = frozenset({1, 2, 3, 4, 5, 7, 9, 10, 15})


class _Gap:
    """Marker for a fact the publisher has not given. Falsy; prints as :data:`GAP_TEXT`."""

    _instance: _Gap | None = None

    def __new__(cls) -> _Gap:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return GAP_TEXT

    def __repr__(self) -> str:
        return "GAP"

    def __reduce__(self) -> str:
        return "GAP"


#: The gap marker returned by :meth:`DisclosureConfig.get` for a missing fact.
GAP: Final = _Gap()


def is_gap(value: object) -> bool:
    """True if ``value`` is the :data:`GAP` marker (usable as a Jinja2 test)."""
    return value is GAP


# --- the data model ----------------------------------------------------------------------
# Field kinds used by the validator: "str", "email", "url", "bool", "date", "str_list",
# "categories" (list of inventory categories). Nested blocks are dataclasses.
def _kind(kind: str, section: int, *, prose: bool = False) -> dict[str, Any]:
    return {"kind": kind, "section": section, "prose": prose}


def _f(kind: str, section: int, *, prose: bool = False) -> Any:
    return field(default=None, metadata=_kind(kind, section, prose=prose))


@dataclass(frozen=True)
class Organisation:
    """Who runs the system (section 1, GDPR 13(1)(a)(b))."""

    name: str | None = _f("str", 1)
    contact_email: str | None = _f("email", 1)
    contact_address: str | None = _f("str", 1)
    dpo_contact: str | None = _f("str", 1)


@dataclass(frozen=True)
class System:
    """What the system does and where people meet it (section 2, DSA 27(1))."""

    name: str | None = _f("str", 2)
    what_it_does: str | None = _f("str", 2, prose=True)
    surfaces: tuple[str, ...] | None = _f("str_list", 2)


@dataclass(frozen=True)
class Domain:
    """The words of the publisher's domain (section 2): what an item is, who the people are.

    Every public sentence reads these words; missing ones are neutral ("items", "people") and
    listed as gaps. ``decision`` completes "decides ..." for yes/no systems ("whether to offer
    you a loan") and "estimates ..." for scores ("the price of your cover"); ``chose`` says what
    a person did with a suggested item ("bought", "watched").
    """

    item: str | None = _f("str", 2)
    items: str | None = _f("str", 2)
    people: str | None = _f("str", 2)
    activity: str | None = _f("str", 2)
    observed: str | None = _f("str", 2, prose=True)
    decision: str | None = _f("str", 2)
    chose: str | None = _f("str", 2)


@dataclass(frozen=True)
class Automation:
    """How automated the decision is (section 3, GDPR 13(2)(f), 22)."""

    fully_automated: bool | None = _f("bool", 3)
    human_review: str | None = _f("str", 3, prose=True)


@dataclass(frozen=True)
class Purpose:
    """One use of data with its legal basis (section 4, GDPR 13(1)(c)(d))."""

    purpose: str | None = _f("str", 4, prose=True)
    legal_basis: str | None = _f("str", 4)
    data_categories: tuple[str, ...] | None = _f("categories", 4)


@dataclass(frozen=True)
class CommercialInfluence:
    """Whether payment or promotion affects ranking (section 8, P2B Art. 5)."""

    affects_ranking: bool | None = _f("bool", 8)
    explanation: str | None = _f("str", 8, prose=True)


@dataclass(frozen=True)
class Control:
    """One option to change the ranking (section 9, DSA 27(1)(3), 38)."""

    name: str | None = _f("str", 9)
    where: str | None = _f("str", 9, prose=True)
    effect: str | None = _f("str", 9, prose=True)


@dataclass(frozen=True)
class Profile:
    """How the profile is built (section 11, WP251)."""

    time_window: str | None = _f("str", 11, prose=True)
    refresh: str | None = _f("str", 11, prose=True)


@dataclass(frozen=True)
class Sharing:
    """One recipient of data (section 14, GDPR 13(1)(e))."""

    recipient: str | None = _f("str", 14)
    categories: tuple[str, ...] | None = _f("categories", 14)
    purpose: str | None = _f("str", 14, prose=True)


@dataclass(frozen=True)
class ComplaintAuthority:
    """The supervisory authority a person can complain to (section 15, GDPR 13(2)(d))."""

    authority: str | None = _f("str", 15)
    url: str | None = _f("url", 15)


@dataclass(frozen=True)
class Rights:
    """How a person uses their rights (section 15, GDPR 13(2)(b)-(d), 21, 22(3))."""

    access: str | None = _f("str", 15, prose=True)
    correction: str | None = _f("str", 15, prose=True)
    erasure: str | None = _f("str", 15, prose=True)
    objection: str | None = _f("str", 15, prose=True)
    complaint: ComplaintAuthority = field(default_factory=ComplaintAuthority,
                                          metadata=_kind("block", 15))
    human_review_on_request: str | None = _f("str", 15, prose=True)


@dataclass(frozen=True)
class DisclosureInfo:
    """Version and date of the disclosure, and what changed (section 16, AI Act 13(3)(c))."""

    version: str | None = _f("str", 16)
    date: str | None = _f("date", 16)
    changes: str | None = _f("str", 16, prose=True)


@dataclass(frozen=True)
class DisclosureConfig:
    """Facts from the publisher that the disclosure needs and the audit cannot measure.

    Build it with :meth:`from_yaml` or :meth:`from_dict`; :meth:`empty` is a config with
    every fact missing. Missing facts are *gaps*: :meth:`gaps` lists them and :meth:`get`
    returns :data:`GAP` for them, which prints as "To be completed by the publisher."

    Examples
    --------
    >>> cfg = DisclosureConfig.from_dict({"organisation": {"name": "Northwind"}})
    >>> cfg.get("organisation.name"), cfg.get("organisation.contact_email")
    ('Northwind', GAP)
    >>> cfg.gaps()[0]
    'section 1: organisation.contact_email'
    """

    organisation: Organisation = field(default_factory=Organisation, metadata=_kind("block", 1))
    system: System = field(default_factory=System, metadata=_kind("block", 2))
    domain: Domain = field(default_factory=Domain, metadata=_kind("block", 2))
    automation: Automation = field(default_factory=Automation, metadata=_kind("block", 3))
    purposes: tuple[Purpose, ...] | None = field(default=None, metadata=_kind("list:Purpose", 4))
    special_categories_use: str | None = _f("str", 6, prose=True)
    category_rationale: dict[str, str] | None = field(
        default=None, metadata={**_kind("category_map", 7, prose=True)})
    commercial_influence: CommercialInfluence = field(
        default_factory=CommercialInfluence, metadata=_kind("block", 8))
    controls: tuple[Control, ...] | Literal["none"] | None = field(
        default=None, metadata=_kind("list_or_none:Control", 9))
    consequences: str | None = _f("str", 10, prose=True)
    profile: Profile = field(default_factory=Profile, metadata=_kind("block", 11))
    sharing: tuple[Sharing, ...] | Literal["none"] | None = field(
        default=None, metadata=_kind("list_or_none:Sharing", 14))
    retention: dict[str, str] | None = field(default=None, metadata=_kind("category_map", 14))
    rights: Rights = field(default_factory=Rights, metadata=_kind("block", 15))
    disclosure: DisclosureInfo = field(default_factory=DisclosureInfo, metadata=_kind("block", 16))
    model_names: dict[str, str] | None = field(default=None, metadata=_kind("str_map", 16))
    source: str = field(default="disclosure config", compare=False, repr=False,
                        metadata={"kind": "internal"})

    # --- building -----------------------------------------------------------------------
    @classmethod
    def empty(cls) -> DisclosureConfig:
        """A config with every fact missing: the disclosure shows a marker for each."""
        return cls(source="no disclosure config")

    @classmethod
    def from_dict(cls, raw: Any, *, source: str = "disclosure config") -> DisclosureConfig:
        """Validate a mapping (as read from YAML) and build the config.

        Parameters
        ----------
        raw : mapping or None
            The parsed YAML. ``None`` (an empty file) gives :meth:`empty`.
        source : str, default="disclosure config"
            Names the file in error messages.

        Raises
        ------
        InvalidInputError
            For an unknown key (with the closest valid key), a wrong type, or a category
            that does not exist. The message names the file, the key path and the fix.
        """
        if raw is None:
            return cls(source=source)
        built: DisclosureConfig = _build(cls, raw, path="", src=source)
        return replace(built, source=source)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> DisclosureConfig:
        """Read and validate a ``disclosure.yaml`` file.

        Raises
        ------
        DataFileNotFoundError
            If the file does not exist. Without a config, use :meth:`empty`.
        InvalidInputError
            If the file is not valid YAML or does not follow the schema.
        """
        p = Path(path)
        if not p.is_file():
            raise DataFileNotFoundError(
                f"disclosure config file must exist. Got {str(p)!r}, which was not found. "
                "Copy explainer/demo/disclosure.yaml as a start, or leave the config out to "
                "render every fact as 'to be completed by the publisher'."
            )
        from .._io import read_yaml

        raw = read_yaml(p, "disclosure config")
        return cls.from_dict(raw, source=f"disclosure config file {p.name!r}")

    # --- access -------------------------------------------------------------------------
    def get(self, path: str, default: Any = GAP) -> Any:
        """The value at a dotted key path, or ``default`` when the publisher left it out.

        Parameters
        ----------
        path : str
            Dotted path such as ``"organisation.name"``, ``"purposes.0.legal_basis"``
            (list entries counted from 0) or ``"category_rationale.behavioural"``.
        default : object, default=GAP
            Returned for a missing fact.

        Raises
        ------
        InvalidInputError
            If ``path`` is not a key of the schema (a typo in a template), with the closest key.
        """
        node: Any = self
        done: list[str] = []
        for part in path.split("."):
            where = ".".join(done) or "the config"
            if node is None or node == "none":
                return default
            if isinstance(node, tuple):
                if not part.isdigit():
                    raise InvalidInputError(
                        f"path {path!r} must use a number after {where!r}, which is a list. "
                        f"Got {part!r}. Write {where}.0.<key>."
                    )
                idx = int(part)
                if idx >= len(node):
                    return default
                node = node[idx]
            elif isinstance(node, dict):
                key_kind = _MAP_KEYS.get(".".join(done))
                if key_kind == "category" and part not in CATEGORIES:
                    raise InvalidInputError(
                        f"path {path!r} must name a data category after {where!r}. Got {part!r}."
                        f"{_closest(part, CATEGORIES)}"
                    )
                node = node.get(part)
            else:
                names = [f.name for f in fields(node) if f.name != "source"]
                if part not in names:
                    raise InvalidInputError(
                        f"path {path!r} must use keys of the disclosure config. Got {part!r} under "
                        f"{where!r}, which has {names}.{_closest(part, names)}"
                    )
                value = getattr(node, part)
                if value is None:
                    kind = next(f.metadata.get("kind", "") for f in fields(node) if f.name == part)
                    if kind.startswith(("list", "category_map", "str_map")):
                        # the list/map is missing entirely: every deeper path is a gap too
                        return default
                node = value
            done.append(part)
        return default if node is None else node

    def gap_items(self, *, categories: Iterable[str] | None = None,
                  task: str | None = None) -> list[tuple[int, str]]:
        """(DISCLOSURE.md section, dotted key path) of every missing fact, in section order.

        Parameters
        ----------
        categories : iterable of str or None, default=None
            Data categories the disclosure covers; each needs a ``category_rationale`` and a
            ``retention`` entry. None requires every inventory category.
        task : str or None, default=None
            The audited task. A ranking does not need ``domain.decision``; a yes/no decision
            or a score does not need ``domain.chose``. None requires both.
        """
        cats = tuple(CATEGORIES) if categories is None else tuple(dict.fromkeys(categories))
        bad = [c for c in cats if c not in CATEGORIES]
        if bad:
            raise InvalidInputError(
                f"categories must be inventory categories. Got {len(bad)} unknown ({bad[:5]!r})."
                f"{_closest(str(bad[0]), CATEGORIES)}"
            )
        items: list[tuple[int, str]] = []
        _walk_gaps(self, "", cats, items)
        unused = {"ranking": {"domain.decision"}, "binary": {"domain.chose"},
                  "regression": {"domain.chose"}}.get(task or "", set())
        items = [i for i in items if i[1] not in unused]
        return sorted(items, key=lambda x: x[0])  # stable: schema order within a section

    def gaps(self, *, categories: Iterable[str] | None = None, task: str | None = None) -> list[str]:
        """Missing facts as ``"section N: dotted.key.path"``, in DISCLOSURE.md section order.

        See :meth:`gap_items` for ``categories`` and ``task``.
        """
        return [f"section {n}: {p}" for n, p in self.gap_items(categories=categories, task=task)]

    def has_gaps(self, *, categories: Iterable[str] | None = None) -> bool:
        """True if any fact the disclosure needs is missing."""
        return bool(self.gap_items(categories=categories))

    def prose(self, *, first_layer_only: bool = False) -> dict[str, str]:
        """Dotted key path -> publisher text that readers see as prose (for readability checks)."""
        out: dict[str, str] = {}
        _walk_prose(self, "", out)
        if first_layer_only:
            return {k: v for k, v in out.items() if section_of(k) in FIRST_LAYER_SECTIONS}
        return out

    def to_dict(self) -> dict[str, Any]:
        """The given facts as plain data (gaps left out); ``from_dict`` reads it back."""
        out = _to_plain(self)
        assert isinstance(out, dict)
        return out

    def wording(self, task: str | None) -> Wording:
        """The :class:`~explainer.findings.Wording` of this system: its decision type and words.

        ``task`` is the task the audit ran (``binary``, ``ranking``, ``regression``).
        """
        from ..findings import Wording

        d = self.domain
        given = {"item_word": d.item, "items": d.items, "people": d.people, "activity": d.activity,
                 "observed": d.observed, "decision": d.decision, "chose": d.chose}
        return Wording(task if task in ("binary", "ranking", "regression") else "ranking",
                       {k: v for k, v in given.items() if v})

    def __repr__(self) -> str:
        return f"DisclosureConfig({self.source}, {len(self.gap_items())} gap(s))"


# --- validation --------------------------------------------------------------------------
_BLOCKS: dict[str, type] = {
    "Purpose": Purpose,
    "Control": Control,
    "Sharing": Sharing,
}
_MAP_KEYS = {"category_rationale": "category", "retention": "category", "model_names": "any"}


def _closest(key: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(key, list(options), n=1, cutoff=0.6)
    return f" Did you mean {match[0]!r}?" if match else ""


def _err(src: str, msg: str) -> InvalidInputError:
    return InvalidInputError(f"{src}: {msg}")


def _name(path: str) -> str:
    return path or "the top level"


def _build(cls: type, raw: Any, *, path: str, src: str) -> Any:
    if not isinstance(raw, Mapping):
        inner = f"keys under {path + ':'!r}" if path else "top-level keys such as 'organisation'"
        raise _err(src, f"{_name(path)} must be a mapping of keys to values. Got "
                        f"{type(raw).__name__}. Write {inner}, one per line.")
    valid = [f.name for f in fields(cls) if f.metadata.get("kind") != "internal"]
    for k in raw:
        if k not in valid:
            key = f"{path}.{k}" if path else str(k)
            raise _err(src, f"key {key!r} must be one of the valid keys {valid}. Got {str(k)!r}."
                            f"{_closest(str(k), valid)} See docs/disclosure-config.md.")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in raw:
            continue
        sub = f"{path}.{f.name}" if path else f.name
        values[f.name] = _value(f.metadata["kind"], raw[f.name], sub, src)
    return cls(**{k: v for k, v in values.items() if v is not None})


def _block_type(name: str) -> type:
    return {"organisation": Organisation, "system": System, "domain": Domain, "automation": Automation,
            "commercial_influence": CommercialInfluence, "profile": Profile, "rights": Rights,
            "complaint": ComplaintAuthority, "disclosure": DisclosureInfo}[name]


def _value(kind: str, raw: Any, path: str, src: str) -> Any:
    if raw is None:
        return None
    leaf = path.rsplit(".", 1)[-1]
    if kind == "block":
        return _build(_block_type(leaf), raw, path=path, src=src)
    if kind.startswith("list"):
        cls = _BLOCKS[kind.split(":")[1]]
        allow_none = kind.startswith("list_or_none")
        if allow_none and isinstance(raw, str) and raw.strip().lower() == "none":
            return "none"
        if not isinstance(raw, list):
            extra = " or the word none" if allow_none else ""
            raise _err(src, f"{path} must be a list of entries{extra}. Got {type(raw).__name__}. "
                            "Start each entry with '- ' on its own line.")
        if not raw:
            return None
        return tuple(_build(cls, item, path=f"{path}.{i}", src=src) for i, item in enumerate(raw))
    if kind in ("category_map", "str_map"):
        if not isinstance(raw, Mapping):
            raise _err(src, f"{path} must be a mapping of keys to text. Got {type(raw).__name__}. "
                            f"Write one 'key: text' line per entry under '{leaf}:'.")
        out: dict[str, str] = {}
        for k, v in raw.items():
            key = str(k)
            if kind == "category_map" and key not in CATEGORIES:
                raise _err(src, f"key '{path}.{key}' must be a data category, one of {list(CATEGORIES)}. "
                                f"Got {key!r}.{_closest(key, CATEGORIES)}")
            text = _scalar("str", v, f"{path}.{key}", src)
            if text is not None:
                out[key] = text
        return out or None
    return _scalar(kind, raw, path, src)


def _bool(kind: str, raw: Any, path: str, src: str) -> Any:
    if not isinstance(raw, bool):
        raise _err(src, f"{path} must be true or false. Got {type(raw).__name__}. "
                        "Write true or false without quotes.")
    return raw


def _str_list(kind: str, raw: Any, path: str, src: str) -> Any:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise _err(src, f"{path} must be a list of text items. Got {type(raw).__name__}. "
                        "Write one '- item' line per entry.")
    items = [x.strip() for x in items if x.strip()]
    if kind == "categories":
        for i, c in enumerate(items):
            if c not in CATEGORIES:
                raise _err(src, f"{path}.{i} must be a data category, one of {list(CATEGORIES)}. "
                                f"Got {c!r}.{_closest(c, CATEGORIES)}")
    return tuple(items) or None


def _date(kind: str, raw: Any, path: str, src: str) -> Any:
    if isinstance(raw, _dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    if isinstance(raw, str):
        try:
            return _dt.date.fromisoformat(raw.strip()).isoformat()
        except ValueError as err:
            raise _err(src, f"{path} must be a date written YYYY-MM-DD. Got text in another form. "
                            "Write it like 2025-06-01.") from err
    raise _err(src, f"{path} must be a date written YYYY-MM-DD. Got {type(raw).__name__}. "
                    "Write it like 2025-06-01.")


def _text(kind: str, raw: Any, path: str, src: str) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _err(src, f"{path} must be text. Got {type(raw).__name__}. "
                        "Write it as one line of text (quote it if it contains ': ').")
    text = str(raw).strip()
    if not text:
        return None
    if kind == "email" and ("@" not in text or " " in text):
        raise _err(src, f"{path} must be an e-mail address. Got text without the form name@domain. "
                        "Write it like privacy@example.org.")
    if kind == "url" and not text.startswith(("https://", "http://")):
        raise _err(src, f"{path} must be a web address. Got text that does not start with https://. "
                        "Write the full address, like https://example.org/complaints.")
    return text


#: The parser of each scalar kind; every other kind (str, email, url, ...) is text.
_SCALARS: dict[str, Callable[[str, Any, str, str], Any]] = {
    "bool": _bool,
    "str_list": _str_list,
    "categories": _str_list,
    "date": _date,
}


def _scalar(kind: str, raw: Any, path: str, src: str) -> Any:
    """One scalar value of the configuration, checked and normalised; None when empty."""
    if raw is None:
        return None
    return _SCALARS.get(kind, _text)(kind, raw, path, src)


# --- walking -----------------------------------------------------------------------------
def section_of(path: str) -> int:
    """DISCLOSURE.md section that a dotted key path fills (0 if unknown)."""
    node: Any = DisclosureConfig
    section = 0
    for part in path.split("."):
        if part.isdigit() or not hasattr(node, "__dataclass_fields__"):
            continue
        f = node.__dataclass_fields__.get(part)
        if f is None:
            return section
        section = f.metadata.get("section", section)
        kind = f.metadata.get("kind", "")
        if kind == "block":
            node = _block_type(part)
        elif kind.startswith("list"):
            node = _BLOCKS[kind.split(":")[1]]
        else:
            node = None
    return section


def _walk_gaps(node: Any, path: str, cats: tuple[str, ...], out: list[tuple[int, str]]) -> None:
    for f in fields(node):
        kind: str = f.metadata.get("kind", "")
        if kind == "internal":
            continue
        sub = f"{path}.{f.name}" if path else f.name
        value = getattr(node, f.name)
        section = f.metadata["section"]
        if kind == "block":
            _walk_gaps(value, sub, cats, out)
        elif kind.startswith("list"):
            if value is None:
                out.append((section, sub))
            elif value != "none":
                for i, item in enumerate(value):
                    _walk_gaps(item, f"{sub}.{i}", cats, out)
        elif kind == "category_map":
            have = value or {}
            out.extend((section, f"{sub}.{c}") for c in cats if c not in have)
        elif value is None:
            out.append((section, sub))


def _walk_prose(node: Any, path: str, out: dict[str, str]) -> None:
    for f in fields(node):
        kind: str = f.metadata.get("kind", "")
        if kind == "internal":
            continue
        sub = f"{path}.{f.name}" if path else f.name
        value = getattr(node, f.name)
        if value is None or value == "none":
            continue
        if kind == "block":
            _walk_prose(value, sub, out)
        elif kind.startswith("list"):
            for i, item in enumerate(value):
                _walk_prose(item, f"{sub}.{i}", out)
        elif f.metadata.get("prose"):
            if isinstance(value, dict):
                out.update({f"{sub}.{k}": v for k, v in value.items()})
            else:
                out[sub] = value


def _to_plain(node: Any) -> Any:
    if hasattr(node, "__dataclass_fields__"):
        out = {}
        for f in fields(node):
            if f.metadata.get("kind") == "internal":
                continue
            v = _to_plain(getattr(node, f.name))
            if v not in (None, {}, []):
                out[f.name] = v
        return out
    if isinstance(node, tuple):
        return [_to_plain(x) for x in node]
    if isinstance(node, dict):
        return dict(node)
    return node
