"""Training data: clean corpus articles -> aligned (spun, clean) paragraph chunks, with `datasets`.

Pipeline (``build_splits``), each step a pure ``datasets.map`` function over batches:

1. read ``news.jsonl.gz`` (train + validation, split by a hash of the article id) and
   ``news_test.jsonl.gz`` (test only) with ``datasets.load_dataset("json")``;
2. ``chunk_batch``: articles -> paragraph chunks of at most ``max_words`` words (long paragraphs
   are cut at sentence ends), id ``<article id>#p<k>``;
3. ``noise_batch``: each chunk gets, by a hash of its id, rate 0 (clean, ``noise: none``), the
   spinner at one of ``spin_rates``, or machine-translation garble (``garble_share``);
4. rows are written as JSON lines ``<out>/<split>.jsonl`` in the schema of ARCHITECTURE.md.

Held-out substitution types: a (clean lemma, spun word) pair is held out when a hash of it falls
below ``held_out_share`` (``repair.synth.spin.is_held_out``). The train split never contains one (the
spinner draws another synonym; garble edits of a held-out type are undone), validation and test
keep them and mark ``held_out: true``.

Caching: ``datasets`` caches every map (the spinning in ``SHARDS`` contiguous shards) under
``<out>/hf`` with a fingerprint of the config and the thesaurus file, so an interrupted build
resumes from the last finished shard; a build whose JSONL and manifest already match the config
is skipped.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from repair.errors import UnspinError
from repair.synth.garble import GarbleConfig, Garbler
from repair.synth.spin import SpinConfig, Spinner, SpunText, build_spun, is_held_out
from repair.text import count_words, sentences
from repair.resources.thesaurus import THESAURUS_FILE, Thesaurus

SPLITS = ("train", "validation", "test")
DATA_VERSION = "1"
SHARDS = 8


class DataConfigError(UnspinError, ValueError):
    """A data-build setting out of range."""


@dataclass(frozen=True)
class DataConfig:
    """How the synthetic splits are made.

    Attributes:
        spin_rates: spinner rates, one drawn per chunk by hash.
        clean_share: share of chunks left clean (rate 0, noise "none").
        garble_share: share of chunks given machine-translation garble instead of spinning.
        garble_rate: garble rate for those chunks.
        sources: spinner source preset ("broad": detector sees two-hop/corpus neighbours too).
        max_words: longest chunk, in words.
        min_words: shorter paragraphs are dropped (headings, bylines).
        held_out_share: share of substitution types kept out of train.
        validation_share: share of training-file articles that go to validation.
        limit_articles: articles read from the training file (None = all).
        limit_test_articles: articles read from the test file (None = all).
    """

    spin_rates: tuple[float, ...] = (0.1, 0.2, 0.3, 0.45)
    clean_share: float = 0.2
    garble_share: float = 0.1
    garble_rate: float = 0.3
    sources: str = "broad"
    max_words: int = 120
    min_words: int = 4
    held_out_share: float = 0.1
    validation_share: float = 0.05
    limit_articles: int | None = 8000
    limit_test_articles: int | None = None

    def __post_init__(self) -> None:
        for name in ("clean_share", "garble_share", "garble_rate", "held_out_share", "validation_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise DataConfigError(f"{name} must be in [0, 1], got {value!r}")
        if self.clean_share + self.garble_share > 1.0:
            raise DataConfigError(f"clean_share + garble_share must be <= 1, got {self.clean_share + self.garble_share!r}")
        if any(not 0.0 < r <= 1.0 for r in self.spin_rates) or not self.spin_rates:
            raise DataConfigError(f"spin_rates must be in (0, 1], got {self.spin_rates!r}")
        if self.max_words < self.min_words:
            raise DataConfigError(f"max_words {self.max_words!r} is below min_words {self.min_words!r}")


def fraction(key: str, salt: str = "") -> float:
    """Stable hash of a string to [0, 1)."""
    return int(hashlib.sha256((salt + key).encode("utf-8")).hexdigest()[:16], 16) / 2**64


# --------------------------------------------------------------------------- chunking
def chunk_article(text: str, max_words: int, min_words: int) -> list[str]:
    """Paragraphs of an article, long ones cut at sentence ends into chunks of <= max_words.

    A single sentence longer than ``max_words`` stays whole (cutting it would leave fragments).
    """
    chunks = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if count_words(paragraph) < min_words:
            continue
        if count_words(paragraph) <= max_words:
            chunks.append(paragraph)
            continue
        chunks.extend(_pack_sentences(paragraph, max_words))
    return chunks


def _pack_sentences(paragraph: str, max_words: int) -> Iterator[str]:
    start = end = None
    used = 0
    for sentence in sentences(paragraph):
        size = count_words(sentence.text)
        if start is not None and used + size > max_words:
            yield paragraph[start:end]
            start, used = None, 0
        if start is None:
            start = sentence.start
        end, used = sentence.end, used + size
    if start is not None:
        yield paragraph[start:end]


def chunk_batch(batch: dict[str, list], max_words: int, min_words: int, validation_share: float,
                test: bool) -> dict[str, list]:
    """``datasets.map`` step: articles -> chunks with ids and their split."""
    out: dict[str, list] = {"id": [], "clean": [], "split": []}
    for article_id, text in zip(batch["id"], batch["text"]):
        split = "test" if test else ("validation" if fraction(article_id, "validation") < validation_share else "train")
        for k, chunk in enumerate(chunk_article(text, max_words, min_words)):
            out["id"].append(f"{article_id}#p{k}")
            out["clean"].append(chunk)
            out["split"].append(split)
    return out


# --------------------------------------------------------------------------- noise
@dataclass
class Noiser:
    """Applies the per-chunk noise decision; holds the spinners (and their candidate caches)."""

    thesaurus: Thesaurus
    config: DataConfig
    spinners: dict[str, Spinner] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for mode in ("exclude", "allow"):
            spin_config = SpinConfig.preset(self.config.sources, held_out=mode,
                                            held_out_share=self.config.held_out_share)
            self.spinners[mode] = Spinner(self.thesaurus, spin_config)
        self.garbler = Garbler(self.thesaurus, GarbleConfig(rate=self.config.garble_rate))

    def decide(self, chunk_id: str) -> tuple[str, float]:
        """(noise kind, rate) for a chunk, by hash of its id."""
        u = fraction(chunk_id, "noise")
        if u < self.config.clean_share:
            return "none", 0.0
        if u < self.config.clean_share + self.config.garble_share:
            return "garble", self.config.garble_rate
        rates = self.config.spin_rates
        return "spin", rates[int(fraction(chunk_id, "rate") * len(rates))]

    def row(self, chunk_id: str, clean: str, split: str) -> dict:
        """One dataset row in the ARCHITECTURE.md schema."""
        noise, rate = self.decide(chunk_id)
        seed = int(fraction(chunk_id, "seed") * 2**31)
        if noise == "spin":
            mode = "exclude" if split == "train" else "allow"
            result = self.spinners[mode].spin(clean, seed=seed, rate=rate)
        elif noise == "garble":
            result = self.garbler.garble(clean, seed=seed)
            if split == "train":
                result = drop_held_out(result, self.config.held_out_share)
        else:
            result = SpunText(clean, clean, ())
        subs = [{"clean_start": s.clean_start, "clean_end": s.clean_end, "spun_start": s.spun_start,
                 "spun_end": s.spun_end, "clean": s.clean, "spun": s.spun, "kind": s.kind,
                 "held_out": is_held_out(s.lemma or s.clean, s.spun, self.config.held_out_share)}
                for s in result.substitutions]
        return {"id": chunk_id, "clean": clean, "spun": result.spun, "rate": rate, "noise": noise, "subs": subs}


def drop_held_out(result: SpunText, share: float) -> SpunText:
    """Undo substitutions of held-out types (used for garble rows in train)."""
    kept = [(s.clean_start, s.clean_end, s.spun, s.kind, s.lemma, False) for s in result.substitutions
            if not is_held_out(s.lemma or s.clean, s.spun, share)]
    return build_spun(result.clean, kept)


def noise_batch(batch: dict[str, list], noiser: Noiser) -> dict[str, list]:
    """``datasets.map`` step: chunks -> rows (subs kept as a JSON string column for Arrow)."""
    rows = [noiser.row(i, c, s) for i, c, s in zip(batch["id"], batch["clean"], batch["split"])]
    return {"row": [json.dumps(r, ensure_ascii=False) for r in rows]}


# --------------------------------------------------------------------------- build
@dataclass(frozen=True)
class BuildSummary:
    """What a build produced: rows and substitutions per split, where, how long."""

    out: str
    counts: dict[str, int]
    substitutions: dict[str, int]
    words: dict[str, int]
    seconds: float
    cached: bool


def fingerprint(config: DataConfig, thesaurus_root: Path) -> str:
    """Hash of the config, the thesaurus file and DATA_VERSION (names the datasets cache)."""
    digest = hashlib.sha256(json.dumps(asdict(config), sort_keys=True).encode())
    digest.update(DATA_VERSION.encode())
    path = thesaurus_root / THESAURUS_FILE
    if path.is_file():
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def build_splits(config: DataConfig, train_corpus: Path, test_corpus: Path, out: Path,
                 thesaurus: Thesaurus, thesaurus_root: Path, progress: bool = True) -> BuildSummary:
    """Build ``<out>/{train,validation,test}.jsonl`` and ``<out>/manifest.json``.

    Args:
        config: noise mix, chunking and size settings.
        train_corpus: ``news.jsonl.gz`` (train + validation articles).
        test_corpus: ``news_test.jsonl.gz`` (test articles only).
        out: output folder (``.cache/data``); the datasets cache goes to ``out/hf``.
        thesaurus: loaded thesaurus; ``thesaurus_root`` is its folder, for the fingerprint.
        progress: show datasets' progress bars (stderr).

    Returns:
        Row, substitution and word counts per split, and the elapsed time.
    """
    import time

    import datasets

    started = time.time()
    key = fingerprint(config, thesaurus_root)
    manifest_path = out / "manifest.json"
    if manifest_path.is_file() and all((out / f"{s}.jsonl").is_file() for s in SPLITS):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("fingerprint") == key:
            return BuildSummary(str(out), manifest["counts"], manifest["substitutions"], manifest["words"],
                                time.time() - started, cached=True)
    for path in (train_corpus, test_corpus):
        if not path.is_file():
            raise UnspinError(f"corpus file not found: {path}")
    if progress:
        datasets.enable_progress_bars()
    else:
        datasets.disable_progress_bars()
    noiser = Noiser(thesaurus, config)
    parts = []
    for path, limit, test in ((train_corpus, config.limit_articles, False),
                              (test_corpus, config.limit_test_articles, True)):
        articles = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(out / "hf"))
        if limit is not None:
            articles = articles.select(range(min(limit, len(articles))))
        chunks = articles.map(chunk_batch, batched=True, remove_columns=articles.column_names,
                              fn_kwargs={"max_words": config.max_words, "min_words": config.min_words,
                                         "validation_share": config.validation_share, "test": test},
                              new_fingerprint=f"chunks-{key}-{test}", desc="chunking")
        # Spun in contiguous shards, each cached on its own: an interrupted build resumes
        # from the last finished shard instead of from the start.
        shards = max(1, min(SHARDS, len(chunks)))
        for index in range(shards):
            shard = chunks.shard(num_shards=shards, index=index, contiguous=True)
            parts.append(shard.map(noise_batch, batched=True, batch_size=256, fn_kwargs={"noiser": noiser},
                                   new_fingerprint=f"rows-{key}-{test}-{index}of{shards}",
                                   desc=f"spinning {'test' if test else 'train'} {index + 1}/{shards}"))
    counts, subs, words = write_splits(parts, out)
    seconds = time.time() - started
    manifest = {"fingerprint": key, "version": DATA_VERSION, "config": asdict(config), "counts": counts,
                "substitutions": subs, "words": words, "seconds": round(seconds, 1),
                "train_corpus": str(train_corpus), "test_corpus": str(test_corpus)}
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return BuildSummary(str(out), counts, subs, words, seconds, cached=False)


def write_splits(parts, out: Path) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Write each row to its split's JSONL (via a temporary file, renamed when complete)."""
    out.mkdir(parents=True, exist_ok=True)
    handles = {s: (out / f"{s}.jsonl.tmp").open("w", encoding="utf-8") for s in SPLITS}
    counts = dict.fromkeys(SPLITS, 0)
    subs = dict.fromkeys(SPLITS, 0)
    words = dict.fromkeys(SPLITS, 0)
    try:
        for part in parts:
            for split, row in zip(part["split"], part["row"]):
                handles[split].write(row + "\n")
                counts[split] += 1
                parsed = json.loads(row)
                subs[split] += len(parsed["subs"])
                words[split] += count_words(parsed["clean"])
    finally:
        for handle in handles.values():
            handle.close()
    for split in SPLITS:
        (out / f"{split}.jsonl.tmp").replace(out / f"{split}.jsonl")
    return counts, subs, words


def article_of(row: dict) -> str:
    """Article part of a row id (``bbc/tech/001#p3`` -> ``bbc/tech/001``)."""
    return str(row.get("id", "")).split("#", 1)[0]


def suite_rows(rows: list[dict], size: int) -> list[dict]:
    """A fixed evaluation suite: ``size`` rows picked by a hash of their id, at most two per
    article (so one long article cannot dominate), in id-hash order."""
    ordered = sorted(rows, key=lambda r: fraction(r["id"], "suite"))
    per_article: dict[str, int] = {}
    chosen = []
    for row in ordered:
        article = article_of(row)
        if per_article.get(article, 0) >= 2:
            continue
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(row)
        if len(chosen) == size:
            break
    return chosen


def pairs_of(rows: list[dict]) -> list[dict]:
    """Evaluation pairs: source = spun text, reference = clean text."""
    return [{"id": r["id"], "source": r["spun"], "reference": r["clean"]} for r in rows]
