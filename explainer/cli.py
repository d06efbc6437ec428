"""The command line: a thin front that parses, calls the public API and returns an exit code.

Exit codes: 0 done and no gate tripped; 1 a ``--fail-on`` gate tripped (reports are still
written); 2 bad input, or an exception inside the user's model (one line on stderr naming the
problem and the fix, never the model's own message); 3 an internal
error (a bug: the traceback is printed), kept apart from 1 so that a crash never reads as a
tripped gate; 130 interrupted (Ctrl-C); 143 stopped by SIGTERM, cleaned up as for Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._cli_collaborative import add_collaborative, collaborative_model, why_collaborative_command
from .errors import ExplainerError

__all__ = ["main"]

EXIT_OK, EXIT_GATE, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

_EPILOG = """exit codes:
  0  done, and no --fail-on gate matched
  1  a --fail-on gate matched a finding (the reports are still written)
  2  bad input, or the model raised: one line on stderr names the problem and the fix
     (--debug shows the traceback)
  3  internal error: a bug in explainer; the traceback is printed (no partial report is left)
  130  interrupted (Ctrl-C); 143 stopped by SIGTERM: nothing half-written is left
"""


class _UsageError(ExplainerError, ValueError):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        raise _UsageError(f"{self.prog}: {message}. See '{self.prog} --help'.")


class _Progress:
    """Prints one line per step to stdout with the elapsed time, and a bar while rows are explained.

    stderr is kept for errors. On a terminal the bar is redrawn in place; in a log it is a line
    per quarter. Never prints data: step names and counts only.
    """

    def __init__(self, quiet: bool, indent: str = "", t0: float | None = None) -> None:
        from ._progress import TextBar

        self.quiet = quiet
        self.indent = indent
        self.t0 = time.perf_counter() if t0 is None else t0
        self._bar = TextBar(stream=sys.stdout)

    def __call__(self, step: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:6.1f}s] {self.indent}{step}", flush=True)

    def rows(self, done: int, total: int) -> None:
        if not self.quiet:
            self._bar.prefix = f"[{time.perf_counter() - self.t0:6.1f}s] {self.indent}"
            self._bar(done, total)

    def sub(self, indent: str = "    ") -> _Progress:
        """The same clock, for the steps of a step."""
        return _Progress(self.quiet, self.indent + indent, self.t0)



def _refit_sample(text: str) -> int | str:
    """``--refit-sample-size``: a whole number, or ``auto``."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"must be a whole number or 'auto'. Got {text!r}.") from err

def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="folder to write disclosure.html, audit.html and audit.json into")
    p.add_argument("--force", action="store_true", help="replace a report already in --out")
    p.add_argument("--config", help="publisher facts for the disclosure (disclosure.yaml)")
    p.add_argument("--previous", metavar="FILE",
                   help="an earlier audit.json of the same system: the reports gain a 'what changed' section")
    p.add_argument("--seed", type=int, default=0, help="random seed of samples and bootstraps (default 0)")
    p.add_argument("--sample-size", type=int, default=2000, help="rows explained for global shares (default 2000)")
    p.add_argument("--n-boot", type=int, default=200, help="bootstrap resamples for intervals (default 200)")
    p.add_argument("--min-group-size", type=int, default=30, help="smaller groups are too few to judge (default 30)")
    p.add_argument("--n-jobs", type=int, default=1, help="threads for explanations; -1 uses all cores (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--fail-on", default="", metavar="CODE[,CODE...]",
                   help="exit 1 when a finding matches a code, a prefix or a severity (high, medium, ...)")
    p.add_argument("--no-refit", action="store_true",
                   help="minimisation: skip refitting the model without each input (share of influence only)")
    p.add_argument("--refit-folds", type=int, default=3, help="minimisation: refit folds (default 3)")
    p.add_argument("--refit-sample-size", type=_refit_sample, default="auto",
                   help="minimisation: training customers the refits use (whole customers for a recommender, "
                        "else rows); default 'auto': all of them up to 2000 customers for a recommender, "
                        "8000 rows otherwise")


