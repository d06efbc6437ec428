"""Progress: a line per step and a bar of explained rows, from the API and the command line."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

import explainer as ex
from explainer._progress import ProgressBar, TextBar, resolve_progress
from explainer.analyses import explain_matrix
from explainer.errors import InvalidInputError


def _small_model(n: int = 3000) -> tuple[HistGradientBoostingClassifier, pd.DataFrame]:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "group": rng.choice(["x", "y"], size=n)})
    df["y"] = (df["a"] + 0.5 * df["b"] + rng.logistic(size=n) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(df[["a", "b"]], df["y"])
    return model, df


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_a_log_gets_one_line_per_quarter_and_a_terminal_one_redrawn_bar():
    log = _Stream(tty=False)
    bar = TextBar(stream=log)
    for done in range(500, 4001, 500):  # eight chunks of 500 rows
        bar(done, 4000)
    assert log.getvalue().splitlines() == [f"explaining: {d:,} of 4,000 rows" for d in (1000, 2000, 3000, 4000)]
    bar(4000, 4000)  # a second explanation in one chunk: one line
    assert log.getvalue().splitlines()[-1] == "explaining: 4,000 of 4,000 rows"
    assert len(log.getvalue().splitlines()) == 5

    term = _Stream(tty=True)
    bar = TextBar(stream=term, prefix="  ")
    bar(1000, 4000)
    bar(4000, 4000)
    out = term.getvalue()
    assert out.count("\r") == 2 and out.endswith("4,000/4,000 rows\n")
    assert "\r  explaining [######..................] 1,000/4,000 rows" in out


def test_explain_matrix_reports_every_chunk_in_order():
    model, df = _small_model()
    calls: list[tuple[int, int]] = []
    explain_matrix(model, df[["a", "b"]].to_numpy(), chunk_size=1000, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1000, 3000), (2000, 3000), (3000, 3000)]
    calls.clear()  # default chunks for trees: 2,000 rows
    explain_matrix(model, df[["a", "b"]].to_numpy(), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2000, 3000), (3000, 3000)]


def test_the_audit_passes_steps_and_explained_rows_to_a_progress_object():
    model, df = _small_model()

    class Recorder:
        def __init__(self) -> None:
            self.steps: list[str] = []
            self.rows_seen: list[tuple[int, int]] = []

        def __call__(self, step: str) -> None:
            self.steps.append(step)

        def rows(self, done: int, total: int) -> None:
            self.rows_seen.append((done, total))

    rec = Recorder()
    ex.audit(model, df, target="y", sensitive_features=["group"], sample_size=None, n_boot=20, progress=rec)
    assert rec.steps[:3] == ["inventory", "predict", "explain"]
    assert rec.rows_seen == [(2000, 3000), (3000, 3000)]  # every row explained, in two chunks
    # a plain callable gets the steps only
    steps: list[str] = []
    ex.audit(model, df, target="y", sensitive_features=["group"], sample_size=500, n_boot=20, progress=steps.append)
    assert "explain" in steps


def test_progress_true_draws_a_bar_on_stderr(capsys):
    model, df = _small_model()
    ex.audit(model, df, target="y", sensitive_features=["group"], sample_size=None, n_boot=20, progress=True)
    err = capsys.readouterr().err
    assert "explain" in err and "3000/3000" in err.replace(",", "")
    step, rows = resolve_progress(True)
    assert isinstance(step, ProgressBar) and rows is not None


def test_a_bad_progress_value_is_one_clear_error():
    with pytest.raises(InvalidInputError, match="progress must be None, True or a callable"):
        resolve_progress("yes")


def test_the_cli_prints_the_bar_with_the_elapsed_time(tmp_path, capsys):
    from explainer.cli import main

    model, df = _small_model()
    ex.save_model(model, tmp_path / "m.skops")
    df.to_csv(tmp_path / "d.csv", index=False)
    rc = main(["audit", str(tmp_path / "d.csv"), "--model", str(tmp_path / "m.skops"), "--target", "y",
               "--sensitive", "group", "--sample-size", "3000", "--n-boot", "20", "--no-refit",
               "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    out = captured.out.splitlines()
    bar = [line for line in out if "explaining:" in line]
    assert [line.split("] ", 1)[1] for line in bar] == ["explaining: 2,000 of 3,000 rows",
                                                        "explaining: 3,000 of 3,000 rows"]
    assert all(line.startswith("[") and "s] " in line for line in bar)


@pytest.mark.slow
def test_in_jupyter_the_bar_is_a_widget_and_steps_go_to_stdout(tmp_path):
    import nbformat

    from explainer._notebooks import execute_notebook

    code = (
        "import numpy as np, pandas as pd\n"
        "from sklearn.ensemble import HistGradientBoostingClassifier\n"
        "import explainer as ex\n"
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'a': rng.normal(size=3000), 'b': rng.normal(size=3000),"
        " 'group': rng.choice(['x', 'y'], size=3000)})\n"
        "df['y'] = (df['a'] + rng.logistic(size=3000) > 0).astype(int)\n"
        "m = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(df[['a', 'b']], df['y'])\n"
        "a = ex.audit(m, df, target='y', sensitive_features=['group'], sample_size=None, n_boot=20, progress=True)"
    )
    path = tmp_path / "progress.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    nb = execute_notebook(path, timeout=300)
    outputs = nb.cells[0]["outputs"]
    streams: dict[str, str] = {}
    for o in outputs:
        if o["output_type"] == "stream":
            streams[o["name"]] = streams.get(o["name"], "") + o["text"]
    assert "stderr" not in streams  # nothing that shows as an error
    assert "inventory" in streams["stdout"] and "explain" in streams["stdout"]
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets  # the bar is tqdm's notebook widget
