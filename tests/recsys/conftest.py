"""A streaming service's watch histories with planted structure, and fitted CF models on them.

Planted: 4 genres of 10 titles each; every viewer has one favourite genre and watches 6
of its titles plus 2 others, a number of times each (the confidence). Viewer 0 watched
only crime titles, among them "Fargo" (a crime title) 5 times and "The Usual Suspects"
4 times. User features for LightFM: an age band (3 bands) and a region (2), the age band
tied to the favourite genre for half the viewers.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg  # noqa: F401 - load SciPy's BLAS before the thread limit below
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import implicit  # noqa: F401 - loads implicit's BLAS users before the limit
from helpers_recsys import make_histories

#: implicit warns when BLAS uses several threads; one thread per BLAS, as implicit asks.
_BLAS_LIMIT = threadpool_limits(1, "blas")


@pytest.fixture(scope="session")
def histories():
    return make_histories()


@pytest.fixture(scope="session")
def als(histories):
    from implicit.cpu.als import AlternatingLeastSquares

    m = AlternatingLeastSquares(factors=8, regularization=0.05, alpha=2.0, iterations=12, random_state=0,
                                num_threads=1)
    m.fit(histories["X"].astype(np.float32), show_progress=False)
    return m


@pytest.fixture(scope="session")
def lightfm_model(histories):
    from lightfm import LightFM

    X = histories["X"]
    n = X.shape[0]
    age = sp.csr_matrix(np.eye(3)[histories["age"]])
    region = sp.csr_matrix(np.eye(2)[histories["region"]])
    F = sp.hstack([sp.identity(n), age, region]).tocsr().astype(np.float32)
    names = ["history"] * n + ["age_band"] * 3 + ["region"] * 2
    m = LightFM(no_components=6, loss="warp", random_state=0)
    m.fit((X > 0).astype(np.float32).tocoo(), user_features=F, epochs=10, num_threads=1)
    return m, F, names