def _add_encoding(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoding", metavar="NAME",
                   help="text encoding of a CSV file, e.g. cp1252 or utf-16 (default: UTF-8, with or without a "
                        "byte-order mark)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="explainer", description="Measure and explain how a model uses customer data.",
                epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    d = sub.add_parser("demo", help="generate the retail demo, train its recommender, audit it, write reports")
    _add_common(d)
    d.add_argument("--customers", type=int, default=20_000, help="number of demo customers (default 20000)")
    d.add_argument("--k", type=int, default=3, help="categories recommended per customer (default 3)")

    a = sub.add_parser("audit", help="audit a saved model, or a log of decisions, on a CSV or Parquet file")
    a.add_argument("data", help="CSV or Parquet file: one row per scored customer (or customer x item)")
    a.add_argument("--model", help="model file: .skops (safe) or a pickle with --trust-model")
    a.add_argument("--predictions", metavar="COL",
                   help="audit logged decisions or scores in this column instead of a model (no --model)")
    a.add_argument("--target", help="outcome column")
    a.add_argument("--sensitive", nargs="+", default=[], metavar="COL", help="columns that define groups")
    a.add_argument("--inventory", help="data inventory YAML (drafted from the data when absent)")
    a.add_argument("--task", choices=["binary", "regression", "ranking"], help="inferred when absent")
    a.add_argument("--user-id", help="ranking: the customer column")
    a.add_argument("--item-id", help="ranking: the item column")
    a.add_argument("--k", type=int, default=3, help="ranking: items shown per customer (default 3)")
    a.add_argument("--threshold", type=float, default=None,
                   help="binary: decision is score >= threshold (default 0.5 for a model; "
                        "with --predictions, needed when the column holds scores)")
    a.add_argument("--item-group", metavar="COL",
                   help="ranking: item-side exposure by this item column (e.g. department); default: per item")
    a.add_argument("--item-label", metavar="COL",
                   help="ranking: column holding each item's display name (a title); pages show it, not the id")
    a.add_argument("--reference-group", action="append", default=[], metavar="FEATURE=GROUP",
                   help="the group of a sensitive feature that the others' performance rates are compared with "
                        "(repeatable; default: each feature's largest group)")
    a.add_argument("--trust-model", action="store_true", help="load a pickle or untrusted skops types")
    a.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="accept one skops type")
    a.add_argument("--train-data", metavar="FILE",
                   help="CSV or Parquet file of the rows the model was trained on, with the target: measures "
                        "membership inference risk, and minimisation refits the model without each input on them")
    a.add_argument("--quasi-identifiers", nargs="+", metavar="COL",
                   help="columns measured for re-identification risk (default: chosen from the inventory)")
    a.add_argument("--k-anonymity", type=int, default=5,
                   help="smallest group of customers sharing quasi-identifier values aimed for (default 5)")
    a.add_argument("--backend", choices=["pandas", "dask"], default=None,
                   help="dask: run on a Dask cluster, memory bounded by the partition size (scale extra)")
    a.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler (implies --backend dask; default: a local cluster)")
    a.add_argument("--workers", type=int, default=2, help="worker processes of the local Dask cluster (default 2)")
    _add_encoding(a)
    _add_common(a)

    e = sub.add_parser("explain-all", help="write every row's attributions as partitioned Parquet, on Dask")
    e.add_argument("data", help="Parquet file or folder (or CSV): the rows to explain")
    e.add_argument("--model", required=True, help="model file: .skops (safe) or a pickle with --trust-model")
    e.add_argument("--out", required=True, help="folder for the Parquet data set (resumes a run found there)")
    e.add_argument("--id", dest="id_columns", nargs="+", required=True, metavar="COL",
                   help="column(s) that identify a row, copied into the output as its key")
    e.add_argument("--scheduler", metavar="ADDRESS", help="address of a running Dask scheduler (default: local)")
    e.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    e.add_argument("--task", choices=["binary", "regression", "ranking"], help="inferred when absent")
    e.add_argument("--trust-model", action="store_true", help="load a pickle or untrusted skops types")
    e.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="accept one skops type")
    e.add_argument("--force", action="store_true", help="replace a folder that holds another run")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--quiet", action="store_true", help="no progress lines")
    _add_encoding(e)
    add_collaborative(e)
    e.add_argument("--k", type=int, default=10, help="collaborative filtering: items explained per customer (their "
                                                     "top k; default 10)")
    w = sub.add_parser("why", help="explain one person's result in plain words and write why.html")
    w.add_argument("data", help="CSV or Parquet file: the scored rows (customer x item for a recommender)")
    w.add_argument("--model", required=True, help="model file: .skops (safe) or a pickle with --trust-model")
    who = w.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", help="the person: a value of --user-id (or a row label without one)")
    who.add_argument("--row", type=int, metavar="N", help="explain the person (and item) of row N of the file (from 0)")
    w.add_argument("--item", help="ranking: the item to explain (with --customer)")
    w.add_argument("--task", choices=["binary", "regression", "ranking"], help="inferred when absent")
    w.add_argument("--user-id", help="ranking: the customer column")
    w.add_argument("--item-id", help="ranking: the item column")
    w.add_argument("--k", type=int, default=3, help="ranking: items shown per customer (default 3)")
    w.add_argument("--threshold", type=float, default=0.5, help="binary: decision is score >= threshold")
    w.add_argument("--inventory", help="data inventory YAML (drafted from the data when absent)")
    w.add_argument("--config", help="publisher facts: reasons, controls, contact (disclosure.yaml)")
    w.add_argument("--trust-model", action="store_true", help="load a pickle or untrusted skops types")
    w.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="accept one skops type")
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--out", required=True, help="the page to write, e.g. why.html")
    w.add_argument("--force", action="store_true", help="replace the page if it exists")
    w.add_argument("--quiet", action="store_true", help="do not print the explanation")
    _add_encoding(w)
    add_collaborative(w)

    s = sub.add_parser("scan", help="draft a data inventory from column names and values")
    s.add_argument("data", help="CSV or Parquet file")
    s.add_argument("--out", help="write the draft inventory YAML here (default: print it)")
    s.add_argument("--sample-size", type=int, default=10_000, help="rows to read at most (default 10000)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--force", action="store_true", help="replace --out if it exists")
    _add_encoding(s)

    ps = sub.add_parser("pseudonymise", help="replace identifier columns with keyed HMAC-SHA256 tokens")
    ps.add_argument("data", help="CSV or Parquet file")
    ps.add_argument("--columns", nargs="+", required=True, metavar="COL", help="identifier columns to tokenise")
    key = ps.add_mutually_exclusive_group(required=True)
    key.add_argument("--key-file", metavar="FILE", help="file holding the secret key (64 hex characters or more)")
    key.add_argument("--key-env", metavar="VAR", help="environment variable holding the secret key")
    ps.add_argument("--out", required=True, help="CSV or Parquet file to write (by its extension)")
    ps.add_argument("--length", type=int, help="keep the first N hex characters of each token (16 to 64)")
    ps.add_argument("--force", action="store_true", help="replace --out if it exists")
    _add_encoding(ps)

    r = sub.add_parser("report", help="re-render reports from audit.json without recomputing")
    r.add_argument("audit_json", nargs="+",
                   help="an audit.json written by explainer; give several (one per algorithm) for one combined "
                        "disclosure")
    r.add_argument("--out", required=True)
    r.add_argument("--config", help="publisher facts (disclosure.yaml); default: the facts recorded in audit.json")
    r.add_argument("--previous", metavar="FILE", help="an earlier audit.json of the same system")
    r.add_argument("--force", action="store_true")
    return p


