"""Scale-out benchmark: the audit and the bulk explanation on a local Dask cluster.

Synthetic customer x item rows (5 items per customer, stored customer by customer in
Parquet files of 250,000 rows) scored by a 50-tree, depth-4 gradient-boosted model.
Runs, on one local cluster of two worker processes (one thread each):

- the audit (group metrics with intervals, exposure and quality per group, SHAP shares
  from 2,000 sampled rows, scan, proxies) on 1 million and 5 million rows;
- ``explain_all`` (every row's attributions written as Parquet) on 100,000 and 500,000 rows.

Peak memory is the largest resident set of the whole process tree (this process, the
scheduler and the workers), sampled every 0.1 s. The last line printed is a JSON object
with rows, seconds and peak memory of each run and the two time ratios (targets: 5x rows
costs at most 5.5x time; the 5M-row audit stays under 4 GB).

    python benchmarks/scale.py [--quick]     # --quick: 10x fewer rows, for a smoke run
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's explainer (workers inherit it)

ITEMS = ["books", "garden", "toys", "sports", "electronics"]
FILE_ROWS = 250_000


def make_rows(start_customer: int, n_customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_items = len(ITEMS)
    cust = np.arange(start_customer, start_customer + n_customers)
    age = rng.choice(["18-34", "35-64", "65+"], n_customers, p=[0.35, 0.45, 0.2])
    gender = rng.choice(["female", "male"], n_customers)
    tenure = rng.integers(0, 120, n_customers)
    region = rng.integers(0, 12, n_customers)
    rows = pd.DataFrame({
        "customer_id": np.repeat(cust, n_items),
        "item": np.tile(np.array(ITEMS, dtype=object), n_customers),
        "item_code": np.tile(np.arange(n_items), n_customers).astype(float),
        "gender": np.repeat(gender, n_items),
        "age_band": np.repeat(age, n_items),
        "tenure_months": np.repeat(tenure, n_items).astype(float),
        "region_code": np.repeat(region, n_items).astype(float),
    })
    n = len(rows)
    rows["purchases_90d"] = rng.poisson(1.5, n).astype(float)
    rows["browse_minutes_90d"] = rng.gamma(2.0, 6.0, n)
    rows["price_sensitivity"] = rng.normal(0, 1, n)
    old = (rows["age_band"] == "65+").to_numpy() & (rows["item"] == "electronics").to_numpy()
    logit = (-2.2 + 0.6 * rows["purchases_90d"] + 0.05 * rows["browse_minutes_90d"]
             - 0.3 * rows["price_sensitivity"] + 0.004 * rows["tenure_months"] - 1.5 * old)
    rows["bought"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return rows


INPUTS = ["item_code", "tenure_months", "region_code", "purchases_90d", "browse_minutes_90d", "price_sensitivity"]


def write_dataset(folder: Path, n_rows: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    per_file_customers = FILE_ROWS // len(ITEMS)
    n_customers = n_rows // len(ITEMS)
    for i, start in enumerate(range(0, n_customers, per_file_customers)):
        part = make_rows(start, min(per_file_customers, n_customers - start), seed=i)
        part.to_parquet(folder / f"part-{i:04d}.parquet", index=False)
    return folder


class PeakMemory:
    """Largest summed RSS of this process and all its descendants while active."""

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> int:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.peak = self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()


def main() -> None:
    quick = "--quick" in sys.argv
    scale = 10 if quick else 1
    audit_sizes = [1_000_000 // scale, 5_000_000 // scale]
    explain_sizes = [100_000 // scale, 500_000 // scale]

    import distributed
    from sklearn.ensemble import HistGradientBoostingClassifier

    from explainer.scale import audit_dask, explain_all

    load_start = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="explainer-scale-"))
    try:
        train = make_rows(10_000_000, 20_000, seed=99)
        model = HistGradientBoostingClassifier(max_iter=50, max_depth=4, early_stopping=False, random_state=0)
        model.fit(train[INPUTS], train["bought"])
        assert model.n_iter_ == 50

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, memory_limit="3GiB")
        client = distributed.Client(cluster)
        runs: dict[str, dict[str, float]] = {}
        for n in audit_sizes:
            data = write_dataset(tmp / f"audit-{n}", n)
            t0 = time.perf_counter()
            with PeakMemory() as mem:
                res = audit_dask(model, data, scheduler=client, target="bought",
                                 sensitive_features=["gender", "age_band"], user_id="customer_id",
                                 item_id="item", k=2, sample_size=2000, n_boot=200, random_state=0)
            secs = time.perf_counter() - t0
            assert res.data_info["rows"] == n
            runs[f"audit_{n}"] = {"rows": n, "seconds": round(secs, 2), "peak_memory_mb": round(mem.peak / 2**20, 1)}
            print(f"audit {n:>9} rows: {secs:7.1f} s, peak memory of the process tree "
                  f"{mem.peak / 2**20:7.0f} MB", flush=True)
            shutil.rmtree(data)
        for n in explain_sizes:
            data = write_dataset(tmp / f"explain-{n}", n)
            t0 = time.perf_counter()
            with PeakMemory() as mem:
                res2 = explain_all(model, data, id_column=["customer_id", "item"], out=tmp / f"out-{n}",
                                   scheduler=client)
            secs = time.perf_counter() - t0
            assert res2.rows == n and res2.max_additivity_error < 1e-6
            runs[f"explain_all_{n}"] = {"rows": n, "seconds": round(secs, 2),
                                        "peak_memory_mb": round(mem.peak / 2**20, 1)}
            print(f"explain-all {n:>9} rows: {secs:7.1f} s, peak memory of the process tree "
                  f"{mem.peak / 2**20:7.0f} MB", flush=True)
            shutil.rmtree(data)
            shutil.rmtree(tmp / f"out-{n}")
        client.close()
        cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    a1, a5 = (runs[f"audit_{n}"] for n in audit_sizes)
    e1, e5 = (runs[f"explain_all_{n}"] for n in explain_sizes)
    summary = {
        "workers": 2, "threads_per_worker": 1, "cpu_count": os.cpu_count(),
        "load_average_1min_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "runs": runs,
        "audit_time_ratio_5x_rows": round(a5["seconds"] / a1["seconds"], 3),
        "explain_all_time_ratio_5x_rows": round(e5["seconds"] / e1["seconds"], 3),
        "audit_5x_peak_memory_under_4gb": a5["peak_memory_mb"] < 4096,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
