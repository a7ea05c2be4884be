"""Start the web editor: bind, print the address (and token), serve until Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..errors import BackendNotAvailable, TmtoolError
from .security import Guard, is_loopback, new_token

if TYPE_CHECKING:
    from ..memory import TranslationMemory


def make_server(tm: TranslationMemory, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                author: str | None = None):
    """A threaded WSGI server bound to ``host:port`` (not yet serving) with the editor's app.

    A host that is not a loopback address gets a token (``token`` or a random one): no one on
    the network reaches the memory without it.
    """
    try:
        from werkzeug.serving import make_server as werkzeug_server

        from .app import create_app
    except ImportError as e:
        raise BackendNotAvailable(
            f"tmtool serve needs Flask ({e.name} is missing): pip install 'tmtool[serve]'"
        ) from None
    if token is None and not is_loopback(host):
        token = new_token()
    app = create_app(tm, author=author, guard=Guard(token=token))
    _check_free(host, port)
    try:
        return werkzeug_server(host, port, app, threaded=True)
    except (OSError, SystemExit) as e:  # werkzeug prints its own hint and exits on a busy port
        raise TmtoolError(f"cannot listen on {host}:{port}: {getattr(e, 'strerror', None) or e}") from None


def _check_free(host: str, port: int) -> None:
    # Werkzeug answers a busy port with sys.exit: find out first, to say it in one line.
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise TmtoolError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    family, _, _, _, sockaddr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as e:
            hint = " (another program uses it: choose another --port)" if port else ""
            raise TmtoolError(f"cannot listen on {host}:{port}: {e.strerror or e}{hint}") from None


def address(server, *, doc: str | None = None, token: str | None = None) -> str:
    """The URL to open: the document's grid or the list, with the token if one is needed."""
    host = server.host if ":" not in server.host else f"[{server.host}]"
    if host in ("0.0.0.0", "[::]"):
        host = "127.0.0.1"  # a URL the serving machine itself can open
    query = {k: v for k, v in (("name", doc), ("token", token)) if v}
    path = "/doc" if doc else "/"
    return f"http://{host}:{server.port}{path}" + (f"?{urlencode(query)}" if query else "")


def run_server(tm: TranslationMemory, *, host: str, port: int, token: str | None, doc: str | None,
               open_browser: bool, author: str | None, echo: Callable[[str], None]) -> None:
    """Serve until interrupted; every decision is already saved when it answers."""
    if doc is not None:
        doc = tm.get_document(doc).name  # a wrong name fails here, not in the browser
    server = make_server(tm, host=host, port=port, token=token, author=author)
    guard = server.app.extensions["tmtool"]["guard"]
    url = address(server, doc=doc, token=guard.token)
    echo(f"tmtool serve: {tm.path} at {url}")
    if guard.token:
        echo(f"access token: {guard.token} (every request needs it; the link above carries it)")
    echo("Every decision is saved at once. Ctrl-C stops the server.")
    # Ctrl-C may come at once, before serve_forever (while the browser module loads): it stops
    # the server the same way, not with click's "Aborted!".
    try:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the terminal
        if open_browser:
            import webbrowser

            threading.Timer(0.3, webbrowser.open, (url,)).start()
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # as werkzeug's serve_forever ends on Ctrl-C: quietly, the decisions already saved
    finally:
        server.server_close()
