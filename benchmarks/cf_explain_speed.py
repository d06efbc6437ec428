"""Speed of explaining a customer's top k with the CF adapter against implicit's own explain().

Fits implicit's AlternatingLeastSquares (``--factors`` 64, one thread) on a seeded synthetic
watch history (``--users`` 5,000 viewers x ``--items`` 2,000 titles, about 40 titles each,
popular titles watched more) and explains each of ``--explain`` viewers' top ``--k`` (10):

* ``explainer``: ``CollaborativeAdapter.explain_rows`` -- one Cholesky factorisation of the
  viewer's weight matrix and one solve for all k items;
* ``implicit (cached)``: ``model.explain(user, X, item, user_weights=...)`` per item, passing
  the factorisation from the first call on, as implicit's docstring advises;
* ``implicit (per item)``: ``model.explain(user, X, item)`` per item, as most callers write it.

Both explain the same (viewer, item) pairs: the benchmark checks the totals agree (largest
absolute difference printed) before timing. Each path runs ``--repeat`` rounds (default 3)
and keeps its best time. The last line is a JSON object with pairs per second and the ratios.

Run: ``.venv/bin/python benchmarks/cf_explain_speed.py [--users 5000] [--items 2000] [--explain 300]``
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp


def histories(n_users: int, n_items: int, per_user: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    popularity /= popularity.sum()
    rows, cols = [], []
    for u in range(n_users):
        picked = rng.choice(n_items, size=min(n_items, rng.poisson(per_user) + 1), replace=False, p=popularity)
        rows.append(np.full(len(picked), u))
        cols.append(picked)
    r, c = np.concatenate(rows), np.concatenate(cols)
    v = rng.integers(1, 6, len(r)).astype(np.float32)
    return sp.csr_matrix((v, (r, c)), shape=(n_users, n_items), dtype=np.float32)


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=5000)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--per-user", type=int, default=40)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--explain", type=int, default=300)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from threadpoolctl import threadpool_limits

    import implicit  # noqa: F401

    import explainer as ex

    with threadpool_limits(1, "blas"):
        from implicit.cpu.als import AlternatingLeastSquares

        X = histories(args.users, args.items, args.per_user, seed=0)
        model = AlternatingLeastSquares(factors=args.factors, regularization=0.05, alpha=2.0, iterations=10,
                                        random_state=0, num_threads=1)
        model.fit(X, show_progress=False)
        cf = ex.wrap_model(model, interactions=X, k=args.k)
        users = np.random.default_rng(1).choice(args.users, args.explain, replace=False)
        tops = {int(u): cf.recommend(int(u)) for u in users}
        pairs = sum(len(t) for t in tops.values())

        ours = {u: cf.explain_rows(u, t).score for u, t in tops.items()}
        theirs = {u: np.array([model.explain(u, X, int(i), N=1)[0] for i in t]) for u, t in tops.items()}
        diff = max(float(np.abs(ours[u] - theirs[u]).max()) for u in tops)

        def run_ours() -> None:
            for u, t in tops.items():
                cf.explain_rows(u, t)

        def run_cached() -> None:
            for u, t in tops.items():
                w = None
                for i in t:
                    _, _, w = model.explain(u, X, int(i), user_weights=w, N=args.per_user * 4)

        def run_plain() -> None:
            for u, t in tops.items():
                for i in t:
                    model.explain(u, X, int(i), N=args.per_user * 4)

        gap = cf.served_vs_explained_gap([(u, int(i)) for u, t in tops.items() for i in t])
        t_ours = best_of(args.repeat, run_ours)
        t_cached = best_of(args.repeat, run_cached)
        t_plain = best_of(args.repeat, run_plain)
    print(f"explained {pairs} pairs ({len(tops)} viewers x top {args.k}), {args.factors} factors, "
          f"largest |total difference| against implicit {diff:.2e}")
    print(f"served (stored factors) vs explained (recalculated) score over these pairs: mean |gap| "
          f"{gap.mean_abs:.4f}, max {gap.max_abs:.4f}, {gap.relative:.1%} of the mean served score")
    print(f"explainer (top k at once): {pairs / t_ours:,.0f} pairs/s")
    print(f"implicit explain() per item, cached factorisation: {pairs / t_cached:,.0f} pairs/s "
          f"(ratio {t_cached / t_ours:.1f}x)")
    print(f"implicit explain() per item: {pairs / t_plain:,.0f} pairs/s (ratio {t_plain / t_ours:.1f}x)")
    print(json.dumps({"pairs": pairs, "ours_pairs_per_s": pairs / t_ours, "implicit_cached_pairs_per_s": pairs / t_cached,
                      "implicit_pairs_per_s": pairs / t_plain, "ratio_vs_cached": t_cached / t_ours,
                      "ratio_vs_plain": t_plain / t_ours, "max_abs_diff": diff,
                      "served_gap": gap.to_dict()}))


if __name__ == "__main__":
    main()
