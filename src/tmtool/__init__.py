"""tmtool: a bilingual Indonesian-English translation memory with MarianMT.

The library does everything the command line does::

    from tmtool import TranslationMemory, translate_document, get_translator, segment_text
    from tmtool import open_memory  # a SQLite path or a postgresql:// URL (issue 7)

Nothing imported here loads torch or transformers; a translator does when it is created.
"""

__version__ = "0.1.0"

from .errors import TmtoolError  # noqa: E402
from .memory import TranslationMemory, open_memory  # noqa: E402
from .pipeline import TranslateResult, translate_document  # noqa: E402
from .records import Document, Segment, TranslationUnit  # noqa: E402
from .segment import Segmenter, segment_text  # noqa: E402
from .translate import Translator, get_translator  # noqa: E402

__all__ = [
    "Document",
    "Segment",
    "Segmenter",
    "TmtoolError",
    "TranslateResult",
    "TranslationMemory",
    "TranslationUnit",
    "Translator",
    "get_translator",
    "open_memory",
    "segment_text",
    "translate_document",
]
