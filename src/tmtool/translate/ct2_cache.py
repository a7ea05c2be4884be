"""Where converted CTranslate2 models live, and how a model's copy is named.

A converted copy sits in ``<cache>/ct2/<name>-<hash>-<compute type>``: the hash covers the
contents of the model's files and the CTranslate2 version, so a changed model or library gets a
fresh conversion and an unchanged one is never converted twice. Hashing 300 MB of weights at
every start would cost a second, so each file's digest is remembered against its size and
modification time. Nothing here imports ctranslate2: ``tmtool model info`` lists copies cheaply.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .. import atomicfile
from .spm import TOKENIZER_FILES

CACHE_ENV = "TMTOOL_CACHE"
MANIFEST = "tmtool.json"
# What defines a Marian model's behaviour; other files in its folder (READMEs, TF weights) do not.
_MODEL_FILES = ("config.json", "generation_config.json", *TOKENIZER_FILES)
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")  # the first present is the one loaded


def cache_root() -> Path:
    """``$TMTOOL_CACHE``, else ``$XDG_CACHE_HOME/tmtool``, else ``~/.cache/tmtool``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tmtool"


def ct2_root() -> Path:
    return cache_root() / "ct2"


def model_files(model_dir: Path) -> list[Path]:
    """The files of ``model_dir`` that decide its translations."""
    files = [model_dir / n for n in _MODEL_FILES if (model_dir / n).is_file()]
    weights = next((model_dir / n for n in _WEIGHTS if (model_dir / n).is_file()), None)
    return files + ([weights] if weights else [])


def copy_dir(model: str, model_dir: Path, compute_type: str, ct2_version: str) -> Path:
    """The directory the converted copy of ``model_dir`` at ``compute_type`` has (or will have)."""
    digest = hashlib.sha256(f"ctranslate2 {ct2_version}\n".encode())
    for f in model_files(model_dir):
        digest.update(f"{f.name} {file_digest(f)}\n".encode())
    return ct2_root() / f"{model_slug(model)}-{digest.hexdigest()[:16]}-{compute_type}"


