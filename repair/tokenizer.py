"""The shared sentencepiece tokenizer: training on a corpus sample and loading from ``models/tokenizer/``.

One unigram model serves both the trained detector (which encodes each word of a paragraph on
its own, so every piece maps back to exactly one word) and the seq2seq restorer (which encodes
whole strings). It is cased, splits digits, and falls back to bytes, so any text round-trips.

Special ids are fixed so configs can rely on them: 0 ``<pad>``, 1 ``<unk>``, 2 ``<s>``,
3 ``</s>``, 4 ``<mask>``, 5 ``<sep>``.
"""
from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import sentencepiece as spm

from repair.errors import ModelNotFoundError

MODEL_FILE = "spm.model"
INFO_FILE = "tokenizer.json"
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
USER_SYMBOLS = ("<mask>", "<sep>")


@dataclass(frozen=True)
class TokenizerConfig:
    """How the tokenizer is trained.

    Args:
        vocab_size: number of pieces, specials and byte-fallback pieces included.
        model_type: sentencepiece algorithm.
        sample_paragraphs: paragraphs drawn from the corpus to train on.
        seed: seeds both the paragraph sample and sentencepiece's own generator.
        threads: sentencepiece trainer threads (the machine is shared; keep it small).
    """

    vocab_size: int = 16000
    model_type: str = "unigram"
    sample_paragraphs: int = 200_000
    seed: int = 13
    threads: int = 2


class Tokenizer:
    """Thin, typed wrapper over a loaded ``SentencePieceProcessor``."""

    def __init__(self, processor: spm.SentencePieceProcessor):
        self.processor = processor
        self.pad_id = processor.pad_id()
        self.unk_id = processor.unk_id()
        self.bos_id = processor.bos_id()
        self.eos_id = processor.eos_id()
        self.mask_id = processor.piece_to_id("<mask>")
        self.sep_id = processor.piece_to_id("<sep>")

    @classmethod
    def load(cls, root: Path) -> "Tokenizer":
        """Load ``root/tokenizer/spm.model`` (``root`` is the models folder)."""
        return cls.from_file(Path(root) / "tokenizer" / MODEL_FILE)

    @classmethod
    def from_file(cls, path: Path) -> "Tokenizer":
        if not Path(path).is_file():
            raise ModelNotFoundError(f"no sentencepiece model at {path}; run 'unspin train tokenizer'")
        return cls(spm.SentencePieceProcessor(model_file=str(path)))

    @property
    def vocab_size(self) -> int:
        return self.processor.get_piece_size()

    def encode(self, text: str) -> list[int]:
        """Piece ids of a whole string (no <s>/</s>)."""
        return self.processor.encode(text)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Piece ids of many strings in one call (the C++ side loops, not Python)."""
        return self.processor.encode(list(texts))

    def decode(self, ids: Sequence[int]) -> str:
        return self.processor.decode(list(ids))

    def pieces(self, text: str) -> list[str]:
        return self.processor.encode(text, out_type=str)


def corpus_paragraphs(path: Path) -> Iterator[str]:
    """Every paragraph of a corpus file (``{"text": ...}`` per line, paragraphs split by newlines)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield from (p for p in json.loads(line)["text"].split("\n") if p.strip())


def sample_paragraphs(paragraphs: Iterable[str], n: int, seed: int) -> list[str]:
    """A seeded uniform sample of ``n`` paragraphs (all of them when there are fewer)."""
    pool = list(paragraphs)
    if len(pool) <= n:
        return pool
    return random.Random(seed).sample(pool, n)


def trainer_options(config: TokenizerConfig) -> dict:
    """sentencepiece trainer settings; identity normalisation keeps text byte-exact on decode."""
    return dict(
        vocab_size=config.vocab_size,
        model_type=config.model_type,
        character_coverage=0.9995,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        split_digits=True,
        byte_fallback=True,
        max_sentence_length=32768,
        shuffle_input_sentence=False,
        num_threads=config.threads,
        pad_id=0,
        unk_id=1,
        bos_id=2,
        eos_id=3,
        pad_piece=PAD,
        unk_piece=UNK,
        bos_piece=BOS,
        eos_piece=EOS,
        user_defined_symbols=list(USER_SYMBOLS),
    )


def train_tokenizer(paragraphs: Sequence[str], out_dir: Path, config: TokenizerConfig = TokenizerConfig()) -> Tokenizer:
    """Train a sentencepiece model on ``paragraphs`` and write it with a small info file.

    Args:
        paragraphs: training text, one paragraph per item (already sampled).
        out_dir: folder that receives ``spm.model`` and ``tokenizer.json``.
        config: trainer settings.

    Returns:
        The trained tokenizer, loaded from the written file.
    """
    spm.set_random_generator_seed(config.seed)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(paragraphs), model_writer=buffer, minloglevel=2, **trainer_options(config)
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_bytes(buffer.getvalue())
    info = {"config": asdict(config), "paragraphs": len(paragraphs), "specials": [PAD, UNK, BOS, EOS, *USER_SYMBOLS]}
    (out_dir / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return Tokenizer.from_file(out_dir / MODEL_FILE)
