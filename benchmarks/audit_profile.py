"""Where an audit spends its time: each step's share of the wall and CPU time.

    python benchmarks/audit_profile.py [--data decision|retail] [--rows 20000] [--no-refit]

``decision`` audits the generated yes/no example (``explainer.demo.make_decision_demo``: a
logistic model of applications, race kept only to compare groups) with its training rows, so
the refits and the membership test run; ``retail`` audits the demo recommender on its
held-out customers. The steps are the audit's own progress steps; the time of a step runs
until the next one starts. Prints one line per step (wall seconds, CPU seconds, share of the
wall time), then the total. On 2 shared cores the wall time depends on the load; compare
shares and CPU times, not single wall times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", choices=["decision", "retail"], default="decision")
    ap.add_argument("--rows", type=int, default=20_000, help="applications, or retail customers")
    ap.add_argument("--no-refit", action="store_true")
    args = ap.parse_args()

    import explainer as ex

    if args.data == "decision":
        from explainer.demo import make_decision_demo
        from explainer.demo._domains import train_decision_model

        demo = make_decision_demo(args.rows, random_state=0)
        apps = demo.applications
        train, test = apps.iloc[: len(apps) // 2], apps.iloc[len(apps) // 2:].reset_index(drop=True)
        model = train_decision_model(type(demo)(train))
        kwargs = dict(target="approved", sensitive_features=["sex", "race"], train_data=train)
        data = test
    else:
        from explainer.demo import make_retail_demo, train_demo_recommender

        demo = make_retail_demo(args.rows, random_state=0)
        rec = train_demo_recommender(demo, random_state=0)
        model, data = rec.pipeline, rec.test
        kwargs = dict(target="bought", sensitive_features=["gender", "age_band", "ethnicity"],
                      user_id="customer_id", item_id="category", item_group="department", k=3,
                      train_data=rec.train)

    marks: list[tuple[str, float, float]] = []

    def step(name: str) -> None:
        marks.append((name.split(":")[0].strip(), time.perf_counter(), time.process_time()))

    t0, c0 = time.perf_counter(), time.process_time()
    ex.audit(model, data, refit=not args.no_refit, random_state=0, progress=step, **kwargs)
    t1, c1 = time.perf_counter(), time.process_time()
    marks.append(("end", t1, c1))
    total = t1 - t0
    print(f"audit of {len(data)} rows ({args.data}{', no refit' if args.no_refit else ''}): "
          f"{total:.1f} s wall, {c1 - c0:.1f} s CPU")
    rows = [("set-up", marks[0][1] - t0, marks[0][2] - c0)] if marks else []
    rows += [(a[0], b[1] - a[1], b[2] - a[2]) for a, b in zip(marks, marks[1:])]
    for name, wall, cpu in rows:
        print(f"  {name:<32} {wall:7.2f} s wall  {cpu:7.2f} s CPU  {wall / total:6.1%}")


if __name__ == "__main__":
    main()
