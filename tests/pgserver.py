"""A PostgreSQL server for the tests (issue 7): an existing one, or a throwaway cluster.

:class:`Cluster` runs ``initdb`` and ``postgres`` from the installed PostgreSQL binaries (Debian's
``postgresql`` package: ``/usr/lib/postgresql/*/bin``) in a temporary folder, listening on
127.0.0.1 at a free port, with durability off (it only lives for one test session). As root it
runs them as the ``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote


class Unavailable(Exception):
    """No PostgreSQL server could be found or started."""


def find_bindir() -> Path:
    """Where initdb and postgres are: $TMTOOL_PG_BINDIR, Debian's layout, or the PATH."""
    candidates = [os.environ.get("TMTOOL_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "postgres").is_file():
            return Path(c)
    raise Unavailable("no initdb found (apt-get install postgresql, or set TMTOOL_PG_BINDIR)")


def _version(path: str) -> int:
    digits = "".join(ch for ch in Path(path).parent.name if ch.isdigit())
    return int(digits or 0)


class Cluster:
    """A throwaway cluster; :meth:`start` returns the URL of its ``postgres`` database."""

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        self.dir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.as_root = os.geteuid() == 0
        self.owner: dict = {}
        self.port = 0
        self.url = ""
        self.log = None

    def start(self, timeout: float = 60.0) -> str:
        self.dir = Path(tempfile.mkdtemp(prefix="tmtool-pg-"))
        self.owner = {}
        if self.as_root:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root, and there is no postgres user to run the server as") from None
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.owner = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        self._initdb(self.dir / "data", self.owner)
        self.port = _free_port()
        self.log = open(self.dir / "server.log", "ab")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._launch(timeout)
        return self.url

    def _launch(self, timeout: float) -> None:
        self.proc = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(self.dir / "data"), "-p", str(self.port), "-k", str(self.dir),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=60"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, **self.owner,
        )
        self._wait(self.url, timeout)

    def shutdown(self) -> None:
        """Stop the server as ``pg_ctl stop -m fast`` does (SIGINT): open sessions are ended,
        committed transactions are kept; the data directory stays for :meth:`restart`."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self, timeout: float = 60.0) -> None:
        """``pg_ctl restart``: a fast shutdown, then the same server on the same port."""
        self.shutdown()
        self._launch(timeout)

    def _initdb(self, data: Path, owner: dict) -> None:
        cmd = [str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
               "-E", "UTF8", "--no-sync"]
        wrap = self._devnull_workaround()
        last = ""
        for locale in ("C.UTF-8", "C"):  # a UTF-8 locale, so regex classes know non-ASCII letters
            shutil.rmtree(data, ignore_errors=True)
            args = [*wrap, *cmd, f"--locale={locale}"] if wrap else [*cmd, f"--locale={locale}"]
            r = subprocess.run(args, capture_output=True, text=True, **({} if wrap else owner))
            if r.returncode == 0:
                return
            last = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["initdb failed"]
            last = last[0]
        raise Unavailable(f"initdb failed: {last}")

    def _devnull_workaround(self) -> list[str]:
        # Some containers have a plain file at /dev/null, which initdb (as the postgres user)
        # cannot write to. As root, give initdb a real null device in a private mount namespace;
        # the machine's /dev/null is left as it is.
        if stat.S_ISCHR(os.stat("/dev/null").st_mode) or not self.as_root or not shutil.which("unshare"):
            return []
        node = self.dir / "null"
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(node, 0o666)
        return ["unshare", "-m", "sh", "-c", f'mount --bind "{node}" /dev/null && exec runuser -u postgres -- "$@"',
                "sh"]

    def _wait(self, url: str, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise Unavailable(f"postgres exited: {self._log_tail()}")
            try:
                psycopg.connect(url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise Unavailable(f"postgres did not start within {timeout:.0f} s: {self._log_tail()}") from None
                time.sleep(0.2)

    def _log_tail(self) -> str:
        try:
            lines = (self.dir / "server.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def stop(self) -> None:
        """Shut the server down and remove its data directory."""
        self.shutdown()
        if self.log is not None:
            self.log.close()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_of(params: dict) -> str:
    """A ``postgresql://`` URL (what tmtool's --tm takes) for libpq connection parameters."""
    params = dict(params)
    user = quote(params.pop("user", ""), safe="")
    password = params.pop("password", None)
    host = params.pop("host", "")
    port = params.pop("port", "")
    dbname = quote(params.pop("dbname", ""), safe="")
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    netloc = f"{host}:{port}" if port else host
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return f"postgresql://{auth}{netloc}/{dbname}" + (f"?{query}" if query else "")


def create_database(server_url: str, name: str) -> str:
    """A new, empty database on the server; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    params = psycopg.conninfo.conninfo_to_dict(server_url)
    params["dbname"] = name
    return url_of(params)


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def schema_url(db_url: str, schema: str) -> str:
    """The URL of a memory in ``schema`` of the database (its own tables, as a fresh memory)."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in db_url else "?"
    return f"{db_url}{sep}options={quote(f'-csearch_path={schema}', safe='')}"
