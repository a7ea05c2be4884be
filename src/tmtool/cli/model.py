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
@click.option("--json", "as_json", is_flag=True)
def info(name, as_json):
    """Say whether model NAME (a hub id or directory) is available here, where, and its shape.

    \b
    Example:
        tmtool model info
        tmtool model info ./models/tiny
    """
    from ..translate import hub

    name = name or default_model()
    path = hub.resolve(name, download=False)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    data = {
        "model": name,
        "path": str(path),
        "size_bytes": size,
        "model_type": config.get("model_type"),
        "d_model": config.get("d_model"),
        "layers": [config.get("encoder_layers"), config.get("decoder_layers")],
        "vocab_size": config.get("vocab_size"),
        "max_position_embeddings": config.get("max_position_embeddings"),
    }
    if as_json:
        click.echo(json.dumps(data))
        return
    for key, value in data.items():
        click.echo(f"{key:24} {value}")
