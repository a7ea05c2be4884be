"""Machine-translation backends, resolved by name on first use.

Nothing here imports torch, transformers or ctranslate2: a backend's module is imported only
when a translator is actually needed, so commands that never translate start fast.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from ..errors import BackendNotAvailable, UsageError
from .base import SplitNote, Translator, default_threads

# name -> (module, class, how to install what it needs)
BACKENDS: dict[str, tuple[str, str, str]] = {
    "ct2": ("tmtool.translate.ct2", "CT2Translator", "pip install 'tmtool[ct2]' (or: pip install ctranslate2)"),
    "transformers": ("tmtool.translate.marian", "MarianTranslator", "pip install transformers torch sentencepiece"),
}
#: ``auto``: CTranslate2 when it is installed, else transformers (docs/performance.md says why).
DEFAULT_BACKEND = "auto"


def resolve_backend(backend: str = DEFAULT_BACKEND) -> str:
    """The backend ``backend`` names; ``auto`` is ct2 if ctranslate2 is installed, else transformers."""
    if backend == "auto":
        return "ct2" if find_spec("ctranslate2") is not None else "transformers"
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose from auto, {', '.join(BACKENDS)}")
    return backend


def get_translator(backend: str = DEFAULT_BACKEND, **options) -> Translator:
    """Create the translator ``backend`` with ``options`` (model, device, beams, threads, ...)."""
    backend = resolve_backend(backend)
    module_name, class_name, hint = BACKENDS[backend]
    try:
        module = import_module(module_name)
    except ImportError as e:
        raise BackendNotAvailable(f"the {backend} backend cannot be loaded ({e}); {hint}") from None
    return getattr(module, class_name)(**options)


__all__ = [
    "BACKENDS", "DEFAULT_BACKEND", "SplitNote", "Translator", "default_threads", "get_translator",
    "resolve_backend",
]