def model_slug(model: str) -> str:
    """A file-name-safe short name for ``model`` (a hub id or a folder): its last part."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(model.rstrip("/")).name or "model").strip("-.")
    return name or "model"


def file_digest(path: Path) -> str:
    """SHA-256 of ``path``'s contents, remembered by (real path, size, mtime) between runs."""
    real = path.resolve()
    st = real.stat()
    stamp = [st.st_size, st.st_mtime_ns]
    index_path = cache_root() / "file-digests.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    entry = index.get(str(real))
    if isinstance(entry, list) and entry[:2] == stamp:
        return entry[2]
    h = hashlib.sha256()
    with open(real, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    index[str(real)] = [*stamp, h.hexdigest()]
    _write_json_atomic(index_path, index)
    return h.hexdigest()


@dataclass(frozen=True)
class ConvertedModel:
    """One converted copy in the cache, as its manifest describes it."""

    path: Path
    model: str
    source_path: str
    compute_type: str
    size_bytes: int
    manifest: dict

    @property
    def sources(self) -> list[tuple[str, str]]:
        """``(model, folder)`` of every model folder known to use this copy: the one it was
        converted from, and others with the same name and content that found it converted."""
        more = [tuple(s) for s in self.manifest.get("sources", []) if isinstance(s, list) and len(s) == 2]
        return list(dict.fromkeys([(self.model, self.source_path), *more]))


def add_source(copy: Path, model: str, source: Path) -> None:
    """Record that ``model`` (folder ``source``) uses the converted ``copy`` too, so that
    ``model prune`` keeps it while any of its folders is there (issue 20)."""
    manifest = read_manifest(copy)
    if manifest is None:
        return
    entry = [model, str(source.absolute())]
    known = [[manifest.get("model"), manifest.get("source_path")], *manifest.get("sources", [])]
    if entry in known:
        return
    manifest["sources"] = [*manifest.get("sources", []), entry]
    try:
        write_atomic(copy / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    except OSError:
        pass  # a read-only cache: prune then only knows the first folder, as before


def copies_of(model: str, model_dir: Path, ct2_version: str | None) -> list[ConvertedModel]:
    """The converted copies that loading ``model`` from ``model_dir`` would use: by content
    (the copy's name is a hash of the model's files), whatever folder or link converted it."""
    real = str(model_dir.resolve())
    found = []
    for c in converted_models():
        if ct2_version is not None:
            mine = c.path == copy_dir(model, model_dir, c.compute_type, ct2_version)
        else:  # without CTranslate2 no copy can load; say which were made from this folder
            mine = any(m == model or str(Path(p).resolve()) == real for m, p in c.sources)
        if mine:
            found.append(c)
    return found


def read_manifest(path: Path) -> dict | None:
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def converted_models(model: str | None = None) -> list[ConvertedModel]:
    """The converted copies in the cache, all of them or those made from ``model``."""
    root = ct2_root()
    if not root.is_dir():
        return []
    found = []
    for d in sorted(root.iterdir()):
        manifest = read_manifest(d) if d.is_dir() and not d.name.startswith(".") else None
        if manifest is None or (model is not None and manifest.get("model") != model):
            continue
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        found.append(
            ConvertedModel(d, manifest.get("model", "?"), manifest.get("source_path", "?"),
                           manifest.get("compute_type", "?"), size, manifest)
        )
    return found


@dataclass(frozen=True)
class Stale:
    """A folder in the cache that nothing will load again, and why."""

    path: Path
    reason: str
    size_bytes: int


def stale_entries(ct2_version: str | None) -> list[Stale]:
    """Converted copies that would not be loaded again (their model folder is gone or changed,
    or another CTranslate2 version made them), shortlist folders whose copy is gone, and the
    remains of interrupted conversions."""
    found = []
    root = ct2_root()
    for copy in converted_models():
        made_with = copy.manifest.get("ctranslate2")
        if ct2_version is not None and made_with != ct2_version:
            found.append(Stale(copy.path, f"made by CTranslate2 {made_with}, this is {ct2_version}",
                               copy.size_bytes))
            continue
        # Stale only when no folder that uses it is still there, unchanged (issue 20: two
        # folders of the same name and content share one copy).
        reasons = []
        for model, folder in copy.sources:
            source = Path(folder)
            if not (source / "config.json").is_file():
                reasons.append(f"its model folder {source} is gone")
            elif ct2_version is not None and copy_dir(model, source, copy.compute_type, ct2_version) != copy.path:
                reasons.append(f"{model} has changed since")
            else:
                break
        else:
            found.append(Stale(copy.path, "; ".join(reasons), copy.size_bytes))
    views = cache_root() / "ct2-shortlist"
    for view in sorted(views.iterdir()) if views.is_dir() else []:
        if view.is_dir() and not view.name.startswith(".") and not (view / "model.bin").exists():
            found.append(Stale(view, "its converted copy is gone", _size(view)))
    for parent in (root, views):
        for leftover in sorted(parent.glob(".*-*")) if parent.is_dir() else []:
            # A younger one may be a conversion running now in another process.
            if leftover.is_dir() and time.time() - leftover.stat().st_mtime > 3600:
                found.append(Stale(leftover, "left by an interrupted conversion", _size(leftover)))
    return found


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def shortlist_view(copy: Path, vmap: Path) -> tuple[Path, str]:
    """A folder that is the converted ``copy`` plus ``vmap`` as its ``vmap.txt``, and the
    shortlist's SHA-256.

    CTranslate2 reads a vocabulary map only from the model's own folder, at every load, whether
    it is used or not; so the plain copy stays without one, and each (copy, shortlist) gets a
    folder of links to the copy's files under ``<cache>/ct2-shortlist``, made once.
    """
    data = Path(vmap).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    root = cache_root() / "ct2-shortlist"
    target = root / f"{copy.name}-{digest[:16]}"
    if (target / "vmap.txt").is_file() and (target / "model.bin").exists():
        return target, digest
    root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    try:
        for f in copy.iterdir():
            if f.name != "vmap.txt":
                os.symlink(f.resolve(), building / f.name)
        (building / "vmap.txt").write_bytes(data)
        building.chmod(0o755)
        if target.exists():  # a stale view (its copy was converted again): replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(building, target)
        except OSError:
            if not (target / "vmap.txt").is_file():  # not a concurrent build that won
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target, digest


def write_manifest(path: Path, manifest: dict) -> None:
    (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (its folder created) through :mod:`tmtool.atomicfile`. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomicfile.write_atomic(path, text, newline=None)


def _write_json_atomic(path: Path, data) -> None:
    try:
        write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
    except OSError:
        # A read-only cache only costs a re-hash next time.
        pass
