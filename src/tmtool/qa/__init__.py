"""Quality checks of translated pairs (issue 17): numbers, tags, terminology, untranslated
text, consistency and the rest of what Okapi CheckMate checks, fitted to Indonesian -> English.

:func:`~tmtool.qa.run.qa_document` checks a document and stores its findings;
:func:`~tmtool.qa.run.qa_memory` checks a whole memory. The checks of one pair are in
:mod:`tmtool.qa.checks`, numbers in :mod:`tmtool.qa.numbers`, term recognition (PySastrawi,
simplemma) in :mod:`tmtool.qa.terms`.
"""

from __future__ import annotations

from ..memory.records import Finding
from .checks import ALL_CHECKS, CHECKS, PairText
from .run import QaResult, TermChecker, check_pair, qa_document, qa_memory

__all__ = ["ALL_CHECKS", "CHECKS", "Finding", "PairText", "QaResult", "TermChecker", "check_pair",
           "qa_document", "qa_memory"]
