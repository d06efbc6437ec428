"""The single entry point of a model's audit: options validated once, then the backend that
holds the data (in memory, or partitioned on Dask) runs every analysis and the shared tail."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..inventory import DataInventory
from ._options import AuditOptions
from ._result import Audit
from ._source import data_source

__all__ = ["audit"]

Progress = Callable[[str], None] | bool


def audit(
    model: Any,
    data: pd.DataFrame,
    *,
    target: str | None = None,
    inventory: DataInventory | None = None,
    sensitive_features: Sequence[str] = (),
    task: str | None = None,
    user_id: str | None = None,
    item_id: str | None = None,
    k: int = 3,
    threshold: float = 0.5,
    item_group: str | None = None,
    item_label: str | None = None,
    sample_size: int | None = 2000,
    n_boot: int = 200,
    min_group_size: int = 30,
    proxy_threshold: float = 0.65,
    train_data: pd.DataFrame | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    k_anonymity: int = 5,
    n_jobs: int = 1,
    random_state: int = 0,
    fit: Callable[[pd.DataFrame, np.ndarray], Any] | None = None,
    refit: bool = True,
    refit_folds: int = 3,
    refit_sample_size: int | Literal["auto"] | None = "auto",
    small_loss: float = 0.01,
    reference_groups: Mapping[str, str] | None = None,
    data_sha256: str | None = None,
    command: str | None = None,
    progress: Progress | None = None,
    backend: str = "pandas",
    scheduler: Any = None,
    n_workers: int = 2,
    partition_rows: int = 250_000,
    encoding: str | None = None,
) -> Audit:
    """Audit how a model uses customer data.

    Parameters
    ----------
    model : estimator, Pipeline, callable or ModelAdapter
        The fitted model (see :func:`explainer.wrap_model`).
    data : DataFrame
        The collected data, one row per scored row (customer, or customer x item for a
        recommender), with the outcome in ``target`` when known. Columns the model does
        not read are assessed as collected but unused.
    target : str, default=None
        The outcome column (0/1 for classifiers and recommenders).
    inventory : DataInventory, default=None
        What each column is. Columns it lacks are drafted by :func:`explainer.scan`.
    sensitive_features : str or sequence of str, default=()
        Columns that define groups to compare (for example gender, age band); one string names
        one column.
    task, user_id, item_id, k, threshold
        Passed to :func:`explainer.wrap_model`.
    item_group : str, default=None
        Recommenders: a column grouping the items (e.g. department) for item-side exposure,
        each group's share of recommendation slots against its share of outcomes. By
        default each item is its own group.
    item_label : str, default=None
        Recommenders: a column holding each item's display name (a movie's title). Every
        page and finding names items by it; without it an id is shown after the item word
        ("item 121"), never alone.
    sample_size : int or None, default=2000
        Rows explained with SHAP for the global shares (None: every row).
    n_boot : int, default=200
        Bootstrap resamples for every interval.
    min_group_size : int, default=30
        Groups smaller than this are marked too few to judge.
    proxy_threshold : float, default=0.65
        Cross-validated AUC at or above which an input is flagged as a proxy.
    train_data : DataFrame, default=None
        The rows the model was trained on, with the outcome in ``target``. With them the
        audit measures membership inference risk: how well a loss-threshold attack tells
        training rows from the audited rows, which serve as held-out rows (audited
        customers or rows that are also in ``train_data`` are left out of that test).
        Without them the result says it was not assessed. With them (and ``refit=True``)
        data minimisation also refits the model without each input and each data category
        on the same cross-validation folds and measures the loss of its metric (AUC, NDCG
        at k or R2); without them, minimisation relies on the share of influence and says so.
    quasi_identifiers : sequence of str, default=None
        Columns someone could know about a person (date of birth, postcode, gender, ...),
        measured for re-identification risk. None chooses them from the inventory: every
        demographic column, location columns holding text or postcodes, and columns whose
        name says birth and whose values are dates (see
        :func:`explainer.analyses.quasi_identifiers_from_inventory`). ``[]`` skips the
        measurement. Dates of birth are coarsened to birth years and cohorts, never to ages
        at today's date, so the result does not change from day to day.
    k_anonymity : int, default=5
        Smallest group of customers sharing the same quasi-identifier values that the
        re-identification check aims for; smaller groups give ``privacy.reidentification_risk``.
    n_jobs : int, default=1
        Parallel jobs for SHAP and for the refits.
    reference_groups : mapping of str to str, default=None
        Per sensitive feature, the group every other group's performance rates are compared
        with (``{"race": "White"}``); default the feature's largest group.
    random_state : int, default=0
        Seed of every sample and bootstrap; the same seed gives the same audit.json.
    backend : {"pandas", "dask"}, default="pandas"
        ``"dask"`` runs the audit on a Dask cluster (the ``scale`` extra): ``data`` may then
        be a Dask DataFrame or the path of a (partitioned) Parquet data set, and memory is
        bounded by the partition size. A Dask DataFrame selects ``"dask"`` by itself. See
        :func:`explainer.scale.audit_dask`.
    scheduler : str, distributed.Client or None, default=None
        With ``backend="dask"``: the address of a running scheduler (``"tcp://host:8786"``)
        or a Client. None starts a local cluster for the audit and closes it afterwards.
    n_workers : int, default=2
        With ``backend="dask"`` and no scheduler: worker processes of the local cluster.
    partition_rows : int, default=250,000
        With ``backend="dask"``: rows per partition when a pandas DataFrame is split.
    encoding : str or None, default=None
        With ``backend="dask"`` and a CSV file as ``data``: its text encoding (None: UTF-8,
        with or without a byte-order mark), read as :func:`explainer.read_table` reads it.
    fit : callable, default=None
        ``fit(X, y) -> fitted model`` that trains the model on the columns of ``X``. Used
        for the refits instead of cloning the estimator; needed for a callable model.
    refit : bool, default=True
        Set False to skip the refits (minimisation then relies on the share of influence).
    refit_folds : int, default=3
        Cross-validation folds of the refits (grouped by customer for ranking).
    refit_sample_size : int, "auto" or None, default="auto"
        Training customers the refits use: for ranking, whole customers with all their
        candidates; otherwise rows (one per customer). ``"auto"``: all of them up to 2,000
        customers for ranking or 8,000 rows otherwise (the cap keeps the refit cost bounded;
        see :func:`explainer.analyses.drop_column_importance`). None: all of them.
    small_loss : float, default=0.01
        The margin of the equivalence test: refitted without a column, the model must lose
        less than this with the whole interval for ``drop``; ``keep`` needs a loss with the
        whole interval; anything else is ``inconclusive``.
    progress : bool or callable, default=None
        ``True`` shows each step and a bar of the rows being explained (a widget in
        Jupyter, text on stderr elsewhere). A callable is called with each step's name; if
        it has a method ``rows(done, total)``, that is called after each chunk of explained
        rows. Progress shows names and counts, never data.

    Returns
    -------
    Audit

    Raises
    ------
    InvalidInputError
        When an option is invalid (the message names it), a named column is missing, or an
        option is set that the backend cannot honour (``scheduler``, ``n_workers``,
        ``partition_rows`` and ``encoding`` need ``backend="dask"``; ``item_label`` and
        ``reference_groups`` run in process only).
    """
    options = AuditOptions(
        target=target, sensitive_features=sensitive_features, task=task, user_id=user_id, item_id=item_id, k=k,
        threshold=threshold, item_group=item_group, item_label=item_label, sample_size=sample_size, n_boot=n_boot,
        min_group_size=min_group_size, proxy_threshold=proxy_threshold, quasi_identifiers=quasi_identifiers,
        k_anonymity=k_anonymity, n_jobs=n_jobs, random_state=random_state, refit=refit, refit_folds=refit_folds,
        refit_sample_size=refit_sample_size, small_loss=small_loss, reference_groups=reference_groups,
        data_sha256=data_sha256, command=command, backend=backend, scheduler=scheduler, n_workers=n_workers,
        partition_rows=partition_rows, encoding=encoding)
    source = data_source(data, options)
    return source.audit(model, options, inventory=inventory, train_data=train_data, fit=fit, progress=progress)
