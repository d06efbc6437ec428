"""Data sets of other domains with known answers, for null and power tests.

- :func:`streaming`: a movie recommender's candidate rows (viewer x movie), scores from
  genre tastes, top-k decisions per viewer, watched outcomes; optional planted exposure
  gap (one genre pushed down for one age band).
- :func:`credit`: yes/no credit decisions from a score of income and debt.

Sensitive columns are drawn independently of everything else unless a gap is planted, so
under the null every difference between groups is noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AGE_BANDS = np.array(["under 25", "25-39", "40-54", "55+"])
GENRES = np.array(["drama", "comedy", "documentary", "thriller", "animation"])


def streaming(n_viewers: int, n_movies: int = 20, *, k: int = 3, seed: int = 0,
              planted: tuple[str, str, float] | None = None) -> pd.DataFrame:
    """Viewer x movie rows: ``viewer``, ``movie``, ``genre``, ``score``, ``shown`` (top k), ``watched``.

    ``planted=(age_band, genre, shift)`` lowers that genre's scores by ``shift`` for viewers
    in that age band.
    """
    rng = np.random.default_rng(seed)
    genre = GENRES[np.arange(n_movies) % len(GENRES)]
    taste = rng.normal(size=(n_viewers, len(GENRES)))
    band = AGE_BANDS[rng.integers(0, len(AGE_BANDS), n_viewers)]
    sex = rng.choice(np.array(["woman", "man", "non-binary"]), n_viewers, p=[0.48, 0.47, 0.05])
    g_idx = np.arange(n_movies) % len(GENRES)
    score = taste[:, g_idx] + rng.normal(scale=0.8, size=(n_viewers, n_movies)) + rng.normal(size=n_movies)
    if planted is not None:
        b, gname, shift = planted
        score[np.ix_(band == b, genre == gname)] -= shift
    order = np.argsort(-score, axis=1, kind="stable")
    shown = np.zeros_like(score, dtype=np.int8)
    np.put_along_axis(shown, order[:, :k], 1, axis=1)
    watched = (rng.random(score.shape) < 1 / (1 + np.exp(-(score - 1.5)))).astype(np.int8)
    return pd.DataFrame({
        "viewer": np.repeat(np.arange(n_viewers), n_movies), "movie": np.tile([f"m{j:02d}" for j in range(n_movies)],
                                                                             n_viewers),
        "genre": np.tile(genre, n_viewers), "score": score.ravel(), "shown": shown.ravel(),
        "watched": watched.ravel(), "age_band": np.repeat(band, n_movies), "sex": np.repeat(sex, n_movies),
    })


def credit(n: int, *, seed: int = 0) -> pd.DataFrame:
    """Applicants: ``income``, ``debt``, ``noise_a``, ``score``, ``approved``, ``repaid``, ``sex``, ``age_band``."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.4, n)
    debt = rng.gamma(2.0, 3000.0, n)
    logit = 1.5 * (np.log(income) - 10) / 0.4 - 0.8 * (debt - 6000) / 4000
    p = 1 / (1 + np.exp(-logit))
    repaid = (rng.random(n) < p).astype(int)
    return pd.DataFrame({
        "income": income, "debt": debt, "noise_a": rng.normal(size=n), "score": p,
        "approved": (p >= 0.5).astype(int), "repaid": repaid,
        "sex": rng.choice(np.array(["woman", "man"]), n), "age_band": AGE_BANDS[rng.integers(0, 4, n)],
    })


def occupations(n: int, *, seed: int = 0) -> pd.DataFrame:
    """People with an ``age_band`` of four, an ``age`` and an ``occupation`` that predicts only two bands.

    Students are mostly under 25 and retired people mostly 55+; the 16 other occupations
    (several of them small) are spread evenly over all bands. ``shoe_size`` is noise.
    """
    rng = np.random.default_rng(seed)
    band = rng.integers(0, 4, n)
    others = np.array([f"job {i:02d}" for i in range(16)])
    weights = np.r_[np.full(8, 3.0), np.full(8, 0.5)]  # 8 common jobs, 8 small ones
    occ = others[rng.choice(16, n, p=weights / weights.sum())]
    u = rng.random(n)
    student = ((band == 0) & (u < 0.36)) | ((band == 1) & (u < 0.12))  # some older students
    retired = ((band == 3) & (u < 0.36)) | ((band == 2) & (u < 0.12))  # some early retirees
    occ = np.where(student, "student", np.where(retired, "retired", occ))
    age = np.array([18, 25, 40, 55])[band] + rng.integers(0, np.array([7, 15, 15, 25])[band])
    return pd.DataFrame({"occupation": occ, "age": age, "shoe_size": rng.normal(40, 2, n),
                         "age_band": AGE_BANDS[band]})
