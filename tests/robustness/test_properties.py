"""Property-based tests: on arbitrary input, the inventory parser, the PII scanner, the table
reader and the command line either work or raise the toolkit's own errors; nothing else.

Example counts are modest so that the suite stays quick; the seeds are Hypothesis's own.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout, suppress
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.errors import ExplainerError
from explainer.inventory import DataInventory, scan
from explainer.inventory._schema import CATEGORIES, ROLES, SOURCES

FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
#: Planted in cell values; no output of the scanner may contain it.
MARK = "\u2042"

# --- the inventory parser ------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=12),
                    st.sampled_from(CATEGORIES + SOURCES + ROLES + ("ethnicity", "health")))
keys = st.one_of(st.sampled_from(["version", "columns", "notes", "column", "category", "purposes", "legal_basis",
                                  "source", "retention", "recipients", "role", "description",
                                  "special_category_kind"]), st.text(max_size=8))
yamlish = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(keys, inner, max_size=5)), max_leaves=20)
entry = st.fixed_dictionaries(
    {"column": st.one_of(st.text(min_size=1, max_size=10), scalars), "category": scalars},
    optional={"source": scalars, "role": scalars, "purposes": yamlish, "recipients": yamlish,
              "retention": scalars, "special_category_kind": scalars, "description": yamlish},
)
valid_entry = st.fixed_dictionaries(
    {"column": st.text(min_size=1, max_size=10), "category": st.sampled_from(CATEGORIES)},
    optional={"source": st.sampled_from(SOURCES), "role": st.sampled_from(ROLES),
              "purposes": st.lists(st.text(max_size=10), max_size=3), "retention": st.text(max_size=10),
              "legal_basis": st.text(max_size=10), "description": st.text(max_size=20)},
)
valid_inventories = st.fixed_dictionaries(
    {"version": st.just(1), "columns": st.lists(valid_entry, min_size=1, max_size=5, unique_by=lambda e: e["column"])},
    optional={"notes": st.lists(st.text(max_size=10), max_size=2)},
)
inventories = st.one_of(
    valid_inventories,
    valid_inventories.flatmap(lambda inv: st.fixed_dictionaries(
        {**{k: st.just(v) for k, v in inv.items()}, "columns": st.just(inv["columns"] + [inv["columns"][0]])})),
    yamlish,
    st.fixed_dictionaries({"columns": st.lists(st.one_of(entry, yamlish), max_size=4)},
                          optional={"version": st.one_of(st.just(1), scalars), "notes": yamlish}),
)


@FEW
@given(raw=valid_inventories)
def test_valid_inventories_parse_and_round_trip(raw):
    inv = DataInventory.from_dict(raw)
    assert inv.columns == [e["column"] for e in raw["columns"]]
    assert DataInventory.from_dict(__import__("yaml").safe_load(inv.to_yaml())) == inv


@FEW
@given(raw=inventories)
def test_inventory_from_dict_works_or_raises_its_own_error(raw):
    try:
        inv = DataInventory.from_dict(raw)
    except ExplainerError as err:
        assert isinstance(err, ValueError)
        return
    assert all(r.category in CATEGORIES and r.role in ROLES and r.source in SOURCES for r in inv)
    again = DataInventory.from_dict(__import__("yaml").safe_load(inv.to_yaml()))
    assert again == inv


@FEW
@given(text=st.one_of(st.text(max_size=200), st.builds(lambda d: __import__("yaml").safe_dump(d), inventories)))
def test_inventory_from_yaml_text_works_or_raises_its_own_error(text):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "inventory.yaml"
        p.write_text(text, encoding="utf-8")
        with suppress(ExplainerError):
            DataInventory.from_yaml(p)


config_keys = st.sampled_from(["organisation", "system", "automation", "purposes", "controls", "rights",
                               "retention", "sharing", "name", "contact_email", "what_it_does", "fully_automated",
                               "legal_basis", "data_categories", "purpose", "surfaces", "url"])
configs = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.one_of(config_keys, keys), inner,
                                                                        max_size=4)), max_leaves=20)


@FEW
@given(raw=configs)
def test_disclosure_config_works_or_raises_its_own_error(raw):
    import yaml

    from explainer.report._config import DisclosureConfig

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "disclosure.yaml"
        p.write_text(yaml.safe_dump(raw), encoding="utf-8")
        with suppress(ExplainerError):
            DisclosureConfig.from_yaml(p)


@pytest.mark.parametrize("what", ["inventory", "disclosure config"])
def test_yaml_with_an_impossible_date_is_a_clear_error(what, tmp_path):
    from explainer.report._config import DisclosureConfig

    (tmp_path / "f.yaml").write_text("version: 1\ncolumns:\n  - column: a\n    category: other\n"
                                     "    retention: 2024-13-45\n")
    load = DataInventory.from_yaml if what == "inventory" else DisclosureConfig.from_yaml
    with pytest.raises(ExplainerError, match=f"{what} file 'f.yaml' must be valid YAML.*Put that value in quotes"):
        load(tmp_path / "f.yaml")


# --- the PII scanner -----------------------------------------------------------------------
cells = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.text(max_size=12).map(lambda s: f"{s}{MARK}"),  # a marked value, which must never come out
    st.sampled_from(["ann@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "SW1A 1AA", "1984-02-29",
                     "female", "GB82 WEST 1234 5698 7654 32", "192.168.0.1"]),
)
names = st.text(alphabet=st.characters(blacklist_characters=MARK, blacklist_categories=("Cs",)),
                min_size=1, max_size=12)


@st.composite
def frames(draw):
    n_rows = draw(st.integers(0, 12))
    cols = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    data = {c: draw(st.lists(cells, min_size=n_rows, max_size=n_rows)) for c in cols}
    return pd.DataFrame(data, columns=cols)


@FEW
@given(df=frames())
def test_scanner_on_arbitrary_frames_never_crashes_nor_repeats_a_value(df):
    result = scan(df, random_state=0)
    assert [g.column for g in result.guesses] == list(df.columns)
    for g in result.guesses:
        assert g.category in CATEGORIES and g.role in ROLES and 0.0 <= g.confidence <= 1.0
        assert all(0.0 <= e.match_share <= 1.0 for e in g.evidence)
    shown = "".join([repr(result), result._repr_html_(), result.inventory.to_yaml(),
                     result.to_frame().to_csv()])
    assert MARK not in shown


@FEW
@given(raw=st.one_of(st.binary(max_size=300),
                     st.lists(st.lists(st.text(alphabet=",;\"\n\t ab1é", max_size=6), max_size=4), max_size=6)
                     .map(lambda rows: "\n".join(",".join(r) for r in rows).encode())))
def test_reading_arbitrary_bytes_as_csv_works_or_raises_its_own_error(raw):
    from explainer._io import read_table

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "data.csv"
        p.write_bytes(raw)
        for read in (lambda: read_table(p), lambda: scan(p, sample_size=5)):
            with suppress(ExplainerError):
                read()


# --- the command line ----------------------------------------------------------------------
class _Stop(ExplainerError):
    """Raised instead of generating the demo: the property is about argument handling."""


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("argv")
    pd.DataFrame({"a": range(30), "b": [i % 2 for i in range(30)], "email": ["x@example.com"] * 30}).to_csv(
        d / "data.csv", index=False)
    (d / "junk.skops").write_bytes(b"nope")
    (d / "m.pkl").write_bytes(b"\x80\x04nope")
    (d / "bad.yaml").write_text("a: [1\n")
    (d / "audit.json").write_text("{}")
    (d / "empty.csv").write_bytes(b"")
    return d


FILES = ["data.csv", "junk.skops", "m.pkl", "bad.yaml", "audit.json", "empty.csv", "missing.csv", "out"]
OPTIONS = ["--out", "--model", "--target", "--sensitive", "--inventory", "--config", "--task", "--user-id",
           "--item-id", "--k", "--threshold", "--trust-model", "--trust-type", "--fail-on", "--force", "--seed",
           "--sample-size", "--n-boot", "--min-group-size", "--quiet", "--customers", "--predictions", "--debug",
           "--version", "--help", "-h"]
VALUES = ["binary", "ranking", "high", "fairness", "a", "b", "email", "0", "-1", "3", "0.5", "1e9", "nan", "",
          "--", "-"]


def tokens():
    anything = st.one_of(st.sampled_from(["demo", "audit", "scan", "report"] + OPTIONS + VALUES + FILES),
                         st.text(max_size=8))
    option = st.tuples(st.sampled_from(OPTIONS), st.one_of(st.sampled_from(VALUES + FILES), st.text(max_size=6)))
    command = st.tuples(st.sampled_from(["demo", "audit", "scan", "report"]),
                        st.lists(st.sampled_from(FILES), max_size=1),
                        st.lists(option, max_size=6).map(lambda pairs: [t for pair in pairs for t in pair]),
                        st.lists(st.sampled_from(OPTIONS[-9:]), max_size=2))
    audit = st.tuples(st.sampled_from(["junk.skops", "m.pkl", "missing.skops"]),
                      st.lists(option, max_size=5).map(lambda pairs: [t for pair in pairs for t in pair]))
    return st.one_of(st.lists(anything, max_size=10),
                     command.map(lambda c: [c[0], *c[1], *c[2], *c[3]]),
                     audit.map(lambda a: ["audit", "data.csv", "--model", a[0], "--target", "b", "--out", "out",
                                          *a[1]]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_argv_gives_an_exit_code_and_at_most_one_error_line(data, cli_files, monkeypatch):
    import explainer.demo
    from explainer.cli import main

    monkeypatch.setattr(explainer.demo, "make_retail_demo", lambda *a, **k: (_ for _ in ()).throw(_Stop("stop")))
    argv = data.draw(tokens())
    err, out = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as d:  # a fresh copy per example: a run may write files
        shutil.copytree(cli_files, d, dirs_exist_ok=True)
        monkeypatch.chdir(d)
        with redirect_stderr(err), redirect_stdout(out):
            rc = main(argv)
    assert rc in (0, 1, 2)  # never 3: arbitrary arguments must not find a bug
    if rc == 2 and "--debug" not in argv:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("explainer"), err.getvalue()
