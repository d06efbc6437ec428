"""One table reader for every command: the same delimiter and encoding rules everywhere.

``read_table`` (audit, why, pseudonymise), ``scan`` and the Dask reader (``audit --backend
dask``, ``explain-all``) must agree on each file of a small corpus: a one-column list of ids,
values that hold another delimiter (or the letters an old sniffer split on), a quoted header
with a newline, cells over 128 KB, a spreadsheet's "CSV UTF-8" byte-order mark. UTF-16 and
Latin-1 files are refused with a message naming the encoding and the fix, never a value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers_robustness import SENTINELS, Workspace

import explainer as ex
from explainer.cli import main
from explainer.errors import InvalidInputError
from explainer._cluster import as_dask_frame

FAST = ["--quiet", "--n-boot", "20", "--sample-size", "100"]
BIG = 200_000  # characters in one cell: above the csv module's default field limit (131,072)

#: name -> (bytes of the file, the columns every reader must see, the first column's values as text)
CORPUS: dict[str, tuple[bytes, list[str], list[str]]] = {
    "one_column": (b"customer_id\n00123\n0456\n789\n", ["customer_id"], ["00123", "0456", "789"]),
    "one_column_values_hold_semicolons": (b"code\nA;1\nB;2\nC;3\n", ["code"], ["A;1", "B;2", "C;3"]),
    "one_column_quoted_commas": (b'customer_id\n"a,b"\n"c,d"\n', ["customer_id"], ["a,b", "c,d"]),
    "pipes_values_hold_commas": (b"id|city\n1|a,b\n2|c,d\n", ["id", "city"], ["1", "2"]),
    "semicolons_values_hold_commas": (b"name;note\nann;a,b,c\nbo;d,e,f\ncy;g,h\n", ["name", "note"],
                                      ["ann", "bo", "cy"]),
    "commas_values_hold_semicolons_and_pipes": (b'id,note\n1,"a;b|c"\n2,x;y;z\n3,p|q\n', ["id", "note"],
                                                ["1", "2", "3"]),
    "quoted_header_with_newline": (b'"customer\nid",age\n1,30\n2,40\n', ["customer\nid", "age"], ["1", "2"]),
    "byte_order_mark": ("customer_id;age\n1;30\n2;40\n".encode("utf-8-sig"), ["customer_id", "age"], ["1", "2"]),
    "windows_line_ends": (b"customer_id\tage\r\n1\t30\r\n2\t40\r\n", ["customer_id", "age"], ["1", "2"]),
    "cell_over_128kb": (b"customer_id,note\n1," + b"x" * BIG + b"\n2,short\n", ["customer_id", "note"], ["1", "2"]),
}


def _write(tmp: Path, name: str, data: bytes, suffix: str = ".csv") -> Path:
    p = tmp / f"{name}{suffix}"
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_reader_sees_the_same_columns(name, tmp_path):
    data, columns, first = CORPUS[name]
    p = _write(tmp_path, name, data)
    df = ex.read_table(p)
    assert [str(c) for c in df.columns] == columns and len(df) == len(first)
    assert [g.column for g in ex.scan(p, sample_size=50).guesses] == columns
    dask_frame = as_dask_frame(p).compute(scheduler="synchronous")
    assert [str(c) for c in dask_frame.columns] == columns and len(dask_frame) == len(df)
    assert ex.read_table(p, text_columns=[columns[0]]).iloc[:, 0].tolist() == first


def test_a_cell_over_128kb_is_read_whole(tmp_path):
    p = _write(tmp_path, "big", CORPUS["cell_over_128kb"][0])
    df = ex.read_table(p)
    assert df["note"].str.len().tolist() == [BIG, 5]
    assert as_dask_frame(p).compute(scheduler="synchronous")["note"].str.len().tolist() == [BIG, 5]


def test_a_tsv_file_is_read_with_tabs_even_when_its_values_hold_commas(tmp_path):
    p = _write(tmp_path, "d", b"id\tnote\n1\ta,b,c\n2\td\n", ".tsv")
    assert ex.read_table(p)["note"].tolist() == ["a,b,c", "d"]
    assert [g.column for g in ex.scan(p).guesses] == ["id", "note"]


# --- errors: what is wrong, never "check the delimiter" when the delimiter is fine ---------------
ENCODING_CASES = {
    "utf16_with_bom": ("customer_id,city\n1,SECRETCITY\n".encode("utf-16"), "UTF-16 (it starts with a UTF-16",
                       "--encoding utf-16"),
    "utf16_without_bom": ("customer_id,city\n1,SECRETCITY\n".encode("utf-16-le"), "NUL bytes",
                          "--encoding utf-16"),
    "latin1": ("customer_id,city\n1,SECRETCITY Malmö\n".encode("latin-1"), "bytes that are not UTF-8",
               "--encoding cp1252"),
}


@pytest.mark.parametrize("case", sorted(ENCODING_CASES))
def test_other_encodings_are_refused_with_the_fix(case, tmp_path):
    data, got, fix = ENCODING_CASES[case]
    p = _write(tmp_path, case, data)
    for read in (lambda: ex.read_table(p), lambda: ex.scan(p), lambda: as_dask_frame(p)):
        with pytest.raises(InvalidInputError, match="must be UTF-8 text") as err:
            read()
        msg = str(err.value)
        assert got in msg and fix in msg and "Save it as 'CSV UTF-8'" in msg and "delimiter" not in msg
        assert not any(s in msg for s in SENTINELS)


def test_bytes_that_are_not_utf8_late_in_the_file_are_named_too(tmp_path):
    p = _write(tmp_path, "late", b"customer_id,city\n" + b"1,north\n" * 20_000 + "2,Malmö\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match="must be UTF-8 text. Got bytes that are not UTF-8"):
        ex.read_table(p)


def test_a_given_encoding_is_used(tmp_path):
    latin = _write(tmp_path, "latin", "customer_id;city\n1;Malmö\n".encode("cp1252"))
    assert ex.read_table(latin, encoding="cp1252")["city"].tolist() == ["Malmö"]
    assert ex.scan(latin, encoding="cp1252").rows_read == 1
    utf16 = _write(tmp_path, "u16", "customer_id\tcity\n1\tMalmö\n".encode("utf-16"))
    assert ex.read_table(utf16, encoding="utf-16")["city"].tolist() == ["Malmö"]
    assert as_dask_frame(utf16, encoding="utf-16").compute(scheduler="synchronous")["city"].tolist() == ["Malmö"]
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "t.parquet")
    for path in (latin, tmp_path / "t.parquet"):
        with pytest.raises(InvalidInputError, match="encoding must be the name of a text encoding Python knows"):
            ex.read_table(path, encoding="no-such-codec")
    with pytest.raises(InvalidInputError, match=r"must be text in the encoding given \(ascii\)"):
        ex.read_table(latin, encoding="ascii")


def test_a_row_with_too_many_fields_is_named_by_its_line(tmp_path):
    p = _write(tmp_path, "ragged", b"customer_id;city\n1;north\n2;SECRETCITY;extra\n")
    for read in (lambda: ex.read_table(p), lambda: ex.scan(p)):
        with pytest.raises(InvalidInputError) as err:
            read()
        assert str(err.value) == (
            "data file 'ragged.csv' must have as many fields in each row as its header (2, separated by "
            "semicolons). Got 3 in line 3. Put values that contain semicolons in double quotes.")


def test_an_unclosed_quote_is_named(tmp_path):
    p = _write(tmp_path, "quote", b'customer_id,city\n1,"SECRETCITY\n2,north\n')
    with pytest.raises(InvalidInputError, match="must close every double quote it opens. Got a quoted value from row"):
        ex.read_table(p)


# --- every command, through main(argv) -----------------------------------------------------------
def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def _bom_csv(ws: Workspace, tmp: Path, first: str) -> Path:
    df = ws.data[[first, *[c for c in ws.data.columns if c != first]]]
    p = tmp / "bom.csv"
    df.to_csv(p, index=False, encoding="utf-8-sig", sep=";")
    return p


def _one_column(tmp: Path, text: str = "customer_id\n" + "".join(f"{i:05d}\n" for i in range(40))) -> Path:
    p = tmp / "ids.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize("backend", ["pandas", "dask"])
def test_audit_names_the_real_column_of_a_one_column_file(backend, ws, tmp_path, capsys):
    rc, _, err = _run(["audit", str(_one_column(tmp_path)), "--model", str(ws / "model.skops"), "--target", "bought",
                       "--out", str(tmp_path / "out"), "--backend", backend, *FAST], capsys)
    assert rc == 2
    assert err.strip() == ("explainer: target must name a column of the data. Got 'bought', which is not there. "
                           "Columns include ['customer_id'].")


def test_audit_reads_a_spreadsheet_file_whose_first_column_is_the_target(ws, tmp_path, capsys):
    rc, _, err = _run(["audit", str(_bom_csv(ws, tmp_path, "bought")), "--model", str(ws / "model.skops"),
                       "--target", "bought", "--out", str(tmp_path / "out"), *FAST], capsys)
    assert rc == 0, err
    doc = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert doc["data"]["rows"] == len(ws.data)


def test_why_reads_a_one_column_file(ws, tmp_path, capsys):
    from sklearn.linear_model import LogisticRegression

    ex.save_model(LogisticRegression().fit(ws.data[["spend"]], ws.data["bought"]), tmp_path / "spend.skops")
    data = _one_column(tmp_path, "spend\n" + "".join(f"{v}\n" for v in ws.data["spend"].head(30)))
    rc, _, err = _run(["why", str(data), "--model", str(tmp_path / "spend.skops"), "--row", "2",
                       "--out", str(tmp_path / "why.html"), "--quiet"], capsys)
    assert rc == 0, err
    assert (tmp_path / "why.html").is_file()


def test_why_reads_a_spreadsheet_file_whose_first_column_is_a_model_input(ws, tmp_path, capsys):
    rc, _, err = _run(["why", str(_bom_csv(ws, tmp_path, "age")), "--model", str(ws / "model.skops"), "--row", "0",
                       "--out", str(tmp_path / "why.html"), "--quiet"], capsys)
    assert rc == 0, err


def test_scan_reads_one_column_semicolon_and_spreadsheet_files(ws, tmp_path, capsys):
    def columns(path: Path) -> list[str]:
        rc, out, err = _run(["scan", str(path)], capsys)
        assert rc == 0, err
        return [c["column"] for c in yaml.safe_load(out)["columns"]]

    assert columns(_one_column(tmp_path)) == ["customer_id"]
    assert columns(_bom_csv(ws, tmp_path, "customer_id")) == list(ws.data.columns)
    assert columns(_write(tmp_path, "semi", CORPUS["semicolons_values_hold_commas"][0])) == ["name", "note"]


def test_pseudonymise_reads_one_column_and_spreadsheet_files(ws, tmp_path, capsys):
    key = tmp_path / "key.hex"
    key.write_text("ab" * 32)
    for src in (_one_column(tmp_path), _bom_csv(ws, tmp_path, "customer_id")):
        out = tmp_path / f"{src.stem}-tokens.csv"
        rc, _, err = _run(["pseudonymise", str(src), "--columns", "customer_id", "--key-file", str(key),
                           "--out", str(out)], capsys)
        assert rc == 0, err
        got = pd.read_csv(out, dtype=str)
        assert got.columns[0] == "customer_id" and got["customer_id"].str.fullmatch("[0-9a-f]{64}").all()


def test_explain_all_reads_a_one_column_file_and_names_the_missing_inputs(ws, tmp_path, capsys):
    rc, _, err = _run(["explain-all", str(_one_column(tmp_path)), "--model", str(ws / "model.skops"),
                       "--id", "customer_id", "--out", str(tmp_path / "attr")], capsys)
    assert rc == 2
    assert err.strip() == ("explainer: data must hold every column the model reads. Got no ['city', 'age', "
                           "'spend'] (3 missing). Pass the data the model was trained on, or a model that matches "
                           "these columns.")


COMMANDS = {
    "audit": lambda ws, d, tmp: ["audit", d, "--model", str(ws / "model.skops"), "--target", "bought",
                                 "--out", str(tmp / "out"), *FAST],
    "audit_dask": lambda ws, d, tmp: ["audit", d, "--model", str(ws / "model.skops"), "--target", "bought",
                                      "--out", str(tmp / "out"), "--backend", "dask", *FAST],
    "why": lambda ws, d, tmp: ["why", d, "--model", str(ws / "model.skops"), "--row", "0", "--out",
                               str(tmp / "why.html")],
    "scan": lambda ws, d, tmp: ["scan", d],
    "pseudonymise": lambda ws, d, tmp: ["pseudonymise", d, "--columns", "customer_id", "--key-env", "PSEUDO_KEY",
                                        "--out", str(tmp / "t.csv")],
    "explain_all": lambda ws, d, tmp: ["explain-all", d, "--model", str(ws / "model.skops"), "--id", "customer_id",
                                       "--out", str(tmp / "attr")],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", ["latin1", "utf16_with_bom"])
def test_every_command_refuses_another_encoding_in_one_line(command, case, ws, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PSEUDO_KEY", "ab" * 32)
    data, got, fix = ENCODING_CASES[case]
    p = _write(tmp_path, "customers", data)
    rc, out, err = _run(COMMANDS[command](ws, str(p), tmp_path), capsys)
    assert rc == 2, err
    assert err.startswith(f"explainer: data file 'customers.csv' must be UTF-8 text. Got {got}")
    assert len(err.strip().splitlines()) == 1 and fix in err and "delimiter" not in err
    assert not any(s in err + out for s in SENTINELS)
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.csv").exists()


def test_every_command_accepts_the_encoding_given(ws, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PSEUDO_KEY", "ab" * 32)
    p = tmp_path / "customers.csv"
    ws.data.assign(town=ws.data["city"].str.replace("north", "Malmö")).to_csv(p, index=False, encoding="cp1252")
    for command in ("scan", "pseudonymise", "why"):
        rc, _, err = _run([*COMMANDS[command](ws, str(p), tmp_path), "--encoding", "cp1252"], capsys)
        assert rc == 0, (command, err)
    got = pd.read_csv(tmp_path / "t.csv")
    assert sorted(set(got["town"])) == ["Malmö", "east", "south"]


def test_why_reads_a_cell_over_128kb(ws, tmp_path, capsys):
    p = tmp_path / "notes.csv"
    ws.data.assign(note=["x" * BIG] + ["short"] * (len(ws.data) - 1)).to_csv(p, index=False)
    rc, _, err = _run(["why", str(p), "--model", str(ws / "model.skops"), "--row", "0",
                       "--out", str(tmp_path / "why.html"), "--quiet"], capsys)
    assert rc == 0, err
