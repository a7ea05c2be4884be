"""The command line: parse arguments, call the library, print. No torch import at start-up.

The ``cli`` group and what the commands share are in ``cli/base.py``; each ``cli/*.py`` module
registers its commands on the group when imported here.
"""

from __future__ import annotations

from .base import (  # noqa: F401  (the entry point and the commands' shared helpers)
    CONTEXT, TmtoolGroup, cli, echo, open_tm, output_stream, terminal_width, tm_exists, write_output,
)

from . import align, model, pairs, report, review, score, segment, serve, tm, translate, glossary, qa  # noqa: E402,F401,I001  (they register on `cli`)
