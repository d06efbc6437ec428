"""``explainer audit`` (with refits) against shapash's report, on one model and the same rows.

    python benchmarks/shapash_compare.py [--rows 5000 20000] [--repeat 3] [--shapash-venv DIR]

The data is the project's yes/no income example (``explainer.demo.make_decision_demo``, an
Adult-like table): ``--rows`` applications to audit and as many training rows. The model is
one scikit-learn Pipeline, an OrdinalEncoder of the text columns and a
HistGradientBoostingClassifier, fitted once and saved with joblib. Then, in turn and
``--repeat`` times, each as its own process so that imports count for both:

* shapash: ``SmartExplainer(model=<the classifier>, preprocessing=<the encoder>)``,
  ``compile`` on the encoded audit rows, then ``generate_report`` with the training rows;
* explainer: ``explainer audit <rows> --model <pipeline> --train-data <training rows>`` (the
  CLI, with the minimisation refits, the membership test and every other step).

shapash is installed only for this script, into a throwaway virtual environment under a
temporary folder that also sees this interpreter's packages (so both tools load the same
scikit-learn, pandas and shap); pass ``--shapash-venv`` to reuse one between runs. Prints
each run's wall time, the medians and the ratio explainer / shapash, per size. On 2 shared
cores the wall time depends on the load; the two tools alternate so that both see it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPASH = "shapash[report]==2.10.0"
TARGET = "approved"
INPUTS = ["age", "education_num", "occupation", "hours_per_week", "capital_gain", "capital_loss",
          "annual_income", "region", "marital_status", "education", "sex"]

_SHAPASH_RUN = """
import sys, warnings
warnings.filterwarnings("ignore")
import joblib, pandas as pd
from shapash import SmartExplainer
pipe = joblib.load(sys.argv[1])
train, test = pd.read_parquet(sys.argv[2]), pd.read_parquet(sys.argv[3])
prep, clf = pipe[0], pipe[-1]
cols = list(pipe.feature_names_in_)
def enc(d):
    return pd.DataFrame(prep.transform(d[cols]), columns=prep.get_feature_names_out(), index=d.index)
xpl = SmartExplainer(model=clf, preprocessing=prep)
xpl.compile(x=enc(test), y_target=test[sys.argv[5]])
xpl.generate_report(output_file=sys.argv[4], x_train=enc(train), y_train=train[sys.argv[5]],
                    y_test=test[sys.argv[5]])
"""


def shapash_python(venv: Path) -> Path:
    """A virtual environment with shapash that also sees this interpreter's packages."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "zz_parent_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(python), "-c", "import shapash"], capture_output=True)
    if done.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", SHAPASH], check=True)
    return python


def make_case(rows: int, folder: Path) -> tuple[Path, Path, Path]:
    """Training and audit rows of the income example, and the fitted pipeline, saved."""
    import joblib
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from explainer.demo import make_decision_demo

    apps = make_decision_demo(2 * rows, random_state=0).applications
    train, test = apps.iloc[:rows].reset_index(drop=True), apps.iloc[rows:].reset_index(drop=True)
    text = [c for c in INPUTS if not pd.api.types.is_numeric_dtype(apps[c])]
    prep = ColumnTransformer([("text", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), text)],
                             remainder="passthrough", verbose_feature_names_out=False)
    pipe = Pipeline([("prep", prep), ("clf", HistGradientBoostingClassifier(random_state=0))])
    pipe.fit(train[INPUTS], train[TARGET])
    paths = folder / "model.joblib", folder / "train.parquet", folder / "test.parquet"
    joblib.dump(pipe, paths[0])
    train.to_parquet(paths[1])
    test.to_parquet(paths[2])
    return paths


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[5_000, 20_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shapash-venv", type=Path, default=None, help="reuse (or create) this environment")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="shapash_compare_"))
    try:
        python = shapash_python(args.shapash_venv or tmp / "venv")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        cli = str(Path(sys.executable).with_name("explainer"))
        for rows in args.rows:
            case = tmp / f"rows{rows}"
            case.mkdir()
            model, train, test = make_case(rows, case)
            shap_cmd = [str(python), "-c", _SHAPASH_RUN, str(model), str(train), str(test),
                        str(case / "shapash.html"), TARGET]
            ours_cmd = [cli, "audit", str(test), "--model", str(model), "--trust-model", "--target", TARGET,
                        "--sensitive", "sex", "race", "--train-data", str(train), "--out", str(case / "audit"),
                        "--force", "--quiet"]
            times: dict[str, list[float]] = {"shapash": [], "explainer": []}
            for i in range(args.repeat):
                order = [("shapash", shap_cmd), ("explainer", ours_cmd)]
                for name, cmd in order if i % 2 == 0 else order[::-1]:
                    times[name].append(timed(cmd, env))
                    print(f"{rows} rows, run {i + 1}: {name} {times[name][-1]:.1f} s", flush=True)
            med = {k: statistics.median(v) for k, v in times.items()}
            print(f"{rows} rows: shapash compile + generate_report {med['shapash']:.1f} s, explainer audit with "
                  f"refits {med['explainer']:.1f} s (medians of {args.repeat}); ratio explainer/shapash "
                  f"{med['explainer'] / med['shapash']:.2f}x", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
