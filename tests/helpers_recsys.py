"""Helpers of the recsys tests: planted watch histories and an item-item fit.

A streaming service's watch histories with planted structure: 4 genres of 10 titles each;
every viewer has one favourite genre and watches 6 of its titles plus 2 others, a number of
times each (the confidence). Viewer 0 watched only crime titles, among them "Fargo" (a
crime title) 5 times and "The Usual Suspects" 4 times. User features for LightFM: an age
band (3 bands) and a region (2), the age band tied to the favourite genre for half the viewers.

Imported by name (``from helpers_recsys import ...``); a conftest is not, because another
folder's conftest may already be loaded under that name.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

GENRES = ("crime", "comedy", "drama", "documentary")
N_USERS, PER_GENRE = 240, 10
CRIME_TITLES = ("Fargo", "The Usual Suspects", "Heat", "Se7en", "Zodiac", "Memento", "Chinatown", "Oldboy",
                "Drive", "Collateral")


def item_genre(col: int) -> str:
    return GENRES[col // PER_GENRE]


def make_histories(seed: int = 0):
    rng = np.random.default_rng(seed)
    n_items = PER_GENRE * len(GENRES)
    fav = rng.integers(0, len(GENRES), N_USERS)
    fav[0] = 0
    rows, cols, vals = [], [], []
    for u in range(N_USERS):
        own = rng.choice(PER_GENRE, 6, replace=False) + fav[u] * PER_GENRE
        other = rng.choice(np.setdiff1d(np.arange(n_items), own), 2, replace=False)
        picked = np.r_[own, other] if u else np.array([0, 1, 2, 3, 4, 5])
        counts = rng.integers(1, 6, len(picked)).astype(float)
        if u == 0:
            counts = np.array([5.0, 4.0, 1.0, 1.0, 2.0, 1.0])
        rows += [u] * len(picked)
        cols += list(picked)
        vals += list(counts)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(N_USERS, n_items))
    item_ids = [f"t{c:03d}" for c in range(n_items)]
    labels = {}
    for c, iid in enumerate(item_ids):
        g = item_genre(c)
        labels[iid] = CRIME_TITLES[c] if g == "crime" else f"{g.capitalize()} title {c % PER_GENRE + 1}"
    user_ids = [f"v{u:04d}" for u in range(N_USERS)]
    age = np.where(rng.random(N_USERS) < 0.5, fav % 3, rng.integers(0, 3, N_USERS))
    region = rng.integers(0, 2, N_USERS)
    return {"X": X, "item_ids": item_ids, "user_ids": user_ids, "labels": labels, "fav": fav, "age": age,
            "region": region}


def fit_item_item(cls, X):
    m = cls(K=15, num_threads=1)
    with warnings.catch_warnings():
        # implicit's own cosine/BM25/TF-IDF fit hands a COO matrix to its base class, which warns
        warnings.filterwarnings("ignore", message="Method expects CSR input", module="implicit")
        m.fit(X, show_progress=False)
    return m
