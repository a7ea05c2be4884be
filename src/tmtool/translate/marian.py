"""MarianMT through Hugging Face transformers: the only module that imports torch/transformers."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

# Spinning OpenMP workers steal the core another process needs and make two threads 10-30x
# slower than one on a busy 2-core machine (measured, issue 8); passive waiting avoids that.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer  # noqa: E402

from ..errors import ModelError, UsageError  # noqa: E402
from . import hub  # noqa: E402
from .base import (  # noqa: E402
    Translator, configured_max_length, default_batch_sentences, default_threads, derived_max_length,
)

# The library's own progress bars and advice would drown our one-line summary on stderr.
transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()
warnings.filterwarnings("ignore", module="transformers")
# MarianTokenizer advises sacremoses but never uses it for translating; by message too, in case a
# release warns with a stacklevel that names our module instead of transformers'.
warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")


class MarianTranslator(Translator):
    """A MarianMT model (a hub id or a local directory) run with ``generate``.

    ``beams=None`` keeps the model's own generation config (6 beams for opus-mt-id-en).
    Decoding is deterministic: no sampling, fixed seed, eval mode.
    """

    # Batches sized by tokens: on one core greedy throughput grows up to 32-64 sentences of 36
    # tokens, while with 6 beams 8 sentences (48 hypotheses) do best (docs/performance.md). The
    # default budget is BATCH_TOKENS / beams source tokens, padding included.
    BATCH_TOKENS = 2048
    default_batch_size = 64

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        beams: int | None = None,
        threads: int | None = None,
        compute_type: str | None = None,
        max_new_tokens: int | None = None,
        fixed_output_tokens: int | None = None,
        notify=None,  # the ct2 backend's conversion message; nothing to say here
    ):
        if compute_type not in (None, "auto", "float32"):
            raise UsageError(
                f"--compute-type {compute_type} needs the ct2 backend (--backend ct2); "
                "transformers runs float32"
            )
        self.threads = threads or default_threads()
        torch.set_num_threads(self.threads)
        path = hub.resolve(model)
        self.model_id = model
        self.device = _pick_device(device)
        self.beams = beams
        self.max_new_tokens = max_new_tokens
        # Benchmarks: exactly this many decoding steps, so every engine does the same work.
        self.fixed_output_tokens = fixed_output_tokens
        self.tokenizer, self.model = _load(path, model)
        self.model.to(self.device)
        self.model.eval()
        limit = getattr(self.model.config, "max_position_embeddings", None) or 512
        tok_limit = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tok_limit, int) and 0 < tok_limit < limit:
            limit = tok_limit
        self.max_source_tokens = limit
        beams_used = beams or getattr(self.model.generation_config, "num_beams", None) or 1
        # A model that sets no output limit gets one from each batch's source length, not
        # transformers' 20 (issue 14); one that sets a limit keeps it.
        self.model_max_length = configured_max_length(Path(path))
        self.forced_eos = self.model.generation_config.forced_eos_token_id is not None
        self.default_max_batch_tokens = max(1, self.BATCH_TOKENS // beams_used)
        self.default_batch_size = default_batch_sentences(self.default_batch_size, beams_used)

    def count_tokens(self, texts):
        ids = self.tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]
        return [len(x) for x in ids]

    def translate_batch(self, texts: list[str]) -> list[str]:
        return [t for t, _ in self.translate_batch_checked(texts)]

    def translate_batch_checked(self, texts: list[str]) -> list[tuple[str, int | None]]:
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False).to(self.device)
        # max_length counts the decoder start token, as the model's generation config does.
        max_length = self.model_max_length or derived_max_length(enc["input_ids"].shape[1], self.max_source_tokens)
        options: dict = {"do_sample": False, "max_length": max_length}
        if self.beams is not None:
            options["num_beams"] = self.beams
        if self.max_new_tokens is not None:
            max_length = min(max_length, self.max_new_tokens + 1)
            options["max_length"] = max_length
        if self.fixed_output_tokens is not None:
            max_length = self.fixed_output_tokens + 1
            del options["max_length"]  # (max_new_tokens says the same)
            options["min_new_tokens"] = options["max_new_tokens"] = self.fixed_output_tokens
        try:
            with torch.inference_mode():
                out = self.model.generate(**enc, **options)
        except torch.OutOfMemoryError:
            raise ModelError(f"out of memory on {self.device}; try a smaller --batch-size") from None
        texts_out = self.tokenizer.batch_decode(out, skip_special_tokens=True)
        return [(t, max_length - 1 if self._hit_limit(row, max_length) else None) for t, row in zip(texts_out, out)]

    def _hit_limit(self, row, max_length: int) -> bool:
        """Whether a generated sequence used all ``max_length`` positions without ending first.

        With ``forced_eos_token_id`` (opus-mt models) transformers puts </s> on the last
        position itself, so a sequence whose first </s> is there ran into the limit.
        """
        eos = (row == self.model.generation_config.eos_token_id).nonzero()
        if len(eos) == 0:
            return True
        end = int(eos[0][0])
        return self.forced_eos and end == max_length - 1


def _pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda was asked for but no CUDA GPU is available to torch")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ModelError(f"unknown device {device!r}; use auto, cpu or cuda") from None


def _load(path, model: str):
    try:
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as e:
        raise ModelError(f"{model}: cannot read the model config ({_first_line(e)})") from None
    if config.model_type != "marian":
        raise ModelError(f"{model} is a {config.model_type!r} model, not MarianMT")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        mt = AutoModelForSeq2SeqLM.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError, RuntimeError, ImportError) as e:
        raise ModelError(f"{model}: cannot load the model ({_first_line(e)})") from None
    return tokenizer, mt


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
