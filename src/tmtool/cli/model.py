"""tmtool model fetch|info."""

from __future__ import annotations

import json

import click

from ..config import default_model
from . import cli


@cli.group()
def model():
    """Download and inspect translation models."""


@model.command()
@click.argument("name", required=False)
def fetch(name):
    """Download model NAME from the Hugging Face hub into its local cache.

    Run it on a connected machine; then `tmtool translate` works offline (copy
    ~/.cache/huggingface to a machine without network, or pass --model DIR).

    \b
    Example:
        tmtool model fetch Helsinki-NLP/opus-mt-id-en
    """
    from ..translate import hub

    name = name or default_model()
    path = hub.fetch(name)
    click.echo(f"{name}: cached in {path}")


@model.command()
@click.argument("name", required=False)
@click.option(
    "--compute-type", type=click.Choice(["auto", "int8", "int8_float32", "float32"]), default="auto",
    show_default=True, help="Weights and arithmetic of the copy (auto: int8 on a CPU).",
)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu", show_default=True,
              help="The device auto picks a compute type for.")
@click.option("--force", is_flag=True, help="Convert again even if a copy exists.")
def convert(name, compute_type, device, force):
    """Convert model NAME (a hub id or directory) for the ct2 backend (CTranslate2).

    The copy goes to tmtool's cache ($TMTOOL_CACHE, default ~/.cache/tmtool/ct2), named by a
    hash of the model's files, the compute type and the CTranslate2 version, so it is made once;
    `tmtool translate --backend ct2` also converts on first use. Works offline from a model
    directory or the Hugging Face cache.

    \b
    Example:
        tmtool model convert
        tmtool model convert ./opus-mt-id-en --compute-type float32
    """
    from ..errors import BackendNotAvailable
    from ..translate import BACKENDS

    name = name or default_model()
    try:
        from ..translate import ct2
    except ImportError as e:
        raise BackendNotAvailable(f"converting needs ctranslate2 ({e}); {BACKENDS['ct2'][2]}") from None
    told = []

    def notify(message):
        told.append(message)
        click.echo(message, err=True)

    path = ct2.convert_model(name, compute_type, device=device, force=force, notify=notify)
    click.echo(f"{name}: {'converted into' if told else 'already converted in'} {path}")


@model.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True)
def info(name, as_json):
    """Say whether model NAME (a hub id or directory) is available here, where, its shape, and
    its converted copies for the ct2 backend.

    \b
    Example:
        tmtool model info
        tmtool model info ./models/tiny
    """
    from ..translate import ct2_cache, hub

    name = name or default_model()
    path = hub.resolve(name, download=False)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    generation_file = path / "generation_config.json"
    generation = json.loads(generation_file.read_text(encoding="utf-8")) if generation_file.is_file() else {}
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    copies = [c for c in ct2_cache.converted_models() if c.model == name or c.source_path == str(path.absolute())]
    data = {
        "model": name,
        "path": str(path),
        "size_bytes": size,
        "model_type": config.get("model_type"),
        "d_model": config.get("d_model"),
        "layers": [config.get("encoder_layers"), config.get("decoder_layers")],
        "vocab_size": config.get("vocab_size"),
        "max_position_embeddings": config.get("max_position_embeddings"),
        "num_beams": generation.get("num_beams", config.get("num_beams")),
        "ct2_cache": str(ct2_cache.ct2_root()),
        "converted": [
            {"compute_type": c.compute_type, "path": str(c.path), "size_bytes": c.size_bytes} for c in copies
        ],
    }
    if as_json:
        click.echo(json.dumps(data))
        return
    for key, value in data.items():
        if key != "converted":
            click.echo(f"{key:24} {value}")
    if not copies:
        click.echo(f"{'converted':24} none (tmtool model convert {name})")
    for c in copies:
        click.echo(f"{'converted':24} {c.compute_type:12} {c.size_bytes / 1e6:8.1f} MB  {c.path}")
