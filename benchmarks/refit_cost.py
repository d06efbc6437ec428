"""Cost of drop-column importance on the demo recommender, as a ratio to one plain fit.

    python benchmarks/refit_cost.py [--customers 20000] [--sample auto|N]

Refits the demo pipeline without each of its 9 customer inputs and without the one data
category with several inputs (behavioural), on 3 folds of the refit sample, and compares the
process CPU time with one fit of the same pipeline on 8,000 rows (1,000 customers). The
sample counts customers: ``auto`` (the audit's default) is every training customer up to
2,000; ``1000`` is the former default of 8,000 rows. On 2 shared cores the wall time depends
on the load; CPU time does not.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--sample", default="auto", help="refit sample in customers, or 'auto'")
    args = ap.parse_args()
    sample = args.sample if args.sample == "auto" else int(args.sample)

    import numpy as np
    from sklearn.base import clone
    from threadpoolctl import threadpool_limits

    import explainer as ex
    from explainer.demo import MODEL_INPUTS, make_retail_demo, train_demo_recommender

    demo = make_retail_demo(args.customers, random_state=0)
    rec = train_demo_recommender(demo, random_state=0)
    inputs = [c for c in MODEL_INPUTS if c != "category"]
    behavioural = ["category_purchases_90d", "category_browse_minutes_90d", "total_purchases_90d",
                   "loyalty_tenure_months"]

    ids = rec.train["customer_id"].unique()
    chosen = np.random.default_rng(0).choice(ids, 1000, replace=False)
    rows = rec.train[rec.train["customer_id"].isin(chosen)]
    with threadpool_limits(1):
        c0, w0 = time.process_time(), time.perf_counter()
        clone(rec.pipeline).fit(rows[list(MODEL_INPUTS)], rows["bought"])
        one_cpu, one_wall = time.process_time() - c0, time.perf_counter() - w0

    c0, w0 = time.process_time(), time.perf_counter()
    result = ex.drop_column_importance(rec.pipeline, rec.train, target="bought", user_id="customer_id",
                                       item_id="category", columns=inputs, groups={"behavioural": behavioural},
                                       n_folds=3, sample_size=sample, random_state=0)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    n_fits = (1 + len(result.table)) * 3
    print(f"one fit on 8,000 rows: {one_cpu:.2f} s CPU ({one_wall:.2f} s wall)")
    print(f"drop-column importance on {result.method['customers']} customers ({result.method['rows']} rows): "
          f"{n_fits} fits on 2/3 of them, {cpu:.1f} s CPU ({wall:.1f} s wall)")
    print(f"ratio to one fit (CPU): {cpu / one_cpu:.1f}x")
    print(result.table[["name", "kind", "delta", "ci_low", "ci_high"]].to_string(index=False))


if __name__ == "__main__":
    main()
