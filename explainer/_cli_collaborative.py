"""The command line's collaborative-filtering parts: a customers x items .npz matrix as the data.

``explainer why interactions.npz ...`` and ``explainer explain-all interactions.npz ...``
share the options and the loading here; :mod:`explainer.cli` dispatches to them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_collaborative", "collaborative_model", "why_collaborative_command"]

def add_collaborative(p: argparse.ArgumentParser) -> None:
    """Options of a collaborative-filtering model, whose data is a customers x items .npz matrix."""
    p.add_argument("--items", help="collaborative filtering (data is a customers x items .npz matrix): CSV of the "
                                   "items in column order, first column the id, second the title shown")
    p.add_argument("--users", help="collaborative filtering: CSV of the customer ids in row order (default 0, 1, ...)")
    p.add_argument("--history-label", default="history", help="collaborative filtering: what the interactions "
                                                             "are, in plain words (default 'history')")
    p.add_argument("--served", choices=["stored", "recalculated"], default="stored",
                   help="ALS: the recommender scores from stored user factors (default) or recalculates them")


def collaborative_model(args: argparse.Namespace, command: str) -> Any:
    """The wrapped CF model of ``explainer why|explain-all interactions.npz --model M --items I``."""
    import scipy.sparse as sp

    from ._io import read_table
    from .errors import DataFileNotFoundError, InvalidInputError
    from .models import load_model, wrap_model
    from .models._collaborative import load_collaborative

    if args.items is None:
        raise InvalidInputError(
            f"explainer {command} on an interaction matrix (.npz) must be given --items. Got none. Pass the CSV of "
            "item ids and titles, in the matrix's column order."
        )
    if not Path(args.data).is_file():
        raise DataFileNotFoundError(f"data must be an existing .npz file. Got {Path(args.data).name!r}, which was not found.")
    X = sp.load_npz(args.data)
    model = (load_collaborative(args.model) if str(args.model).lower().endswith(".npz")
             else load_model(args.model, trust_model=args.trust_model, trusted_types=args.trust_type))
    items = read_table(args.items)
    if items.shape[1] < 2:
        raise InvalidInputError(f"--items must have two columns, the item id and its title. Got {items.shape[1]}.")
    ids = items.iloc[:, 0].tolist()
    users = read_table(args.users).iloc[:, 0].tolist() if args.users else None
    return wrap_model(model, interactions=X, user_ids=users, item_ids=ids,
                      item_labels=dict(zip(ids, items.iloc[:, 1].astype(str))), k=args.k, served=args.served,
                      history_label=args.history_label)


def why_collaborative_command(args: argparse.Namespace) -> None:
    """``explainer why interactions.npz --model als.npz --items items.csv --customer C --item I``."""
    from . import why_collaborative
    from .errors import InvalidInputError
    from .inventory import DataInventory

    if args.customer is None or args.item is None or args.items is None:
        raise InvalidInputError(
            "explainer why on an interaction matrix (.npz) must be given --customer, --item and --items. Got "
            f"{', '.join(n for n, v in (('--customer', args.customer), ('--item', args.item), ('--items', args.items)) if v is None)} "
            "missing. Pass the customer, the item to explain and the CSV of item ids and titles."
        )
    cf = collaborative_model(args, "why")
    inventory = DataInventory.from_yaml(args.inventory) if args.inventory else None
    result = why_collaborative(cf, args.customer, args.item, inventory=inventory, config=args.config)
    result.to_html(args.out, force=args.force)
    if not args.quiet:
        sys.stdout.write(str(result))
        print(f"wrote {args.out}")
