"""Machine-translation backends, resolved by name on first use.

Nothing here imports torch or transformers: a backend's module is imported only when a
translator is actually needed, so commands that never translate start fast.
"""

from __future__ import annotations

from importlib import import_module

from ..errors import BackendNotAvailable, UsageError
from .base import SplitNote, Translator

# name -> (module, class, pip requirement that provides it)
BACKENDS: dict[str, tuple[str, str, str]] = {
    "transformers": ("tmtool.translate.marian", "MarianTranslator", "transformers torch sentencepiece"),
}
DEFAULT_BACKEND = "transformers"


def get_translator(backend: str = DEFAULT_BACKEND, **options) -> Translator:
    """Create the translator ``backend`` with ``options`` (model, device, beams, ...)."""
    try:
        module_name, class_name, requirement = BACKENDS[backend]
    except KeyError:
        raise UsageError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}") from None
    try:
        module = import_module(module_name)
    except ImportError as e:
        raise BackendNotAvailable(
            f"the {backend} backend needs {requirement} ({e}); install them with pip"
        ) from None
    return getattr(module, class_name)(**options)


__all__ = ["BACKENDS", "DEFAULT_BACKEND", "SplitNote", "Translator", "get_translator"]