def _gate(findings: Sequence[Any], selectors: Sequence[str]) -> int:
    """Exit 1 with one line on stderr when a finding matches a ``--fail-on`` selector."""
    tripped = [f for f in findings if any(f.matches(s) for s in selectors)]
    if tripped:
        codes = sorted({f.code for f in tripped})
        print(f"explainer: --fail-on matched {len(tripped)} finding(s): {', '.join(codes)}", file=sys.stderr)
        return EXIT_GATE
    return EXIT_OK


def _previous(args: argparse.Namespace) -> dict[str, Any] | None:
    """Read --previous before any long work, so a bad file fails fast."""
    from .report._compare import read_audit_json

    return read_audit_json(args.previous, param="--previous") if args.previous else None


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import audit as run_audit
    from ._outputs import ReportDir
    from .demo import (MODEL_INPUTS, make_retail_demo, targeting_config, train_demo_recommender,
                       train_demo_targeting)
    from .demo._paths import DEMO_CONFIG
    from ._validate import parse_fail_on
    from .report._combined import write_combined_files
    from .report._render import prepare_document, write_report_files

    selectors = parse_fail_on(args.fail_on)
    say = _Progress(args.quiet)
    previous = _previous(args)
    ReportDir(args.out, force=args.force, param="--out")  # refuse a bad --out before the long work
    command = "explainer " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv else None
    sensitive = ["gender", "age_band", "ethnicity"]
    say(f"1/5 generate: {args.customers} synthetic customers (seed {args.seed})")
    demo = make_retail_demo(args.customers, random_state=args.seed)
    say("2/5 train: gradient-boosted recommender on customer x category rows")
    rec = train_demo_recommender(demo, k=args.k, random_state=args.seed)
    m = rec.metrics
    say(f"    held-out customers: hit rate@{args.k} {m[f'hit_rate_at_{args.k}']:.3f}, "
        f"NDCG@{args.k} {m[f'ndcg_at_{args.k}']:.3f} ({m['users_evaluated']} customers)")
    say("3/5 audit the recommender: inventory, SHAP, group results, proxies, privacy risk, minimisation")
    result = run_audit(
        rec.pipeline, rec.test, target="bought", sensitive_features=sensitive,
        user_id="customer_id", item_id="category", item_group="department", k=args.k,
        sample_size=args.sample_size, n_boot=args.n_boot,
        min_group_size=args.min_group_size, n_jobs=args.n_jobs, random_state=args.seed, train_data=rec.train,
        refit=not args.no_refit, refit_folds=args.refit_folds, refit_sample_size=args.refit_sample_size,
        command=command, progress=say.sub(),
    )
    assert set(MODEL_INPUTS) == set(result.model.input_columns)
    say("4/5 second algorithm: offer email selection (logistic regression, one row per customer)")
    tgt = train_demo_targeting(demo, random_state=args.seed)
    say(f"    held-out customers: accuracy {tgt.metrics['accuracy']:.3f}, ROC AUC {tgt.metrics['roc_auc']:.3f}")
    emails = run_audit(
        tgt.pipeline, tgt.test, target="bought_two_or_more", sensitive_features=sensitive,
        sample_size=args.sample_size, n_boot=args.n_boot, min_group_size=args.min_group_size,
        n_jobs=args.n_jobs, random_state=args.seed, command=command, progress=say.sub(),
    )
    third = _demo_collaborative(demo, args, command, say)
    say(f"5/5 render: {args.out} (recommender, one customer's why.html) and {Path(args.out) / 'all'} (all)")
    doc, cfg = prepare_document(result, config=args.config or DEMO_CONFIG, previous=previous)
    # one example customer's "why am I seeing this?" page: the first held-out customer's top item
    first = rec.test["customer_id"].iloc[0]
    mine = rec.test[rec.test["customer_id"] == first]
    top_item = mine["category"].iloc[int(result.model.predict_score(mine).argmax())]
    why = result.why(first, top_item, config=args.config or DEMO_CONFIG)
    with ReportDir(args.out, force=args.force) as tmp:
        write_report_files(doc, tmp, config=cfg)
        why.to_html(tmp / "why.html", force=True)
        (tmp / "all").mkdir()
        both = write_combined_files([doc, prepare_document(emails, config=targeting_config())[0], *third],
                                    tmp / "all")
    root = Path(args.out)
    for name in ("disclosure.html", "audit.html", "audit.json", "why.html", "all/disclosure.html",
                 "all/audit.html"):
        say(f"    wrote {root / name}")
    say(f"    combined disclosure: {len(both['algorithms'])} algorithms, "
        f"{len(both['readability']['failures'])} readability target(s) missed")
    return _gate(result.findings, selectors)


