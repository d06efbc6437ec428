"""Cost of one what-if edit in the dashboard, as ratios to the computation it needs and to one "why".

    python benchmarks/what_if_speed.py [--customers 2000] [--edits 20]

On the demo recommender: choose a row in the what-if tab, then change one behavioural input
``--edits`` times. Each edit re-scores the customer's candidates, explains the edited row with
the audit's SHAP path and renders the tab. Compared, in the same run, with the bare computation
(``predict_score`` of the candidates plus ``local_attributions`` of the row) and with one
``audit.why(customer, item)`` (what the one-customer tab shows). Process CPU time; the first
call of each (imports, caches) is left out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cpu(fn, n: int) -> float:
    fn()  # warm: imports and caches
    c0 = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - c0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--edits", type=int, default=20)
    args = ap.parse_args()

    import numpy as np
    from threadpoolctl import threadpool_limits

    import explainer as ex
    from explainer.analyses._explain import local_attributions
    from explainer.demo import make_retail_demo, train_demo_recommender

    demo = make_retail_demo(args.customers, random_state=0)
    rec = train_demo_recommender(demo, random_state=0)
    audit = ex.audit(rec.pipeline, rec.test, target="bought", sensitive_features=["gender", "age_band"],
                     user_id="customer_id", item_id="category", k=3, sample_size=500, n_boot=30, refit=False,
                     random_state=0)
    with threadpool_limits(1):
        dash = audit.dashboard()
        tab = dash.what_if_tab
        tab.row.value = 5
        box = tab.inputs["category_browse_minutes_90d"]
        values = np.linspace(box.min, box.max, 7)
        state = {"i": 0}

        def edit() -> None:
            state["i"] += 1
            box.value = float(values[state["i"] % len(values)])

        data, model = audit.data, audit.model
        row = data.iloc[4]
        mine = data[data["customer_id"] == row["customer_id"]]

        def bare() -> None:
            model.predict_score(mine)
            local_attributions(model, data.iloc[[4]], data, random_state=0)

        def why() -> None:
            audit.why(row["customer_id"], row["category"])

        t_edit, t_bare, t_why = _cpu(edit, args.edits), _cpu(bare, args.edits), _cpu(why, max(3, args.edits // 4))
    print(f"one what-if edit (score {len(mine)} candidates, SHAP of the row, render): {t_edit * 1000:.0f} ms CPU")
    print(f"bare computation (predict_score + local_attributions): {t_bare * 1000:.0f} ms CPU")
    print(f"one audit.why(customer, item): {t_why * 1000:.0f} ms CPU")
    print(f"edit / bare computation: {t_edit / t_bare:.2f}x; edit / why: {t_edit / t_why:.2f}x")


if __name__ == "__main__":
    main()
