"""Helpers of the robustness tests: sentinel cell values, the workspace type, the customers table.

Bad files carry sentinel strings in their cells so that tests can check that no message
ever repeats a value of the data. Imported by name (``from helpers_robustness import ...``);
a conftest is not, because another folder's conftest may already be loaded under that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Cell values planted in bad files; no message, report or log may contain them.
SENTINELS = ("SECRETCITY", "SECRETTEXT", "Zed Quokka-Secret")


@dataclass(frozen=True)
class Workspace:
    root: Path
    data: pd.DataFrame

    def __truediv__(self, name: str) -> Path:
        return self.root / name


def make_customers(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "customer_id": np.arange(1000, 1000 + n),
        "age": rng.integers(18, 80, n),
        "spend": rng.gamma(2.0, 50.0, n).round(2),
        "city": rng.choice(["north", "south", "east"], n),
        "gender": rng.choice(["female", "male"], n),
        "ethnicity": rng.choice(["white", "black", "asian", "mixed"], n),
    })
    df["bought"] = (rng.random(n) < 1 / (1 + np.exp(-(df["spend"] - 100) / 50))).astype(int)
    return df
