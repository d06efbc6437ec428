"""Time and peak memory of auditing and explaining a large CF recommender on this machine.

A seeded synthetic interaction matrix (``--users`` 100,000 x ``--items`` 20,000 with about
``--interactions`` 10,000,000 distinct (customer, item) pairs, item popularity falling as a power law, repeated pairs
summed) is split into training interactions and ``--held-out`` (10%) held-out ones, and the
training part fitted with implicit's AlternatingLeastSquares (``--iterations`` 3: the time
is not the point). Then, each phase timed, with the peak resident memory of the process
during the phase (sampled every 50 ms from ``/proc/self/statm``) and the process's peak so
far (``resource.getrusage``):

1. ``audit``: :func:`explainer.audit_collaborative` over every customer (popularity bias,
   interaction-source shares, served against explained score); no groups.
2. ``audit_groups``: the same with a sensitive attribute of every customer (3 groups) and the
   held-out interactions: exposure of every item per group, hit rate and NDCG per group,
   item-side exposure over the whole catalogue, factor proxies. Read from the top-k lists a
   block of customers at a time, never as a customers x items table.
3. ``explain_all_in_process``: every customer's top ``--k`` explained exactly (one Cholesky
   factorisation per customer), in blocks of ``--partition-rows`` customers one after another,
   into the long table the part files hold (no files written).
4. ``explain_all_dask`` (``--dask``): the same through ``explainer.explain_all`` on a local
   cluster of 2 worker processes, partitions of ``--partition-rows`` customers, Parquet out
   (what ``explainer explain-all interactions.npz`` runs).

The last line is a JSON object with every number. Smaller runs: ``--users 10000 --items 2000
--interactions 1000000``.

Run: ``.venv/bin/python benchmarks/cf_scale.py [--dask]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
import threading
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import scipy.sparse as sp


def interactions(n_users: int, n_items: int, n: int, seed: int) -> sp.csr_matrix:
    """Customers x items with exactly ``n`` distinct (customer, item) pairs: popular items used
    more (power law), counts 1-5, repeated draws of a pair summed, then ``n`` pairs kept at random."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    cdf = np.cumsum(popularity / popularity.sum())
    draws = int(n * 1.25)
    users = rng.integers(0, n_users, draws, dtype=np.int32)
    items = np.minimum(np.searchsorted(cdf, rng.random(draws)), n_items - 1).astype(np.int32)
    values = rng.integers(1, 6, draws).astype(np.float32)
    X = sp.csr_matrix((values, (users, items)), shape=(n_users, n_items), dtype=np.float32)
    X.sum_duplicates()
    if X.nnz > n:
        coo = X.tocoo()
        keep = np.sort(rng.choice(coo.nnz, n, replace=False))
        X = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=X.shape, dtype=np.float32)
    return X


class _PeakRSS:
    """The highest resident size of this process while the block runs, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(0.05)

    def __enter__(self) -> _PeakRSS:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def measure(name: str, fn: Callable[[], Any], out: dict[str, Any]) -> Any:
    with _PeakRSS() as mem:
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    out[name] = {"seconds": round(seconds, 2), "peak_rss_mb": round(mem.peak / 2**20, 1),
                 "max_rss_so_far_mb": round(rss, 1)}
    print(f"{name:>24}: {seconds:8.1f} s, peak resident {mem.peak / 2**20:8.1f} MB "
          f"(process max so far {rss:8.1f} MB)", flush=True)
    return result


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def split(X: sp.csr_matrix, fraction: float, seed: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Training and held-out interactions: each stored entry held out with probability ``fraction``."""
    rng = np.random.default_rng(seed + 1)
    X = X.tocoo()
    held = rng.random(X.nnz) < fraction

    def part(m: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((X.data[m], (X.row[m], X.col[m])), shape=X.shape, dtype=np.float32)

    return part(~held), part(held)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=100_000)
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--interactions", type=int, default=10_000_000)
    p.add_argument("--factors", type=int, default=32)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--n-boot", type=int, default=50)
    p.add_argument("--held-out", type=float, default=0.1)
    p.add_argument("--dask", action="store_true")
    p.add_argument("--partition-rows", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    import explainer as ex

    report: dict[str, Any] = {"users": args.users, "items": args.items, "factors": args.factors,
                              "iterations": args.iterations, "k": args.k, "cores": os.cpu_count()}
    X_all = measure("generate", lambda: interactions(args.users, args.items, args.interactions, args.seed), report)
    X, test = split(X_all, args.held_out, args.seed)
    report["interactions"] = int(X_all.nnz)
    report["training_interactions"] = int(X.nnz)
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(factors=args.factors, iterations=args.iterations, random_state=args.seed,
                                        num_threads=os.cpu_count() or 1)
        measure("fit_als", lambda: model.fit(X, show_progress=False), report)
        cf = ex.wrap_model(model, interactions=X, k=args.k)
        measure("audit", lambda: ex.audit_collaborative(cf, n_boot=args.n_boot), report)
        rng = np.random.default_rng(args.seed)
        customers = pd.DataFrame({"group": rng.choice(["a", "b", "c"], args.users)})
        audit = measure("audit_groups", lambda: ex.audit_collaborative(
            cf, customers, sensitive_features=["group"], test_interactions=test, n_boot=args.n_boot), report)
        report["audit_groups_exposure_rows"] = int(len(audit.fairness.exposure))
        report["audit_groups_items_on_item_side"] = int(len(audit.fairness.item_exposure))

        def explain_everyone() -> int:
            from explainer.scale._explain_collaborative import explain_customers

            rows = 0
            for lo in range(0, cf.n_users, args.partition_rows):  # the Dask parts' work, one after another
                frame, _ = explain_customers(cf, range(lo, min(cf.n_users, lo + args.partition_rows)), "customer")
                rows += len(frame)
            return rows

        report["explained_rows"] = measure("explain_all_in_process", explain_everyone, report)
    if args.dask:
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        with distributed.Client(cluster) as client, tempfile.TemporaryDirectory() as tmp:
            res = measure("explain_all_dask", lambda: ex.explain_all(
                cf, None, id_column="customer", out=os.path.join(tmp, "why"), partition_rows=args.partition_rows,
                scheduler=client), report)
            # the workers' own peak resident sizes (the client's is in the line above): VmHWM, the
            # high-water mark of the worker's address space (ru_maxrss carries the parent's over exec)
            peaks = client.run(_vm_hwm_mb)
            report["explain_all_dask"]["worker_peak_rss_mb"] = sorted(round(v, 1) for v in peaks.values())
            print(f"{'dask workers':>24}: peak resident {', '.join(f'{v:.1f}' for v in sorted(peaks.values()))} MB",
                  flush=True)
            report["dask_rows"] = res.rows
            report["dask_partitions"] = res.partitions
            report["dask_max_additivity_error"] = res.max_additivity_error
            report["dask_over_in_process"] = round(report["explain_all_dask"]["seconds"]
                                                   / report["explain_all_in_process"]["seconds"], 3)
        cluster.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
