"""Finding a model: a local directory, the Hugging Face cache, or (when online) the hub.

huggingface_hub retries an unreachable hub for about a minute before giving up; a translator
offline deserves a one-line answer at once, so the cache is consulted first and the network is
probed with a short timeout before any download is attempted.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from ..errors import ModelError

# The files a Marian model needs; other repository files (TF/Flax weights, READMEs) are skipped.
MODEL_FILES = [
    "config.json",
    "generation_config.json",
    "*.spm",
    "vocab.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "model.safetensors",
    "pytorch_model.bin",
]


def is_local(model: str) -> bool:
    """Does ``model`` name a directory rather than a hub repository id (``owner/name``)?"""
    if Path(model).expanduser().exists():
        return True
    return model.startswith(("/", ".", "~")) or model.count("/") != 1


def offline_mode() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP probe of the hub endpoint (``HF_ENDPOINT`` or huggingface.co)."""
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def not_cached_message(model: str, why: str, option: str = "--model") -> str:
    """``option``: how the command takes a model folder instead (``--model``, or ``NAME``)."""
    given = "--model DIR" if option == "--model" else f"its folder as {option}"
    return (
        f"model {model!r} is not in the local Hugging Face cache and {why}; "
        f"pass {given} (a downloaded model folder), or run `tmtool model fetch {model}` "
        "on a connected machine and copy its ~/.cache/huggingface here "
        "(HF_HUB_OFFLINE=1 skips the network check)"
    )


def resolve(model: str, *, download: bool = True, option: str = "--model") -> Path:
    """The local directory holding ``model``, downloading it into the cache if allowed and online.
    ``option`` names how the command was given the model, for the messages."""
    if is_local(model):
        path = Path(model).expanduser()
        if not path.exists():
            raise ModelError(f"model directory {model} does not exist")
        if not path.is_dir():
            raise ModelError(f"{model} is a file; {option} takes a model directory or a hub id")
        if not (path / "config.json").is_file():
            raise ModelError(f"{model} is not a model directory (it has no config.json)")
        return path
    cached = cached_snapshot(model)
    if cached is not None:
        return cached
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model, allow_patterns=MODEL_FILES, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        pass
    if not download:
        raise ModelError(not_cached_message(model, "this command does not download", option))
    if offline_mode():
        raise ModelError(not_cached_message(model, "HF_HUB_OFFLINE is set", option))
    if not hub_reachable():
        raise ModelError(not_cached_message(model, "the hub cannot be reached", option))
    return fetch(model)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache, found as huggingface_hub finds it."""
    cache = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if cache:
        return Path(os.path.expandvars(cache)).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
    )
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def cached_snapshot(model: str) -> Path | None:
    """The cached snapshot of hub id ``model`` at ``main``, read straight from the cache layout.

    Importing huggingface_hub's download code costs a third of a second, more than the whole
    CTranslate2 start-up; a complete snapshot in the cache needs none of it.
    """
    repo = hub_cache_dir() / ("models--" + model.replace("/", "--"))
    try:
        commit = (repo / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    snapshot = repo / "snapshots" / commit
    return snapshot if commit and (snapshot / "config.json").is_file() else None


def fetch(model: str) -> Path:
    """Download ``model`` from the hub into the Hugging Face cache and return its directory.

    Offline, the answer is tmtool's own line, not the HTTP client's (``Got: ConnectError:
    [Errno -2] ...``, issue 14): whether the hub is reachable is asked first, with a short timeout.
    """
    from huggingface_hub import snapshot_download

    offline = offline_mode() or not hub_reachable()
    if offline and cached_snapshot(model) is not None:
        return cached_snapshot(model)
    if offline_mode():
        raise ModelError(f"cannot download {model!r}: HF_HUB_OFFLINE is set; unset it on a connected machine")
    if offline:
        raise ModelError(f"cannot download {model!r}: {_hub_host()} cannot be reached from this machine; run "
                         "`tmtool model fetch` on a connected machine and copy its ~/.cache/huggingface here, "
                         "or pass --model DIR (a downloaded model folder) to translate")
    try:
        return Path(snapshot_download(model, allow_patterns=MODEL_FILES))
    except Exception as e:  # the hub client raises many kinds; all mean "not downloaded"
        raise ModelError(f"cannot download {model!r}: {_reason(e)}") from None


def _hub_host() -> str:
    return urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "the hub"


def _reason(e: Exception) -> str:
    """Why a download failed, in a user's words where the hub client's kind of error says it."""
    kind = type(e).__name__
    if kind in ("RepositoryNotFoundError", "GatedRepoError"):
        return "the hub has no such model, or it needs a login (check the name)"
    if kind in ("RevisionNotFoundError", "EntryNotFoundError"):
        return "the hub has the model but not its files"
    text = str(e).strip()
    if "ConnectError" in text or "ConnectionError" in kind or "Timeout" in kind:
        return f"the connection to {_hub_host()} failed; try again on a connected machine"
    return text.splitlines()[0] if text else kind
