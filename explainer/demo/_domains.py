"""Two more embedded examples outside retail: a streaming recommender and a yes/no decision.

Both are synthetic and seeded. Each comes with a labelled list of its columns and their true
data categories (:func:`streaming_column_labels`, :func:`decision_column_labels`) for tests
and benchmarks; no code path of the package reads these labels.

Planted truths, streaming (:func:`make_streaming_demo`):

(a) Whether a member watches a movie depends on how many movies of that genre they watched
    before (``n_<genre>``) and on the movie's popularity.
(b) ``gender`` and ``age_band`` are kept only to check how groups are treated; they are not
    inputs. ``age_band`` shifts taste for documentaries a little, so ``n_documentary`` is
    linked to it.
(c) ``full_name`` uses first names outside the scanner's vocabulary; the name of the column
    says what it is.
(d) ``occupation`` is an input whose share of influence is small.

Planted truths, yes/no decision (:func:`make_decision_demo`):

(a) Approval depends on income, capital gains, years of education and hours worked.
(b) ``race`` and ``sex`` are kept only to check how groups are treated; ``race`` is special
    category data. ``region`` is linked to ``race`` (where people live), ``hours_per_week``
    to ``sex``.
(c) ``application_ref`` holds one reference code per row (``AP-100000``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "GENRES", "StreamingDemo", "DecisionDemo", "make_streaming_demo", "make_decision_demo",
    "streaming_column_labels", "decision_column_labels", "STREAMING_INPUTS", "DECISION_INPUTS",
    "train_streaming_recommender", "train_decision_model",
]

#: Movie genres; each has a count column ``n_<genre>`` of the member's past views.
GENRES: tuple[str, ...] = ("action", "comedy", "drama", "sci_fi", "documentary", "horror")

# First names and surnames chosen outside the scanner's built-in lists, on purpose.
_FIRST = ("Zephyra", "Orrin", "Talwyn", "Quillon", "Maelis", "Bastien", "Ysolde", "Corwen", "Ilaria",
          "Tamsin", "Eamon", "Seren", "Lowri", "Caius", "Odalys", "Rhosyn", "Anwen", "Idris")
_LAST = ("Quarrington", "Vellacott", "Ashbury", "Penhallow", "Tregarthen", "Hollingdrake", "Marchetti",
         "Oyelaran", "Vasquero", "Lindqvist", "Brennagh", "Castellane")
_TITLE_WORDS = ("Night", "River", "Glass", "Echo", "Harbour", "Signal", "Winter", "Orbit", "Lantern",
                "Garden", "Storm", "Atlas", "Mirror", "Ember", "Canyon", "Voyage")
_OCCUPATIONS = ("teacher", "nurse", "engineer", "student", "retired", "driver", "designer", "clerk")
_DEVICES = ("smart TV", "phone", "tablet", "laptop")
_COUNTRIES = ("UK", "Ireland", "France", "Spain", "Germany")


@dataclass(frozen=True)
class StreamingDemo:
    """The streaming example: members, a movie catalogue and member x movie rows.

    Attributes
    ----------
    members : DataFrame
        One row per member.
    movies : DataFrame
        One row per movie: ``movie_id``, ``title``, ``genre``, ``popularity``.
    interactions : DataFrame
        One row per member x candidate movie, with the member's columns, the movie's
        columns and the outcome ``watched`` (0/1).
    """

    members: pd.DataFrame
    movies: pd.DataFrame
    interactions: pd.DataFrame


def make_streaming_demo(n_members: int = 1_500, *, n_movies: int = 40, per_member: int = 10,
                        random_state: int = 0) -> StreamingDemo:
    """Generate the streaming recommender example (see the module docstring for its truths).

    Examples
    --------
    >>> demo = make_streaming_demo(200, random_state=1)
    >>> demo.interactions.shape[0], demo.movies.shape[0]
    (2000, 40)
    """
    rng = np.random.default_rng(random_state)
    n = int(n_members)
    member_id = np.arange(500_001, 500_001 + n)
    first, last = rng.choice(_FIRST, n), rng.choice(_LAST, n)
    full_name = np.array([f"{a} {b}" for a, b in zip(first, last)], dtype=object)
    email = np.array([f"{a.lower()}.{b.lower()}{rng.integers(10, 999)}@mail.example" for a, b in zip(first, last)],
                     dtype=object)
    gender = rng.choice(np.array(["female", "male", "non-binary"], dtype=object), n, p=[0.49, 0.49, 0.02])
    age_band = rng.choice(np.array(["18-29", "30-44", "45-64", "65+"], dtype=object), n, p=[0.3, 0.3, 0.28, 0.12])
    taste = rng.gamma(1.5, 1.0, (n, len(GENRES)))
    doc = GENRES.index("documentary")
    taste[:, doc] *= np.where(np.isin(age_band, ["45-64", "65+"]), 1.8, 1.0)
    counts = rng.poisson(taste * 4.0)
    members = pd.DataFrame({
        "member_id": member_id, "full_name": full_name, "email": email, "gender": gender, "age_band": age_band,
        "occupation": rng.choice(np.array(_OCCUPATIONS, dtype=object), n),
        "country": rng.choice(np.array(_COUNTRIES, dtype=object), n),
        "device_type": rng.choice(np.array(_DEVICES, dtype=object), n),
        **{f"n_{g}": counts[:, i] for i, g in enumerate(GENRES)},
        "minutes_watched_30d": (counts.sum(axis=1) * rng.gamma(4.0, 20.0, n)).round().astype(int),
        "sessions_30d": rng.poisson(12, n),
        "ratings_given": rng.poisson(5, n),
    })
    m = int(n_movies)
    titles = []
    for i in range(m):
        a, b = _TITLE_WORDS[i % len(_TITLE_WORDS)], _TITLE_WORDS[(i * 7 + 3) % len(_TITLE_WORDS)]
        titles.append(f"The {a} {b}" if a != b else f"{a} {i}")
    movies = pd.DataFrame({
        "movie_id": np.arange(101, 101 + m),
        "title": titles,
        "genre": np.array(GENRES, dtype=object)[np.arange(m) % len(GENRES)],
        "popularity": rng.uniform(0.0, 1.0, m).round(3),
    })
    cand = np.stack([rng.choice(m, per_member, replace=False) for _ in range(n)])
    rows = members.loc[np.repeat(np.arange(n), per_member)].reset_index(drop=True)
    mv = movies.iloc[cand.reshape(-1)].reset_index(drop=True)
    rows = pd.concat([rows, mv], axis=1)
    genre_idx = mv["genre"].map({g: i for i, g in enumerate(GENRES)}).to_numpy()
    own = counts[np.repeat(np.arange(n), per_member), genre_idx]
    rows.insert(rows.columns.get_loc("ratings_given") + 1, "genre_views", own)
    logit = -2.6 + 0.35 * own + 1.6 * mv["popularity"].to_numpy()
    rows["watched"] = (rng.random(len(rows)) < 1 / (1 + np.exp(-logit))).astype(int)
    return StreamingDemo(members=members, movies=movies, interactions=rows)


def streaming_column_labels() -> dict[str, str]:
    """True data category of each column of ``make_streaming_demo().interactions``.

    ``item`` marks facts about the movie; ``target`` the outcome.
    """
    return {
        "member_id": "direct_identifier", "full_name": "direct_identifier", "email": "contact",
        "gender": "demographic", "age_band": "demographic", "occupation": "work_education",
        "country": "location", "device_type": "device",
        **{f"n_{g}": "behavioural" for g in GENRES},
        "minutes_watched_30d": "behavioural", "sessions_30d": "behavioural", "ratings_given": "behavioural",
        "genre_views": "behavioural",
        "movie_id": "item", "title": "item", "genre": "item", "popularity": "item", "watched": "target",
    }


#: Inputs of the streaming recommender.
STREAMING_INPUTS: tuple[str, ...] = ("genre_views", *(f"n_{g}" for g in GENRES), "minutes_watched_30d",
                                     "sessions_30d", "occupation", "genre", "popularity")


@dataclass(frozen=True)
class DecisionDemo:
    """The yes/no example: one row per application with the outcome ``approved`` (0/1)."""

    applications: pd.DataFrame


_RACES = ("White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other")
_EDUCATION = ("HS-grad", "Some-college", "Bachelors", "Masters", "Doctorate", "11th")
_JOBS = ("Adm-clerical", "Exec-managerial", "Craft-repair", "Sales", "Prof-specialty", "Other-service")
_REGIONS = ("North", "South", "East", "West", "Central")


def make_decision_demo(n_rows: int = 2_000, *, random_state: int = 0) -> DecisionDemo:
    """Generate the yes/no decision example (see the module docstring for its truths).

    Examples
    --------
    >>> make_decision_demo(300, random_state=2).applications.shape[0]
    300
    """
    rng = np.random.default_rng(random_state)
    n = int(n_rows)
    race = rng.choice(np.array(_RACES, dtype=object), n, p=[0.7, 0.12, 0.1, 0.03, 0.05])
    sex = rng.choice(np.array(["Female", "Male"], dtype=object), n)
    region_p = np.where(race == "White", 0, 1)
    region = np.where(region_p == 1, rng.choice(np.array(_REGIONS[:2], dtype=object), n),
                      rng.choice(np.array(_REGIONS, dtype=object), n)).astype(object)
    edu_years = rng.integers(8, 20, n)
    hours = np.clip(rng.normal(np.where(sex == "Male", 44, 36), 8), 5, 80).round().astype(int)
    income = (rng.gamma(3.0, 9_000, n) + edu_years * 1_500).round(-2)
    gain = np.where(rng.random(n) < 0.1, rng.gamma(2.0, 3_000, n), 0.0).round()
    loss = np.where(rng.random(n) < 0.05, rng.gamma(2.0, 600, n), 0.0).round()
    logit = -6.0 + income / 20_000 + gain / 4_000 + 0.18 * edu_years + 0.03 * hours
    approved = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    apps = pd.DataFrame({
        "application_ref": [f"AP-{100_000 + i}" for i in rng.permutation(n)],
        "surname": rng.choice(np.array(_LAST, dtype=object), n),
        "age": rng.integers(18, 80, n),
        "sex": sex,
        "race": race,
        "marital_status": rng.choice(np.array(["Married", "Never-married", "Divorced", "Widowed"], dtype=object), n),
        "education": rng.choice(np.array(_EDUCATION, dtype=object), n),
        "education_num": edu_years,
        "occupation": rng.choice(np.array(_JOBS, dtype=object), n),
        "hours_per_week": hours,
        "capital_gain": gain,
        "capital_loss": loss,
        "annual_income": income,
        "region": region,
        "approved": approved,
    })
    return DecisionDemo(applications=apps)


def decision_column_labels() -> dict[str, str]:
    """True data category of each column of ``make_decision_demo().applications``."""
    return {
        "application_ref": "direct_identifier", "surname": "direct_identifier", "age": "demographic",
        "sex": "demographic", "race": "special_category", "marital_status": "demographic",
        "education": "work_education", "education_num": "work_education", "occupation": "work_education",
        "hours_per_week": "work_education", "capital_gain": "financial", "capital_loss": "financial",
        "annual_income": "financial", "region": "location", "approved": "target",
    }


#: Inputs of the yes/no model.
DECISION_INPUTS: tuple[str, ...] = ("age", "education_num", "occupation", "hours_per_week", "capital_gain",
                                    "capital_loss", "annual_income", "region", "marital_status")


def _logistic(frame: pd.DataFrame, inputs: tuple[str, ...], y: pd.Series) -> object:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cat = [c for c in inputs if not pd.api.types.is_numeric_dtype(frame[c])]
    num = [c for c in inputs if c not in cat]
    pipe = Pipeline([("prep", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), cat),
                                                 ("num", StandardScaler(), num)])),
                     ("clf", LogisticRegression(max_iter=1000))])
    return pipe.fit(frame[list(inputs)], y)


def train_streaming_recommender(demo: StreamingDemo) -> object:
    """A logistic regression over member x movie rows, reading :data:`STREAMING_INPUTS`."""
    return _logistic(demo.interactions, STREAMING_INPUTS, demo.interactions["watched"])


def train_decision_model(demo: DecisionDemo) -> object:
    """A logistic regression approving applications, reading :data:`DECISION_INPUTS`."""
    return _logistic(demo.applications, DECISION_INPUTS, demo.applications["approved"])
