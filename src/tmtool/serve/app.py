"""The web editor's Flask application: pages to read, one POST route to decide (issue 19).

Flask because it is small, mature and kept up (Pallets), runs on the standard library's WSGI
server with nothing else to install, escapes every template value by default (Jinja2's
autoescape), and its test client lets the HTTP tests run without a socket. Only this package
imports it, and only when ``tmtool serve`` runs.

Every state change is a POST (GET never writes) carrying the CSRF token; see ``security.py``
for the guards. The memory is one connection, used by one request at a time (a lock), which
matches how ``review`` uses it: one transaction per decision.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, abort, g, jsonify, redirect, render_template, request
from markupsafe import Markup, escape

from ..errors import Conflict, NotFound, TmtoolError, UsageError
from . import grid
from .security import HEADERS, Guard, new_session, origin_ok

if TYPE_CHECKING:
    from ..memory import TranslationMemory

HERE = Path(__file__).parent
# Characters that reorder text (bidi embeddings, overrides, isolates, marks): shown as visible
# codes, so a segment cannot make itself read differently from what it holds.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str | None) -> Markup:
    """``text`` escaped, with each bidi control character shown as a labelled code."""
    escaped = str(escape(text or ""))  # escaping leaves these characters as they are
    return Markup(BIDI.sub(
        lambda m: f'<span class="ctl" title="invisible direction control">U+{ord(m.group()):04X}</span>', escaped
    ))


def create_app(tm: TranslationMemory, *, author: str | None = None, guard: Guard | None = None,
               page_size: int = grid.PAGE_SIZE) -> Flask:
    """The application over the open memory ``tm``; decisions are recorded as ``author``."""
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config.update(MAX_CONTENT_LENGTH=1 << 20, TEMPLATES_AUTO_RELOAD=False)
    app.jinja_env.filters["visible"] = visible
    app.jinja_env.globals.update(bands=grid.BANDS, statuses=grid.STATUSES, origins=(*grid.ORIGINS, "tm"))
    guard = guard or Guard()
    lock = threading.Lock()
    app.extensions["tmtool"] = {"tm": tm, "guard": guard}

    def cookie(name: str) -> str:
        # One server per port: its cookies must not be read by another on the same host.
        port = request.host.rsplit(":", 1)[-1] if ":" in request.host.split("]")[-1] else "80"
        return f"tmtool_{name}_{port}"

    @app.before_request
    def check_access():
        if not guard.host_allowed(request.host):
            abort(403, "this editor only answers on its loopback address")
        given = (request.args.get("token") or request.cookies.get(cookie("token"))
                 or request.headers.get("Authorization", "").removeprefix("Bearer ") or None)
        if not guard.token_ok(given):
            abort(403, "a valid token is needed: open the address tmtool serve printed")
        if request.args.get("token") and request.method == "GET":
            # Keep the token out of the address bar and history: a cookie from now on.
            args = {k: v for k, v in request.args.items() if k != "token"}
            response = redirect(request.path + ("?" + _urlencode(args) if args else ""), 303)
            response.set_cookie(cookie("token"), given, httponly=True, samesite="Strict")
            return response
        g.session = request.cookies.get(cookie("session"))
        if request.method == "POST":
            if not origin_ok(request.headers.get("Origin"), request.host_url):
                abort(403, "a write from another site is refused")
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf")
            if not guard.csrf_ok(g.session, sent):
                abort(403, "missing or wrong CSRF token: reload the page")
        elif not g.session:
            g.session, g.new_session = new_session(), True
        g.csrf = guard.csrf_for(g.session)
        return None

    @app.after_request
    def headers(response):
        response.headers.update(HEADERS)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if g.get("new_session"):
            response.set_cookie(cookie("session"), g.session, httponly=True, samesite="Strict")
        return response

    @app.errorhandler(TmtoolError)
    def tmtool_error(e: TmtoolError):
        code = 409 if isinstance(e, Conflict) else 404 if isinstance(e, NotFound) else 400
        if request.method == "POST":
            return jsonify(error=str(e)), code
        return render_template("error.html", message=str(e), code=code), code

    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    def http_error(e):
        if request.method == "POST":
            return jsonify(error=e.description), e.code
        return render_template("error.html", message=e.description, code=e.code), e.code

    @app.get("/")
    def index():
        with lock:
            docs = grid.documents(tm)
        return render_template("index.html", docs=docs, location=str(tm.path))

    @app.get("/doc")
    def document():
        name = request.args.get("name", "")
        filters = grid.Filters.parse(request.args)
        number = _int(request.args.get("page"), 1)
        with lock:
            page = grid.page(tm, name, filters, number, page_size)
        return render_template("doc.html", page=page, filters=filters, author=author)

    @app.get("/favicon.ico")
    def favicon():
        return "", 204  # no icon: saves a 404 in every browser's first request

    @app.get("/history")
    def history():
        tu_id = _int(request.args.get("tu"), 0)
        with lock:
            changes = tm.history(tu_id)
        return render_template("history.html", changes=changes, tu_id=tu_id)

    @app.post("/decide")
    def decide():
        name, index = request.form.get("name", ""), _int(request.form.get("seg"), -1)
        seen = grid.Seen.parse(request.form)
        with lock:
            if not tm.review_page(name, [index]):  # checked before anything is written
                raise NotFound(f"{name!r} has no segment #{index + 1}")
            try:
                unit, message = grid.decide(
                    tm, seen, request.form.get("action", ""), text=request.form.get("text", ""),
                    history_id=_int(request.form.get("history"), 0), author=author,
                )
            except Conflict as e:
                # Nothing was saved: show the pair as it is now, beside what this page tried.
                return jsonify(conflict=str(e), rows=_rows(grid.refreshed(tm, name, index, [seen.tu_id]))), 409
            rows = grid.refreshed(tm, name, index, {seen.tu_id, unit.id})
            counts = tm.status_counts(name)
        return jsonify(ok=True, message=message, tu=unit.id, rows=_rows(rows),
                       progress={s: counts.get(s, 0) for s in grid.STATUSES})

    def _rows(rows: list[grid.Row]) -> list[dict]:
        return [{"seg": r.index, "html": render_template("row.html", row=r)} for r in rows]

    return app


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        raise UsageError(f"not a number: {value!r}") from None


def _urlencode(args: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(args)
