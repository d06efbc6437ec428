"""Time and peak memory of auditing and explaining a large CF recommender on this machine.

A seeded synthetic interaction matrix (``--users`` 100,000 x ``--items`` 20,000 with about
``--interactions`` 10,000,000 entries, item popularity falling as a power law, repeated pairs
summed) is fitted with implicit's AlternatingLeastSquares (``--iterations`` 3: the time is not
the point). Then, each phase timed and its peak traced memory reported (tracemalloc, reset
per phase) next to the process's peak resident size so far (``resource.getrusage``):

1. ``audit``: :func:`explainer.audit_collaborative` over every customer (popularity bias,
   interaction-source shares, served against explained score); no groups.
2. ``audit_groups``: the same on ``--group-customers`` (250) customers with a sensitive
   attribute (exposure and quality per group, factor proxies). Exposure per group reads
   every candidate item of every audited customer (250 x 20,000 rows), which is why it runs on a
   sample.
3. ``explain_all_in_process``: every customer's top ``--k`` explained exactly
   (``CollaborativeAdapter.explain_rows``, one Cholesky factorisation per customer).
4. ``explain_all_dask`` (``--dask``): the same through ``explainer.explain_all`` on a local
   cluster of 2 worker processes, partitions of ``--partition-rows`` customers, Parquet out.

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
import tracemalloc
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
import scipy.sparse as sp


def interactions(n_users: int, n_items: int, n: int, seed: int) -> sp.csr_matrix:
    """Customers x items, popular items used more (power law), counts 1-5, repeats summed."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    cdf = np.cumsum(popularity / popularity.sum())
    users = rng.integers(0, n_users, n, dtype=np.int32)
    items = np.minimum(np.searchsorted(cdf, rng.random(n)), n_items - 1).astype(np.int32)
    values = rng.integers(1, 6, n).astype(np.float32)
    return sp.csr_matrix((values, (users, items)), shape=(n_users, n_items), dtype=np.float32)


def measure(name: str, fn: Callable[[], Any], out: dict[str, Any]) -> Any:
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    out[name] = {"seconds": round(seconds, 2), "peak_traced_mb": round(peak / 2**20, 1), "max_rss_mb": round(rss, 1)}
    print(f"{name:>24}: {seconds:8.1f} s, peak traced {peak / 2**20:8.1f} MB, process max RSS {rss:8.1f} MB",
          flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=100_000)
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--interactions", type=int, default=10_000_000)
    p.add_argument("--factors", type=int, default=32)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--n-boot", type=int, default=50)
    p.add_argument("--group-customers", type=int, default=250)
    p.add_argument("--dask", action="store_true")
    p.add_argument("--partition-rows", type=int, default=25_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    import explainer as ex

    report: dict[str, Any] = {"users": args.users, "items": args.items, "factors": args.factors,
                              "iterations": args.iterations, "k": args.k, "cores": os.cpu_count()}
    tracemalloc.start()
    X = measure("generate", lambda: interactions(args.users, args.items, args.interactions, args.seed), report)
    report["interactions"] = int(X.nnz)
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(factors=args.factors, iterations=args.iterations, random_state=args.seed,
                                        num_threads=os.cpu_count() or 1)
        measure("fit_als", lambda: model.fit(X, show_progress=False), report)
        cf = ex.wrap_model(model, interactions=X, k=args.k)
        measure("audit", lambda: ex.audit_collaborative(cf, n_boot=args.n_boot), report)
        rng = np.random.default_rng(args.seed)
        sample = rng.choice(args.users, min(args.group_customers, args.users), replace=False)
        customers = pd.DataFrame({"group": rng.choice(["a", "b", "c"], len(sample))}, index=sample)
        measure("audit_groups", lambda: ex.audit_collaborative(cf, customers, sensitive_features=["group"],
                                                               n_boot=args.n_boot), report)

        def explain_everyone() -> int:
            pairs = 0
            for row in range(cf.n_users):
                pairs += len(cf.explain_rows(row, cf.recommend(row)).items)
            return pairs

        pairs = measure("explain_all_in_process", explain_everyone, report)
        report["pairs_explained"] = pairs
    if args.dask:
        with tempfile.TemporaryDirectory() as tmp:
            res = measure("explain_all_dask", lambda: ex.explain_all(
                cf, None, id_column="customer", out=os.path.join(tmp, "why"), partition_rows=args.partition_rows,
                n_workers=2), report)
            report["dask_rows"] = res.rows
            report["dask_max_additivity_error"] = res.max_additivity_error
    print(json.dumps(report))


if __name__ == "__main__":
    main()
