"""The Dask path shares the any-data checks of the in-process audit (issue 14, items 7, 9, 10).

A hiring screen with a one-candidate group and a three-candidate group, split into parts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import explainer as ex


def hiring(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    origin = rng.choice(["origin_a", "origin_b"], n).astype(object)
    origin[5] = "Quenyaborn"
    origin[[100, 101, 102]] = "Sindarkin"
    df = pd.DataFrame({"test_score": rng.normal(60, 12, n).round(1), "years_experience": rng.integers(0, 25, n),
                       "origin": origin})
    logit = 0.08 * (df["test_score"] - 60) + 0.06 * (df["years_experience"] - 10)
    df["hired"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


MODEL = ex.wrap_model(lambda X: 1 / (1 + np.exp(-0.08 * (X["test_score"].to_numpy() - 60))),
                      feature_names=["test_score"], task="binary")


def test_dask_goes_on_with_tiny_groups_a_string_sensitive_column_and_no_target(dask_cluster):
    from explainer.scale import to_dask

    df = hiring()
    a = ex.audit(MODEL, to_dask(df, partition_rows=100), sensitive_features="origin", n_boot=20,
                 sample_size=100, min_group_size=30, scheduler=dask_cluster)
    assert a.options["sensitive_features"] == ["origin"]
    assert a.minimisation.verdict_of("hired") == "not an input"
    assert [f.columns for f in a.findings if f.code == "data.unused_column"] == [("years_experience",)]
    assert len(a.warnings) == 1 and "column 'hired' (not read by the model; holds 0 and 1" in a.warnings[0]
    b = ex.audit(MODEL, to_dask(df, partition_rows=100), target="hired", sensitive_features="origin", n_boot=20,
                 sample_size=100, min_group_size=30, scheduler=dask_cluster)
    groups = b.to_dict()["fairness"]["by_feature"]["origin"]["groups"]
    tiny = {g["group"]: (g["n"], g["too_few_to_judge"], g["metrics"]) for g in groups if g["n"] < 30}
    assert tiny == {"Quenyaborn": (1, True, {}), "Sindarkin": (3, True, {})}
    # only the Dask backend's notes of what it ran elsewhere or not at all (the any-data checks warn of nothing)
    dask_notes = ("Not run on the Dask backend", "The mitigation comparison ran on 100 of 400 rows")
    assert [w for w in b.warnings if not w.startswith(dask_notes)] == [] and len(b.warnings) == 2


def test_dask_refuses_a_target_with_a_third_value_and_log_odds(dask_cluster):
    from explainer.scale import to_dask

    df = hiring()
    three = df.assign(hired=df["hired"].where(df.index % 40 != 0, 2))  # 10 rows hold a 2
    with pytest.raises(ex.InvalidInputError, match=r"must hold 0 and 1 for a yes/no model\. Got 3 distinct "
                                                   r"values \(rows per value: \d+, \d+, 10\)"):
        ex.audit(MODEL, to_dask(three, partition_rows=100), target="hired", n_boot=20, scheduler=dask_cluster)
    logit = ex.wrap_model(lambda X: 0.08 * (X["test_score"].to_numpy() - 60), feature_names=["test_score"],
                          task="binary")
    n_out = int(((0.08 * (df["test_score"] - 60)) < 0).sum() + ((0.08 * (df["test_score"] - 60)) > 1).sum())
    with pytest.raises(ex.InvalidInputError, match=f"Got {n_out} of 400 outside that range"):
        ex.audit(logit, to_dask(df, partition_rows=100), target="hired", n_boot=20, scheduler=dask_cluster)
