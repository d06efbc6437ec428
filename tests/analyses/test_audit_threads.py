"""The audit calls the model with OpenMP limited to one thread, and gives the limit back.

A tree ensemble's OpenMP loop per tree costs more than it saves on the audit's few thousand
rows, and far more on a loaded machine (see benchmarks/shapash_compare.py). The model here
is a callable that records the OpenMP thread count it is called with; the numbers the audit
reports do not depend on it, which tests/contract/test_audit_digest.py pins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sklearn.ensemble  # noqa: F401 - loads scikit-learn's OpenMP runtime
from threadpoolctl import threadpool_info, threadpool_limits

import explainer as ex


def _openmp_threads() -> set[int]:
    return {int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "openmp"}


def test_audit_calls_the_model_with_one_openmp_thread_and_restores_the_limit():
    assert _openmp_threads(), "an OpenMP runtime must be loaded for this test to mean anything"
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"x1": rng.normal(size=n), "group": rng.choice(["a", "b"], n)})
    df["y"] = (df["x1"] > 0).astype(int)
    seen: list[set[int]] = []

    def score(X: pd.DataFrame) -> np.ndarray:
        seen.append(_openmp_threads())
        return 1 / (1 + np.exp(-np.asarray(X["x1"], dtype=float)))

    model = ex.wrap_model(score, task="binary", feature_names=["x1"])
    with threadpool_limits(limits=2, user_api="openmp"):
        ex.audit(model, df, target="y", sensitive_features=["group"], sample_size=100, n_boot=20,
                 random_state=0)
        after = _openmp_threads()
    assert seen
    assert set().union(*seen) == {1}
    assert after == {2}
