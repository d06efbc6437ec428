"""The demo's third algorithm: a collaborative-filtering recommender of product groups.

Implicit ALS (Hu, Koren and Volinsky 2008) learns from who bought and browsed what: the same
synthetic customers' purchase and browsing histories over the last 90 days, one row per
customer and one column per product group. Ten minutes of browsing count as one purchase.
Product groups are bought again, so a customer's list may hold groups they already use
(``filter_already_liked_items=False``). It reads no customer column: no age, no postcode.

Needs the ``recsys`` extra (``implicit``); :func:`has_collaborative_demo` says whether it is
installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._generate import CATEGORIES, RetailDemo

__all__ = ["DemoCollaborative", "train_demo_collaborative", "has_collaborative_demo", "collaborative_config",
           "collaborative_inventory", "audit_demo_collaborative", "BROWSE_MINUTES_PER_PURCHASE", "CF_SOURCES",
           "SOURCE_LABELS"]

#: Browsing minutes that weigh as much as one purchase in the interaction matrix.
BROWSE_MINUTES_PER_PURCHASE = 10.0
#: The interaction sources and their data category.
CF_SOURCES: dict[str, str] = {"purchase_history": "behavioural", "browsing_history": "behavioural"}
#: What each source is, in the words of a customer's page.
SOURCE_LABELS: dict[str, str] = {"purchase_history": "what you buy", "browsing_history": "what you browse"}


def has_collaborative_demo() -> bool:
    """True when ``implicit`` (the ``recsys`` extra) is installed, so the CF demo can run."""
    import importlib.util

    return importlib.util.find_spec("implicit") is not None


@dataclass(frozen=True)
class DemoCollaborative:
    """The fitted demo CF recommender.

    Attributes
    ----------
    model : CollaborativeAdapter
        ALS on every customer's 90-day history, product groups labelled by name.
    customers : DataFrame
        The audited (held-out) customers: ``customer_id`` and the sensitive attributes.
    held_out : scipy.sparse.csr_matrix
        What each customer bought in the next 30 days (customers x product groups).
    metrics : dict
        Hit rate and NDCG at k of the audited customers' lists against ``held_out``.
    """

    model: Any
    customers: pd.DataFrame
    held_out: Any
    metrics: dict[str, Any] = field(default_factory=dict)


def _matrices(demo: RetailDemo) -> tuple[Any, Any, Any]:
    """Purchases, browsing (in purchase units) and next-30-day purchases, customers x groups."""
    import scipy.sparse as sp

    cust = demo.customers
    purchases = sp.csr_matrix(cust[[f"purchases_{c}" for c in CATEGORIES]].to_numpy(dtype=np.float64))
    browse = cust[[f"browse_minutes_{c}" for c in CATEGORIES]].to_numpy(dtype=np.float64)
    browsing = sp.csr_matrix(browse / BROWSE_MINUTES_PER_PURCHASE)
    bought = demo.outcomes.pivot(index="customer_id", columns="category", values="bought")
    bought = bought.reindex(index=cust["customer_id"], columns=list(CATEGORIES)).fillna(0)
    return purchases, browsing, sp.csr_matrix(bought.to_numpy(dtype=np.float64))


def train_demo_collaborative(demo: RetailDemo, *, test_size: float = 0.2, k: int = 3, factors: int = 4,
                             random_state: int = 0) -> DemoCollaborative:
    """Fit ALS on every customer's history; audit the held-out customers of the other demo models.

    The held-out customers are those :func:`train_demo_recommender` holds out with the same
    ``test_size`` and ``random_state``; their lists are compared with what they bought next.
    """
    import scipy.linalg  # noqa: F401 - SciPy's BLAS loaded before the thread limit below
    from threadpoolctl import threadpool_limits

    from .._optional import import_optional
    from ..analyses._cf import ndcg_at_k
    from ..models._collaborative import wrap_collaborative

    als = import_optional("implicit.cpu.als", purpose="The collaborative-filtering demo")
    purchases, browsing, bought = _matrices(demo)
    interactions = (purchases + browsing).tocsr()
    with threadpool_limits(1, "blas"):  # implicit asks for one BLAS thread (and checks when built)
        model = als.AlternatingLeastSquares(factors=factors, regularization=0.1, alpha=1.0, iterations=15,
                                            random_state=random_state, num_threads=1)
        model.fit(interactions.astype(np.float32), show_progress=False)
    ids = demo.customers["customer_id"].tolist()
    cf = wrap_collaborative(
        model, interactions=interactions, user_ids=ids, item_ids=list(CATEGORIES),
        item_labels={c: c for c in CATEGORIES}, k=k, history_label="purchase and browsing history",
        name="ALS product groups", sources={"purchase_history": purchases, "browsing_history": browsing},
        filter_already_liked_items=False,
    )
    rng = np.random.default_rng(random_state)
    test_ids = set(rng.choice(np.asarray(ids), int(round(len(ids) * test_size)), replace=False).tolist())
    audited = demo.customers[demo.customers["customer_id"].isin(test_ids)]
    customers = audited[["customer_id", "gender", "age_band", "ethnicity"]].reset_index(drop=True)
    rows = [cf.user_row(c) for c in customers["customer_id"]]
    with_any = [r for r in rows if bought.indptr[r + 1] > bought.indptr[r]]
    ndcg = ndcg_at_k(cf, bought, with_any, k)
    hits = [len(set(cf.recommend(cf.user_ids[r], k).tolist()) & set(bought[r].indices.tolist())) > 0
            for r in with_any]
    metrics = {f"hit_rate_at_{k}": float(np.mean(hits)), f"ndcg_at_{k}": float(ndcg.mean()),
               "users_evaluated": len(with_any)}
    return DemoCollaborative(model=cf, customers=customers, held_out=bought, metrics=metrics)


def audit_demo_collaborative(demo: RetailDemo, *, k: int = 3, n_boot: int = 200, min_group_size: int = 30,
                             random_state: int = 0, command: str | None = None) -> tuple[dict[str, Any], Any]:
    """Train the CF recommender, audit it on the held-out customers; its audit.json document and the audit.

    The audit measures exposure and quality per gender, age band and ethnic group, popularity
    bias, each interaction source's share, and whether the learned factors predict a
    sensitive attribute.
    """
    from .._collaborative_audit import audit_collaborative
    from .._collaborative_document import collaborative_document

    trained = train_demo_collaborative(demo, k=k, random_state=random_state)
    audit = audit_collaborative(
        trained.model, trained.customers, sensitive_features=["gender", "age_band", "ethnicity"],
        user_id="customer_id", test_interactions=trained.held_out, inventory=collaborative_inventory(),
        min_group_size=min_group_size, n_boot=n_boot, random_state=random_state,
    )
    doc = collaborative_document(audit, user_id="customer_id", labels=SOURCE_LABELS, metrics=trained.metrics,
                                 command=command)
    return doc, audit


def collaborative_inventory() -> Any:
    """The data categories of the CF recommender's inputs and of the attributes it is tested on."""
    from ..inventory import ColumnRecord, DataInventory

    why = ("To choose which product groups to show you.",)
    return DataInventory([
        ColumnRecord("customer_id", "direct_identifier", source="provided", role="identifier"),
        ColumnRecord("purchase_history", "behavioural", purposes=why, source="observed",
                     description="what the customer bought per product group, last 90 days"),
        ColumnRecord("browsing_history", "behavioural", purposes=why, source="observed",
                     description="minutes the customer browsed per product group, last 90 days"),
        ColumnRecord("gender", "demographic", source="provided", role="sensitive"),
        ColumnRecord("age_band", "demographic", source="inferred", role="sensitive"),
        ColumnRecord("ethnicity", "special_category", source="provided", role="sensitive",
                     special_category_kind="ethnicity"),
    ])


def collaborative_config() -> Any:
    """The demo publisher facts for the CF recommender: ``disclosure_collaborative.yaml`` laid
    over the recommender's ``disclosure.yaml`` (its top-level keys replace the others)."""
    import yaml

    from ..report._config import DisclosureConfig
    from ._paths import COLLABORATIVE_CONFIG, DEMO_CONFIG

    base = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    over = yaml.safe_load(COLLABORATIVE_CONFIG.read_text(encoding="utf-8"))
    return DisclosureConfig.from_dict({**base, **over}, source=f"demo config {COLLABORATIVE_CONFIG.name!r}")
