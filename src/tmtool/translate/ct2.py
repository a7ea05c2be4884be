"""MarianMT through CTranslate2: the only module that imports ctranslate2.

A Marian model (hub id or directory) is converted once into tmtool's cache (see
:mod:`.ct2_cache`) and then loaded from there. Tokenizing needs only sentencepiece
(:mod:`.spm`), so translating never imports torch or transformers; only the one-time conversion
does, through CTranslate2's own converter. On one CPU core int8 runs about 3.5x faster than
transformers' float32 at a third of its memory (issue 8; docs/performance.md).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

# Spinning OpenMP workers steal the core another process needs (issue 8); see marian.py.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ctranslate2  # noqa: E402

from ..errors import ModelError, UsageError  # noqa: E402
from . import ct2_cache, hub  # noqa: E402
from .base import (  # noqa: E402
    TRANSFORMERS_DEFAULT_MAX_LENGTH, Translator, configured_max_length, default_batch_sentences, default_threads,
    derived_max_length,
)
from .spm import TOKENIZER_FILES, SpmTokenizer  # noqa: E402

#: The target end-of-sentence token of a Marian vocabulary, as CTranslate2 returns it.
END_TOKEN = "</s>"

#: What ``--compute-type`` accepts; ``auto`` is the fastest the device supports.
COMPUTE_TYPES = ("auto", "int8", "int8_float32", "int8_float16", "float16", "bfloat16", "float32")


def pick_device(device: str) -> str:
    if device not in ("auto", "cpu", "cuda"):
        raise ModelError(f"unknown device {device!r}; use auto, cpu or cuda")
    gpus = ctranslate2.get_cuda_device_count()
    if device == "cuda" and gpus == 0:
        raise ModelError("--device cuda was asked for but CTranslate2 sees no CUDA GPU")
    if device == "auto":
        return "cuda" if gpus else "cpu"
    return device


def pick_compute_type(compute_type: str, device: str) -> str:
    """``compute_type`` made concrete for ``device``: ``auto`` is int8 on a CPU, int8/float16 on a GPU."""
    supported = ctranslate2.get_supported_compute_types(device)
    if compute_type == "auto":
        preferred = ("int8",) if device == "cpu" else ("int8_float16", "float16")
        return next((t for t in preferred if t in supported), "float32")
    if compute_type not in COMPUTE_TYPES:
        raise UsageError(f"unknown compute type {compute_type!r}; choose from {', '.join(COMPUTE_TYPES)}")
    if compute_type not in supported:
        raise ModelError(
            f"compute type {compute_type} is not supported on this {device}; "
            f"it supports {', '.join(sorted(supported))}"
        )
    return compute_type


def convert_model(
    model: str,
    compute_type: str = "auto",
    *,
    device: str = "cpu",
    force: bool = False,
    notify: Callable[[str], None] | None = None,
    option: str = "--model",
) -> Path:
    """The converted copy of ``model`` at ``compute_type``, converting it first if needed.

    ``notify`` is told before a conversion starts (it takes seconds and loads transformers).
    Conversion works offline from a local directory or the Hugging Face cache. ``option`` is
    how the command took the model, for messages.
    """
    if is_converted(Path(model)):
        # Already a converted copy (a Ray worker's, shipped to it by the driver: issue 16).
        return Path(model)
    source = hub.resolve(model, option=option)
    compute_type = pick_compute_type(compute_type, pick_device(device))
    target = ct2_cache.copy_dir(model, source, compute_type, ctranslate2.__version__)
    if ct2_cache.read_manifest(target) is not None and not force:
        ct2_cache.add_source(target, model, source)  # maybe another folder with this content
        return target
    manifest = _manifest(model, source, compute_type)
    if notify:
        notify(f"converting {model} for CTranslate2 ({compute_type}) into {target}; this happens once")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _convert(source, building, compute_type)
        for name in (*TOKENIZER_FILES, "generation_config.json"):
            if (source / name).is_file():
                shutil.copyfile(source / name, building / name)
        ct2_cache.write_manifest(building, manifest)
        building.chmod(0o755)  # mkdtemp makes it private; the cache is not
        if force and target.exists():
            shutil.rmtree(target)
        try:
            os.rename(building, target)
        except OSError:
            if ct2_cache.read_manifest(target) is None:  # not a concurrent conversion that won
                raise
            ct2_cache.add_source(target, model, source)
    except OSError as e:
        raise ModelError(f"cannot write the converted model to {target.parent}: {e.strerror or e}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def is_converted(path: Path) -> bool:
    """Whether ``path`` is a converted copy tmtool made (its manifest and CTranslate2 weights)."""
    return path.is_dir() and (path / "model.bin").is_file() and ct2_cache.read_manifest(path) is not None


class CT2Translator(Translator):
    """A Marian model run by CTranslate2, converted on first use.

    ``beams=None`` keeps the model's own generation config (6 beams for opus-mt-id-en), as the
    transformers backend does; so do the output length limit and length penalty. With
    ``compute_type="float32"`` the translations are the transformers backend's.
    """

    # Batches are sized by tokens. On the opus-mt shape, one core, int8: greedy throughput is
    # flat from about 55 sentences of 37 tokens (0.32 GB) while memory keeps growing (113: 0.55
    # GB). With 6 beams the working memory grows with sentences x beams: batches of 585 source
    # tokens peaked at 0.37 GB, 400 at 0.32, 340 at 0.28, for 6.5, 6.2-6.3 and 6.3 sentences/s.
    # A budget of BATCH_TOKENS / beams source tokens, padding included, as in the transformers
    # backend, keeps beams within the memory greedy decoding uses: 2048 greedy, 341 with 6 beams
    # (docs/performance.md).
    BATCH_TOKENS = 2048
    default_batch_size = 128

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        beams: int | None = None,
        threads: int | None = None,
        compute_type: str | None = "auto",
        max_new_tokens: int | None = None,
        fixed_output_tokens: int | None = None,
        shortlist: str | Path | None = None,
        notify: Callable[[str], None] | None = None,
    ):
        self.model_id = model
        self.device = pick_device(device)
        self.compute_type = pick_compute_type(compute_type or "auto", self.device)
        path = convert_model(model, self.compute_type, device=self.device, notify=notify)
        self.path = path
        settings = ct2_cache.read_manifest(path) or {}
        self.threads = threads or default_threads()
        self.tokenizer = SpmTokenizer(path)
        self.shortlist = None
        load_from = path
        if shortlist is not None:
            from .shortlist import check_file, check_vocabulary, require_shared_vocabulary

            require_shared_vocabulary(self.tokenizer, model)
            self.shortlist = check_file(Path(shortlist))
            check_vocabulary(self.shortlist, self.tokenizer.vocab, model)
            try:
                load_from, digest = ct2_cache.shortlist_view(path, self.shortlist)
            except OSError as e:
                raise ModelError(f"cannot prepare the shortlist in {ct2_cache.cache_root()}: "
                                 f"{e.strerror or e}") from None
            # Translations made with a restricted vocabulary say so in their provenance.
            self.model_id = f"{model}+shortlist:{digest[:12]}"
        try:
            self.engine = ctranslate2.Translator(
                str(load_from), device=self.device, compute_type=self.compute_type,
                intra_threads=self.threads, inter_threads=1,
            )
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelError(f"{model}: CTranslate2 cannot load {path} ({_first_line(e)})") from None
        self.max_source_tokens = settings.get("max_source_tokens") or 512
        self.beams = beams or settings.get("num_beams") or 1
        self.default_max_batch_tokens = max(1, self.BATCH_TOKENS // self.beams)
        self.default_batch_size = default_batch_sentences(self.default_batch_size, self.beams)
        # The model's own output limit; None where its configs set none: each batch then gets
        # one from its source length (issue 14). Copies converted before that decision stored
        # transformers' default of 20 for such a model: it cannot be told from a real 20.
        self.model_max_length = settings.get("max_length")
        if "max_length_set" not in settings and self.model_max_length == TRANSFORMERS_DEFAULT_MAX_LENGTH:
            self.model_max_length = None
        self.forced_eos = bool(settings.get("forced_eos"))
        self.max_new_tokens = max_new_tokens
        self.fixed_output_tokens = fixed_output_tokens
        self.options = {
            "beam_size": self.beams,
            # (set for each batch by _steps)
            "min_decoding_length": fixed_output_tokens or 0,
            "length_penalty": settings.get("length_penalty", 1.0),
            "repetition_penalty": settings.get("repetition_penalty", 1.0),
            "no_repeat_ngram_size": settings.get("no_repeat_ngram_size", 0),
        }
        if settings.get("suppress_sequences"):
            self.options["suppress_sequences"] = settings["suppress_sequences"]
        if self.shortlist is not None:
            self.options["use_vmap"] = True
            # One ordinary source token: a full-vocabulary step on it resets the output layer.
            self._reset_input = [self.tokenizer.encode(".")[0]]

    def count_tokens(self, texts):
        return self.tokenizer.count(texts)

    def translate_batch(self, texts: list[str]) -> list[str]:
        return [t for t, _ in self.translate_batch_checked(texts)]

    def translate_batch_checked(self, texts: list[str]) -> list[tuple[str, int | None]]:
        tokens = [self.tokenizer.encode(t) for t in texts]
        try:
            if self.shortlist is not None:
                # CTranslate2 4.x restricts the output layer to each batch's candidates but keeps
                # the previous batch's word-id map (it adds to it rather than replacing it), so a
                # second batch with fewer candidates reads ids past its end ("vector::
                # _M_range_check"), or worse, the wrong rows. One decoding step without the
                # shortlist clears the map; it costs about 10 ms against a batch's seconds.
                self.engine.translate_batch([self._reset_input], beam_size=1, max_decoding_length=1)
            steps, limit = self._steps(max(map(len, tokens), default=1))
            results = self.engine.translate_batch(
                tokens, **self.options, max_decoding_length=steps, return_end_token=True
            )
        except (RuntimeError, ValueError) as e:
            raise ModelError(f"CTranslate2 failed on a batch ({_first_line(e)}); try a smaller --batch-size") from None
        out = []
        for r in results:
            hyp = r.hypotheses[0]
            ended = bool(hyp) and hyp[-1] == END_TOKEN
            out.append((self.tokenizer.decode(hyp[:-1] if ended else hyp), None if ended else limit))
        return out

    def _steps(self, source_tokens: int) -> tuple[int, int]:
        """CTranslate2's ``max_decoding_length`` for a batch whose longest source has
        ``source_tokens`` tokens, and the output limit it stands for as transformers counts it
        (``max_length`` less the decoder start token; </s> included).

        transformers' max_length includes the decoder start token; with forced_eos_token_id its
        last step is spent on a forced </s>, which CTranslate2 leaves out when it stops at its
        limit: one step less gives the same text.
        """
        max_length = self.model_max_length or derived_max_length(source_tokens, self.max_source_tokens)
        if self.max_new_tokens:
            max_length = min(max_length, self.max_new_tokens + 1)
        if self.fixed_output_tokens:  # benchmarks: exactly this many decoding steps in every engine
            return self.fixed_output_tokens, self.fixed_output_tokens
        steps = max(1, max_length - 1)
        if self.forced_eos and steps > 1:
            steps -= 1
        return steps, max_length - 1


def _manifest(model: str, source: Path, compute_type: str) -> dict:
    """The settings the converted copy runs with, read from the original model's configs."""
    try:
        config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"{model}: cannot read the model config ({_first_line(e)})") from None
    config = config if isinstance(config, dict) else {}
    if config.get("model_type") != "marian":
        raise ModelError(f"{model} is a {config.get('model_type')!r} model, not MarianMT")
    generation = _json(source / "generation_config.json") if (source / "generation_config.json").is_file() else {}
    tok_config = _json(source / "tokenizer_config.json") if (source / "tokenizer_config.json").is_file() else {}
    limit = config.get("max_position_embeddings") or 512
    tok_limit = tok_config.get("model_max_length")
    if isinstance(tok_limit, int) and 0 < tok_limit < limit:
        limit = tok_limit

    def setting(key, default):
        return generation.get(key, config.get(key, default))

    return {
        "model": model,
        "source_path": str(source.absolute()),
        "compute_type": compute_type,
        "ctranslate2": ctranslate2.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "max_source_tokens": limit,
        # transformers' defaults where the model's configs are silent.
        "num_beams": setting("num_beams", 1),
        # None: the model sets no output limit (each batch gets one from its sources).
        "max_length": configured_max_length(source),
        "max_length_set": True,  # max_length above follows issue 14 (not transformers' 20)
        "forced_eos": setting("forced_eos_token_id", None) is not None,
        "length_penalty": setting("length_penalty", 1.0),
        "repetition_penalty": setting("repetition_penalty", 1.0),
        "no_repeat_ngram_size": setting("no_repeat_ngram_size", 0),
        "suppress_sequences": _token_sequences(source, setting("bad_words_ids", None) or []),
    }


