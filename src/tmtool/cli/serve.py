"""tmtool serve: the web editor over the memory (issue 19)."""

from __future__ import annotations

import click

from ..config import current_user
from .base import cli, open_tm
from .options import author_option, doc_option


@cli.command()
@doc_option("Open this document's grid [default: the list of documents].")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but a loopback address needs the access token.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--token", default=None,
              help="Access token [default: a random one when --host is not a loopback address].")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@author_option
@click.pass_context
def serve(ctx, doc_name, host, port, token, open_browser, author):
    """Review in the browser: a local web editor over the memory.

    Lists the documents with their progress and shows one as a grid (source, target, status,
    origin, TM match, scores, the memory's suggestion, history on demand). Accept, reject,
    edit or restore an earlier text with the keyboard (the keys are on the page); each
    decision is saved at once with its history, as in `tmtool review`, and a pair someone
    changed meanwhile is shown as a conflict, never overwritten.

    Listens on 127.0.0.1 only, unless --host says otherwise; then every request needs the
    token printed at start-up. Ctrl-C stops the server.

    \b
    Example:
        tmtool serve --open
        tmtool --tm postgresql://team@db/tm serve --host 0.0.0.0 --port 8080
    """
    from ..serve.server import run_server  # Flask is imported only here (`pip install tmtool[serve]`)

    with open_tm(ctx, create=False) as tm:
        run_server(
            tm, host=host, port=port, token=token, doc=doc_name, open_browser=open_browser,
            author=author or current_user(), echo=click.echo,
        )

