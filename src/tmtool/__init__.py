"""tmtool: a bilingual Indonesian-English translation memory with MarianMT.

The library does everything the command line does::

    from tmtool import SQLiteMemory, translate_document, get_translator, segment_text
    from tmtool import open_memory  # a SQLite path or a postgresql:// URL (issue 7)
    from tmtool import open_document, pretranslate  # XLIFF, SDLXLIFF, PO (issue 18)
    from tmtool import import_file, export  # tm import / tm export: TMX, TSV, JSONL, XLIFF, PO

Nothing imported here loads torch or transformers; a translator does when it is created.
"""

__version__ = "0.1.0"

from importlib import import_module

# Imported on first use (PEP 562), so that `tmtool --help` does not pay for the memory's,
# the pipeline's and the segmenter's imports (issue 8: start-up).
_EXPORTS = {
    "Document": ".records",
    "JobOptions": ".job",
    "Segment": ".records",
    "Segmenter": ".segment",
    "TmtoolError": ".errors",
    "TranslateResult": ".pipeline",
    "SQLiteMemory": ".memory",
    "TranslationUnit": ".records",
    "Translator": ".translate",
    "export": ".exchange",
    "get_translator": ".translate",
    "import_file": ".exchange",
    "open_memory": ".memory",
    "open_document": ".formats.catdoc",  # issue 18: XLIFF, SDLXLIFF, PO
    "pretranslate": ".pretranslate",
    "segment_text": ".segment",
    "translate_document": ".pipeline",
}
__all__ = [
    "Document", "JobOptions", "Segment", "Segmenter", "TmtoolError", "TranslateResult", "SQLiteMemory",
    "TranslationUnit", "Translator", "get_translator", "open_memory", "segment_text", "translate_document",
    "open_document", "pretranslate", "import_file", "export",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tmtool' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS})