def _demo_collaborative(demo: Any, args: argparse.Namespace, command: str | None, say: Any) -> list[dict[str, Any]]:
    """The demo's third algorithm (ALS on purchase and browsing histories), or none without implicit."""
    from .demo._collaborative import audit_demo_collaborative, collaborative_config, has_collaborative_demo
    from .report._render import prepare_document

    if not has_collaborative_demo():
        say("    third algorithm skipped: implicit is not installed (pip install 'explainer-toolkit[recsys]')")
        return []
    say("    third algorithm: customers like you (ALS on purchase and browsing histories)")
    doc, _audit = audit_demo_collaborative(demo, k=args.k, n_boot=args.n_boot, min_group_size=args.min_group_size,
                                           random_state=args.seed, command=command)
    shares = ", ".join(f"{s['label']} {s['share']:.0%}" for s in doc["sources"])
    say(f"    held-out customers: NDCG@{args.k} {doc['model']['metrics'][f'ndcg_at_{args.k}']:.3f}; sources: {shares}")
    return [prepare_document(doc, config=collaborative_config())[0]]


def _audit_backend(args: argparse.Namespace) -> str:
    """Refuse contradictory audit flags before any work; return the backend ("pandas" or "dask")."""
    from ._outputs import check_out_folder
    from ._validate import parse_fail_on

    if args.model and args.predictions:
        raise _UsageError("explainer audit: --model and --predictions must not be given together. Got both. "
                          "Audit a model, or a log of its decisions.")
    if not args.model and not args.predictions:
        raise _UsageError("explainer audit: --model or --predictions is required. Got neither. "
                          "Pass a model file, or the column of logged decisions or scores.")
    parse_fail_on(args.fail_on)  # a typo must not silently disable the gate: refuse it before any work
    check_out_folder(args.out, force=args.force, param="--out")  # and a bad --out, before any work
    dask = args.backend == "dask" or (args.backend is None and args.scheduler is not None)
    if args.scheduler is not None and args.backend == "pandas":
        raise _UsageError("explainer audit: --scheduler needs --backend dask. Drop one of the two.")
    if dask and args.predictions:
        raise _UsageError("explainer audit: --predictions runs in-process only. Got --backend dask. Drop one.")
    return "dask" if dask else "pandas"


