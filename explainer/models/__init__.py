"""Stage 2, models: one interface over scikit-learn pipelines, boosted trees and any callable.

Returns a :class:`ModelAdapter`; :func:`load_model` reads model files safely (skops).
"""
from ._adapter import ModelAdapter, Task, wrap_model
from ._io import load_model, save_model

__all__ = ["ModelAdapter", "Task", "wrap_model", "load_model", "save_model"]
