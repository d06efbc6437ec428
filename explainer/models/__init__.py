"""Stage 2, models: one interface over scikit-learn pipelines, boosted trees and any callable.

Returns a :class:`ModelAdapter` (or, for collaborative-filtering recommenders, a
:class:`CollaborativeAdapter`); :func:`load_model` reads model files safely (skops).
"""
from ._adapter import ModelAdapter, Task, wrap_model
from ._collaborative import CollaborativeAdapter, wrap_collaborative
from ._io import load_model, save_model

__all__ = ["ModelAdapter", "CollaborativeAdapter", "Task", "wrap_model", "wrap_collaborative", "load_model", "save_model"]