def _audit_arguments(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    """The keyword arguments of :func:`explainer.audit` from the command line, for every backend."""
    from ._io import sha256_file

    return dict(
        target=args.target, sensitive_features=args.sensitive, task=args.task, user_id=args.user_id,
        item_id=args.item_id, k=args.k, threshold=0.5 if args.threshold is None else args.threshold,
        item_group=args.item_group, item_label=args.item_label,
        reference_groups=_reference_groups(args.reference_group) if args.reference_group else None,
        sample_size=args.sample_size, n_boot=args.n_boot, min_group_size=args.min_group_size,
        n_jobs=args.n_jobs, random_state=args.seed,
        data_sha256=sha256_file(Path(args.data)) if Path(args.data).is_file() else None,
        quasi_identifiers=args.quasi_identifiers, k_anonymity=args.k_anonymity,
        refit=not args.no_refit, refit_folds=args.refit_folds, refit_sample_size=args.refit_sample_size,
        command="explainer " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        backend=backend, scheduler=args.scheduler, n_workers=args.workers,
        # in process the command reads the file itself (read_table); on Dask the backend reads it
        encoding=args.encoding if backend == "dask" else None,
    )


def _cmd_audit(args: argparse.Namespace) -> int:
    from . import audit as run_audit
    from ._io import read_table
    from .inventory import DataInventory
    from .models import load_model
    from .report._config import DisclosureConfig

    backend = _audit_backend(args)
    say = _Progress(args.quiet)
    data: Any = args.data
    if backend == "dask":
        say(f"data: {Path(args.data).name}, read in partitions on the Dask cluster")
    else:
        say(f"read data: {Path(args.data).name}")
        data = read_table(args.data, encoding=args.encoding)
        say(f"    {len(data)} rows, {data.shape[1]} columns")
    if args.predictions:
        return _audit_log(args, data, say)
    train = None
    if args.train_data:
        train = read_table(args.train_data, param="--train-data", encoding=args.encoding)
        say(f"    training rows: {len(train)}")
    model = load_model(args.model, trust_model=args.trust_model, trusted_types=args.trust_type)
    inventory = DataInventory.from_yaml(args.inventory) if args.inventory else None
    config = DisclosureConfig.from_yaml(args.config) if args.config else None
    previous = _previous(args)
    result = run_audit(model, data, inventory=inventory, train_data=train, progress=say,
                       **_audit_arguments(args, backend))
    return _finish(args, result, config, say, previous)


def _reference_groups(pairs: Sequence[str]) -> dict[str, str]:
    """``--reference-group race=White`` (repeatable) as a mapping."""
    out = {}
    for pair in pairs:
        feature, sep, group = pair.partition("=")
        if not sep or not feature or not group:
            raise _UsageError(f"explainer audit: --reference-group must be FEATURE=GROUP. Got {pair.count('=')} "
                              "'=' or an empty side. Pass e.g. --reference-group region=north.")
        out[feature] = group
    return out


def _audit_log(args: argparse.Namespace, data: Any, say: _Progress) -> int:
    from . import audit_decisions
    from ._io import sha256_file
    from ._outputs import ReportDir
    from .inventory import DataInventory
    from .report._config import DisclosureConfig

    if not args.target:
        raise _UsageError("explainer audit: --target is required with --predictions. Got none. "
                          "Name the outcome column.")
    inventory = DataInventory.from_yaml(args.inventory) if args.inventory else None
    config = DisclosureConfig.from_yaml(args.config) if args.config else None
    ReportDir(args.out, force=args.force, param="--out")  # refuse a bad --out before the work
    previous = _previous(args)
    result = audit_decisions(
        data, predictions=args.predictions, target=args.target, sensitive_features=args.sensitive,
        threshold=args.threshold, inventory=inventory, n_boot=args.n_boot, min_group_size=args.min_group_size,
        quasi_identifiers=args.quasi_identifiers, k_anonymity=args.k_anonymity, random_state=args.seed, data_sha256=sha256_file(Path(args.data)) if Path(args.data).is_file() else None,
        command="explainer " + " ".join(shlex.quote(a) for a in sys.argv[1:]), progress=say,
    )
    return _finish(args, result, config, say, previous)


def _finish(args: argparse.Namespace, result: Any, config: Any, say: _Progress, previous: Any) -> int:
    from ._validate import parse_fail_on
    from .report import write_reports

    out = write_reports(result, args.out, force=args.force, config=config, previous=previous)
    for p in out["paths"]:
        say(f"wrote {p}")
    return _gate(result.findings, parse_fail_on(args.fail_on))


def _cmd_explain_all(args: argparse.Namespace) -> int:
    from . import explain_all
    from .models import load_model

    say = _Progress(args.quiet)
    collaborative = str(args.data).lower().endswith(".npz")
    if collaborative and len(args.id_columns) != 1:
        from .errors import InvalidInputError

        raise InvalidInputError(
            f"--id must be one name for a collaborative-filtering model: the customer column of the output. Got "
            f"{len(args.id_columns)}. Pass --id customer."
        )
    if collaborative:  # every customer's top k, explained over their own history
        model = collaborative_model(args, "explain-all")
    else:
        model = load_model(args.model, trust_model=args.trust_model, trusted_types=args.trust_type)
    result = explain_all(model, None if collaborative else args.data,
                         id_column=args.id_columns[0] if collaborative else args.id_columns, out=args.out,
                         scheduler=args.scheduler, n_workers=args.workers, task=args.task, force=args.force,
                         random_state=args.seed, progress=say, encoding=args.encoding)
    say(f"wrote {result.rows} rows in {result.partitions} part files to {result.out} "
        f"({result.computed} explained now, {result.skipped} from an earlier run)")
    print("explainer: the part files hold per-person attributions keyed by "
          f"{', '.join(result.id_columns)}: keep and delete them as the input data.", file=sys.stderr)
    return EXIT_OK


def _cmd_why(args: argparse.Namespace) -> int:
    from . import why
    from ._io import read_table
    from ._outputs import check_out_file
    from .errors import InvalidInputError
    from .inventory import DataInventory
    from .models import load_model

    check_out_file(args.out, force=args.force, param="--out", inputs=[args.data])
    if str(args.data).lower().endswith(".npz"):
        why_collaborative_command(args)
        return EXIT_OK
    data = read_table(args.data, encoding=args.encoding)
    model = load_model(args.model, trust_model=args.trust_model, trusted_types=args.trust_type)
    inventory = DataInventory.from_yaml(args.inventory) if args.inventory else None
    customer, item = args.customer, args.item
    if args.row is not None:
        if not 0 <= args.row < len(data):
            raise InvalidInputError(f"--row must be a row number from 0 to {len(data) - 1}. Got {args.row}.")
        if args.user_id:
            customer = data[args.user_id].iloc[args.row] if args.user_id in data.columns else None
            item = data[args.item_id].iloc[args.row] if args.item_id and args.item_id in data.columns else None
        else:
            customer = data.index[args.row]
    elif not args.user_id:
        customer = _row_label(data, customer)
    result = why(model, data, customer, item, inventory=inventory, task=args.task, user_id=args.user_id,
                 item_id=args.item_id, k=args.k, threshold=args.threshold, config=args.config, random_state=args.seed)
    result.to_html(args.out, force=args.force)
    if not args.quiet:
        sys.stdout.write(str(result))
        print(f"wrote {args.out}")
    return EXIT_OK


def _row_label(data: Any, customer: str) -> Any:
    """A row label given on the command line: the data's labels are numbers when read from a file."""
    try:
        return int(customer)
    except ValueError:
        return customer


def _cmd_scan(args: argparse.Namespace) -> int:
    from ._outputs import check_out_file
    from .inventory import scan

    if args.out:  # a reviewed inventory is never overwritten without --force
        check_out_file(args.out, force=args.force, param="--out", inputs=[args.data])
    result = scan(args.data, sample_size=args.sample_size, random_state=args.seed, encoding=args.encoding)
    text = result.inventory.to_yaml(args.out) if args.out else result.inventory.to_yaml()
    total = "unknown" if result.rows_total is None else str(result.rows_total)
    print(f"explainer: scanned {result.rows_read} of {total} rows, {len(result.guesses)} columns", file=sys.stderr)
    if not args.out:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_pseudonymise(args: argparse.Namespace) -> int:
    from ._io import atomic_write_bytes, read_table
    from ._outputs import check_out_file
    from .errors import InvalidInputError
    from .inventory import Pseudonymiser

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidInputError(f"--out must end in .csv or .parquet. Got {out.name!r}. Choose the file type by its name.")
    if out.resolve() == Path(args.data).resolve():
        raise InvalidInputError("--out must differ from DATA. Got the same file. Write the tokens to a new file.")
    check_out_file(out, force=args.force, param="--out", inputs=[args.data])
    pseud = (Pseudonymiser.from_file(args.key_file, length=args.length) if args.key_file
             else Pseudonymiser.from_env(args.key_env, length=args.length))
    # the columns to tokenise are read as the text written (surrounding whitespace removed), never as numbers
    data = read_table(args.data, encoding=args.encoding, text_columns=args.columns)
    result = pseud.tokenise(data, columns=args.columns)
    if suffix == ".csv":
        payload = result.to_csv(index=False).encode("utf-8")
    else:
        import io

        buf = io.BytesIO()
        result.to_parquet(buf, index=False)
        payload = buf.getvalue()
    atomic_write_bytes(out, payload)
    print(f"explainer: tokenised {len(dict.fromkeys(args.columns))} column(s) of {len(result)} rows into {out}",
          file=sys.stderr)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_reports
    from .report._combined import write_combined_reports
    from .report._compare import read_audit_json
    from ._outputs import check_out_folder

    check_out_folder(args.out, force=args.force, param="--out")
    docs = [read_audit_json(p) for p in args.audit_json]
    if len(docs) == 1:
        write_reports(docs[0], args.out, force=args.force, config=args.config, previous=args.previous)
        return EXIT_OK
    if args.previous:
        raise _UsageError(f"explainer report: --previous must go with one audit_json. Got {len(docs)}. "
                          "Compare each algorithm on its own, then combine.")
    write_combined_reports(docs, args.out, config=args.config, force=args.force)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    with _terminate_as_interrupt() as stopped:
        return _main(argv, debug, stopped)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so that every clean-up runs."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[list[int]]:
    """Turn SIGTERM into an interruption while the command runs (main thread only)."""
    import signal
    import threading

    stopped: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield stopped
        return

    def handler(signum: int, frame: Any) -> None:
        stopped.append(signum)
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield stopped
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str], debug: bool, stopped: list[int]) -> int:
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as done:  # --help printed; argparse's own errors go through _Parser.error
            return EXIT_OK if done.code in (0, None) else EXIT_BAD_INPUT
        if args.version:
            from ._version import __version__

            print(f"explainer-toolkit {__version__}")
            return EXIT_OK
        if args.command is None:
            raise _UsageError("explainer: a command is required (demo, audit, why, explain-all, scan, pseudonymise, "
                              "report). See 'explainer --help'.")
        commands = {"demo": _cmd_demo, "audit": _cmd_audit, "why": _cmd_why, "scan": _cmd_scan,
                    "report": _cmd_report, "pseudonymise": _cmd_pseudonymise, "explain-all": _cmd_explain_all}
        return commands[args.command](args)
    except ExplainerError as err:
        if debug:
            traceback.print_exc()
        msg = " ".join(str(err).split())
        print(msg if msg.startswith("explainer") else f"explainer: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("explainer: interrupted; no partial report was left in the output folder.", file=sys.stderr)
        return 143 if stopped else 130
    except BrokenPipeError:  # the reader of stdout went away (`explainer why ... | head`): stop quietly, as cat does
        with contextlib.suppress(OSError, ValueError, AttributeError):  # a stdout without a file descriptor
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the last flush must not fail again
        print("explainer: stopped: the program reading the output closed it.", file=sys.stderr)
        return 141
    except Exception as err:  # noqa: BLE001 - a bug, not bad input: show it, and never exit 1 (the gate)
        traceback.print_exc()
        print(f"explainer: internal error ({type(err).__name__}). This is a bug in explainer, not a problem with "
              "your input; no partial report was left. Please report it with the traceback above.", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
