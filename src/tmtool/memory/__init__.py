"""The translation memory: storage, migrations and lookup."""

from .normalize import content_hash, normalize, text_hash
from .store import Pair, TranslationMemory

__all__ = ["Pair", "TranslationMemory", "content_hash", "normalize", "text_hash"]
