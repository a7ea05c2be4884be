"""The web editor's guards, kept apart from its pages so they can be read (and tested) alone.

* Access: bound to a loopback address, only requests whose ``Host`` names a loopback address are
  served (a page elsewhere cannot reach the editor through DNS rebinding); bound to any other
  address, every request needs the token printed at start-up, given once as ``?token=`` (then a
  cookie) or as ``Authorization: Bearer``.
* Writes: each needs a CSRF token, the HMAC of the browser's session cookie under a secret of this
  server process, sent back in a header or a form field; another site can neither read it nor
  set the cookie (``SameSite=Strict``). A write with a foreign ``Origin`` is refused as well.
* Pages: a Content-Security-Policy that allows nothing but this server's own script and style
  (no inline script, no fonts or CDNs), no framing, no referrer, no caching of TM text.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def is_loopback(host: str) -> bool:
    """True for localhost and addresses of the loopback network (127.0.0.0/8, ::1)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random access token, short enough to type from the start-up line."""
    return secrets.token_urlsafe(18)


@dataclass
class Guard:
    """The secrets of one server process and the checks made with them."""

    token: str | None = None  # None: loopback only, no token asked
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def host_allowed(self, host_header: str) -> bool:
        """Without a token, only a loopback ``Host`` (name or address, any port)."""
        if self.token is not None:
            return True
        host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return is_loopback(host)

    def token_ok(self, given: str | None) -> bool:
        return self.token is None or (given is not None and hmac.compare_digest(given, self.token))

    def csrf_for(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: str | None, given: str | None) -> bool:
        if not session or not given:
            return False
        return hmac.compare_digest(self.csrf_for(session), given)


def new_session() -> str:
    return secrets.token_urlsafe(24)


def origin_ok(origin: str | None, host_url: str) -> bool:
    """A write's ``Origin`` header, when the browser sends one, must be this server."""
    return origin is None or origin.rstrip("/") == host_url.rstrip("/")