def _token_sequences(source: Path, id_sequences: list[list[int]]) -> list[list[str]]:
    """``bad_words_ids`` as the token strings CTranslate2 takes."""
    if not id_sequences:
        return []
    tokens = {i: t for t, i in _json(source / "vocab.json").items()}
    return [[tokens[i] for i in seq] for seq in id_sequences if all(i in tokens for i in seq)]


def _convert(source: Path, out: Path, compute_type: str) -> None:
    from ctranslate2.converters import transformers as hf

    # Conversion needs torch and transformers; importing the transformers backend loads them
    # with their progress bars and advice silenced.
    from . import marian  # noqa: F401

    class MarianFromPadLoader(hf.MarianMTLoader):
        """Start the decoder from <pad>'s embedding, as transformers does.

        CTranslate2's own Marian loader drops <pad> and starts from a zero vector, which is the
        same only while <pad>'s embedding is zero: true of the models Marian itself trained, not
        of one trained or fine-tuned with transformers 5 (our tiny test model). <pad> is then
        kept out of the output the way transformers keeps it out: by the model's bad_words_ids.
        """

        def get_model_spec(self, model):
            model.config.normalize_before = False
            model.config.normalize_embedding = False
            return hf.BartLoader.get_model_spec(self, model)

        def set_config(self, config, model, tokenizer):
            super().set_config(config, model, tokenizer)
            config.decoder_start_token = tokenizer.convert_ids_to_tokens(model.config.decoder_start_token_id)

        def set_decoder(self, spec, decoder):
            hf.BartLoader.set_decoder(self, spec, decoder)

        def get_vocabulary(self, model, tokenizer):
            return hf.BartLoader.get_vocabulary(self, model, tokenizer)

    original = hf._MODEL_LOADERS.get("MarianConfig")
    hf._MODEL_LOADERS["MarianConfig"] = MarianFromPadLoader()
    try:
        hf.TransformersConverter(str(source), low_cpu_mem_usage=True).convert(
            str(out), quantization=compute_type, force=True
        )
    except (OSError, ValueError, RuntimeError, NotImplementedError, KeyError) as e:
        raise ModelError(f"cannot convert {source} for CTranslate2 ({_first_line(e)})") from None
    finally:
        hf._MODEL_LOADERS["MarianConfig"] = original


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot read {path}: {e}") from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
