"""Inventory completion: the user's inventory, with drafted records for the columns it lacks and
the roles an audit knows (target, customer id, item, sensitive, model input)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ._schema import DataInventory

__all__ = ["complete_inventory", "group_category", "item_attributes"]


def complete_inventory(
    data: pd.DataFrame,
    inventory: DataInventory | None,
    *,
    target: str | None,
    inputs: Sequence[str],
    sensitive: Sequence[str],
    random_state: int,
    user_id: str | None = None,
    item_id: str | None = None,
    other: Sequence[str] = (),
) -> DataInventory:
    """Use the given inventory; draft the columns it lacks; set roles the audit knows.

    Parameters
    ----------
    data : DataFrame
        The audited rows (or the rows scanned of them).
    inventory : DataInventory or None
        The user's inventory; its records are kept as they are, apart from the roles below.
    target, user_id, item_id : str or None
        Columns whose role the audit knows: outcome, customer identifier, ranked item.
    inputs : sequence of str
        The model's inputs: features, whatever a draft guessed.
    sensitive : sequence of str
        Columns that define groups; sensitive when the model does not read them.
    other : sequence of str, default=()
        Columns of role ``other`` (a decision log's predictions).
    random_state : int
        Seed of the scan that drafts the missing records.

    Returns
    -------
    DataInventory
        One record per column of ``data``, in its column order.
    """
    from ._scan import scan

    inv = inventory if inventory is not None else DataInventory()
    missing = [c for c in data.columns if c not in inv]
    if missing:
        for rec in scan(data[missing], random_state=random_state).inventory:
            inv = inv.with_record(rec)
    forced = _known_roles(data, target=target, inputs=inputs, sensitive=sensitive, user_id=user_id,
                          item_id=item_id, other=other, drafted=missing)
    for col, role in forced.items():
        if col in inv and inv[col].role != role:
            inv = inv.update(col, role=role)
    for s in sensitive:  # a column that defines groups is not an identifier, whatever the draft guessed
        if s in missing and s in inv:
            inv = group_category(inv, s)
    inv = _settle_inputs_and_items(inv, data, forced=forced, inputs=inputs, sensitive=sensitive, item_id=item_id)
    order = {c: i for i, c in enumerate(data.columns)}
    recs = sorted((r for r in inv if r.column in order), key=lambda r: order[r.column])
    return DataInventory(recs, inv.notes)


def _settle_inputs_and_items(inv: DataInventory, data: pd.DataFrame, *, forced: dict[str, str],
                             inputs: Sequence[str], sensitive: Sequence[str], item_id: str | None) -> DataInventory:
    """Inputs are features whatever the draft guessed; catalogue facts about the item are items."""
    for col in inputs:
        if col in inv and inv[col].role in ("identifier", "sensitive", "other") and col not in forced:
            inv = inv.update(col, role="feature")
    if item_id:  # facts about the item (catalogue columns) are not data about the customer
        for col in item_attributes(data, item_id, skip=set(forced) | set(sensitive)):
            if col in inv and inv[col].role in ("feature", "other"):
                inv = inv.update(col, role="item")
    return inv


def _known_roles(data: pd.DataFrame, *, target: str | None, inputs: Sequence[str], sensitive: Sequence[str],
                 user_id: str | None, item_id: str | None, other: Sequence[str],
                 drafted: Sequence[str]) -> dict[str, str]:
    """Column -> the role the audit knows it has (set over whatever the inventory says)."""
    forced = {c: "other" for c in other}
    if target is not None:
        forced[target] = "target"
    if user_id:
        forced[user_id] = "identifier"
    if item_id:
        forced[item_id] = "item"
    for s in sensitive:
        if s not in inputs:
            forced[s] = "sensitive"
    if item_id and drafted:  # drafted columns that only describe the item (its department, price)
        by_item = data.groupby(item_id, sort=False)
        for col in drafted:
            if col in forced or col in inputs or col == item_id:
                continue
            if data[col].nunique() > 1 and int(by_item[col].nunique(dropna=False).max()) == 1:
                forced[col] = "item"
    return forced


def group_category(inv: DataInventory, column: str) -> DataInventory:
    """A drafted sensitive column: special category when its name says so, never an identifier."""
    from ._patterns import match_name

    rec = inv[column]
    special = [r for r in match_name(column) if r.category == "special_category"]
    if special and rec.category != "special_category":
        return inv.update(column, category="special_category",
                          special_category_kind=special[0].special_category_kind)
    if rec.category in ("direct_identifier", "contact", "other"):
        return inv.update(column, category="demographic", special_category_kind=None)
    return inv


def item_attributes(data: pd.DataFrame, item_id: str, *, skip: set[str]) -> list[str]:
    """Columns that hold one value per item and differ between items: catalogue facts, such as
    a product's department, repeated on every customer x item row."""
    out = []
    for col in data.columns:
        if col == item_id or col in skip or data[col].nunique(dropna=False) < 2:
            continue
        if int(data.groupby(item_id, sort=False, observed=True)[col].nunique(dropna=False).max()) <= 1:
            out.append(str(col))
    return out

