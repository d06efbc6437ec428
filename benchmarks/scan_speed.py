"""How long does ``scan(path)`` take on a 10-million-row Parquet file and CSV file?

Writes both files in chunks (to stay light on memory) into a temporary folder, times
``explainer.inventory._scan.scan`` on each with the default ``sample_size``, and prints as
its last line a JSON object with seconds, rows_read and rows_total per file.

Run: ``.venv/bin/python benchmarks/scan_speed.py [--rows 10000000]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from explainer.inventory._scan import scan

CHUNK = 1_000_000


def _chunk(start: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    ids = np.arange(start, start + n)
    ids_s = pd.Series(ids).astype(str)
    return pd.DataFrame({
        "customer_id": ids + 1_000_000,
        "email": "user" + ids_s + "@example.com",
        "phone": "07700 " + pd.Series(rng.integers(0, 999_999, n)).astype(str).str.zfill(6),
        "order_value": rng.gamma(2.0, 30.0, n).round(2),
        "purchase_count": rng.poisson(4, n),
        "country": pd.Series(rng.choice(np.array(["GB", "DE", "FR", "US", "ES"]), n)),
        "order_id": ids + 50_000_000,
    })


def write_files(folder: Path, rows: int, seed: int = 0) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    pq_path, csv_path = folder / "big.parquet", folder / "big.csv"
    writer = None
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, rows, CHUNK):
            df = _chunk(start, min(CHUNK, rows - start), rng)
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(pq_path, table.schema)
            writer.write_table(table, row_group_size=250_000)
            df.to_csv(fh, index=False, header=start == 0)
    assert writer is not None
    writer.close()
    return pq_path, csv_path


def main(argv: list[str] | None = None) -> dict[str, dict[str, float | int | None]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    out: dict[str, dict[str, float | int | None]] = {}
    with tempfile.TemporaryDirectory(prefix="scan_speed_") as tmp:
        t0 = time.perf_counter()
        paths = write_files(Path(tmp), args.rows)
        print(f"wrote {args.rows} rows to Parquet and CSV in {time.perf_counter() - t0:.1f} s")
        for path in paths:
            t = time.perf_counter()
            result = scan(path)
            secs = time.perf_counter() - t
            size_mb = path.stat().st_size / 1e6
            print(f"{path.suffix[1:]:8} {size_mb:8.0f} MB  {secs:6.2f} s  rows_read={result.rows_read} "
                  f"rows_total={result.rows_total}  categories={[g.category for g in result.guesses]}")
            out[path.suffix[1:]] = {"seconds": round(secs, 3), "rows_read": result.rows_read,
                                    "rows_total": result.rows_total}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
