"""Training the span restorer (``repair.restore.seq2seq``) on synthetic spun/clean rows.

Rows follow the dataset schema of ARCHITECTURE.md. Each sentence of a row's ``spun`` text that
holds substitutions becomes one window: every substitution is a marked region whose first word is
labelled with the original wording (lower case) and whose further words are labelled
``<delete>``. Noise teaches the model that a flagged word is not always spun: some unsubstituted
words are marked too (label: the word itself, i.e. copy), and some gold regions are widened by a
neighbouring unsubstituted word (boundary jitter). Clean rows contribute copy-only windows.

Training runs until ``max_steps`` or ``max_minutes``, whichever comes first; the learning rate
follows the further-along of the two clocks, so a slower machine still ends with a decayed
model. A resumable checkpoint is written to the run folder every ``checkpoint_minutes``.
"""
from __future__ import annotations

import collections
import gzip
import itertools
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from repair import text as textutil
from repair.synth.data import article_of
from repair.errors import InputError
from repair.results import Span
from repair.restore.seq2seq import (
    CONFIG_FILE,
    COPY,
    COPY_ID,
    DELETE,
    LABELS_FILE,
    PAIRS_FILE,
    SPINNABLE_FILE,
    LabelVocab,
    ModelRestorer,
    PairPrior,
    RestorerConfig,
    Window,
    batch_tensors,
    build_model,
    encode_window,
    fits,
    load_encoder,
    RegionJob,
    MIN_LOGPROB,
    RegionScores,
    Seq2SeqConfig,
    Seq2SeqRestorer,
    choose,
    decoder_ids,
    normalise_phrase,
    save_seq2seq_weights,
    save_weights,
    seq2seq_trainable,
    target_logprobs,
    build_seq2seq,
    trainable_names,
)

IGNORE = -100
# A pretrained encoder is nudged; one trained from scratch needs a far larger step.
DEFAULT_LR = {"minilm": 2e-4, "scratch": 5e-4}


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (defaults end within 90 minutes on 2 shared CPU cores).

    Args:
        backend: ``minilm`` or ``scratch`` (see ``repair.restore.seq2seq``).
        max_train_rows: rows drawn (seeded) from the train split.
        max_eval_rows: validation rows scored at the end (gold spans).
        max_steps: optimiser steps at most.
        max_minutes: wall-clock budget of the optimiser loop.
        batch_windows: sentences per batch.
        lr: peak learning rate of the encoder (None: ``DEFAULT_LR`` of the backend); the new
            head learns ``head_lr_scale`` times faster.
        negative_rate: chance that an unsubstituted word is marked (copy target).
        jitter_rate: chance that a gold region is widened by one unsubstituted neighbour.
        max_labels: size of the output vocabulary (substitution targets first, then corpus words).
        min_label_count: a substitution target enters the vocabulary after this many sightings.
        kind: ``seq2seq`` (encoder-decoder, the default) or ``labeler`` (the span labeller).
        decoder_lr_scale: the seq2seq decoder and head learn this many times faster than the encoder.
        tune_rows: at most this many validation rows, of articles no expert has seen, tune the
            seq2seq score combination (it is then evaluated on the suite, or on up to
            ``max_eval_rows`` other validation rows).
        tune_negative_rate: over-flagged words marked in the tuning rows (copy must win there).
        mlm_proposals: the masked-word model's top fills added as candidates per one-word region
            (when ``models/mlm`` exists and tuning gives it weight).
    """

    kind: str = "seq2seq"
    backend: str = "minilm"
    max_train_rows: int = 100_000
    max_eval_rows: int = 500
    max_steps: int = 20_000
    max_minutes: float = 60.0
    batch_windows: int = 32
    lr: float | None = None
    head_lr_scale: float = 10.0
    weight_decay: float = 0.01
    warmup_steps: int = 200
    negative_rate: float = 0.06
    jitter_rate: float = 0.15
    max_labels: int = 20_000
    min_label_count: int = 2
    seed: int = 13
    checkpoint_minutes: float = 5.0
    decoder_lr_scale: float = 2.5
    tune_rows: int = 300
    tune_negative_rate: float = 0.02
    mlm_proposals: int = 2


@dataclass(frozen=True)
class LabeledWindow:
    """A sentence with marked regions (offsets into ``sentence``) and one label per marked word."""

    sentence: str
    regions: tuple[tuple[textutil.Token, ...], ...]
    labels: tuple[str, ...]


# ----------------------------------------------------------------------------------------------
# Rows -> labelled windows (pure functions).


def normalise_label(text: str) -> str:
    """Targets are lower case with single spaces ("Last  Year" -> "last year")."""
    return " ".join(text.lower().split())


def sub_regions(spun: str, subs: Sequence[dict], tokens: Sequence[textutil.Token]) -> list[tuple[list[textutil.Token], list[str]]]:
    """Each substitution as (its spun words, their labels); first word gets the original text."""
    regions = []
    for sub in sorted(subs, key=lambda s: s["spun_start"]):
        words = [t for t in tokens if t.start < sub["spun_end"] and sub["spun_start"] < t.end]
        if not words:
            continue  # the spinner deleted text: nothing flagged can bring it back
        # Widen the original to whole words when the substitution cut into a word.
        clean = spun[words[0].start : sub["spun_start"]] + sub["clean"] + spun[sub["spun_end"] : words[-1].end]
        label = normalise_label(clean)
        regions.append((words, [label or DELETE] + [DELETE] * (len(words) - 1)))
    return drop_shared_words(regions)


def drop_shared_words(regions):
    """Two substitutions inside one word cannot be labelled per word: drop both."""
    counts = collections.Counter(t.start for words, _ in regions for t in words)
    return [(w, l) for w, l in regions if all(counts[t.start] == 1 for t in w)]


def trainable_negative(token: textutil.Token) -> bool:
    """Unsubstituted words worth marking as copy examples (numbers and acronyms are never passed)."""
    letters = [c for c in token.text if c.isalpha()]
    return bool(letters) and not any(c.isdigit() for c in token.text) and not (len(letters) > 1 and token.text.isupper())


def row_windows(row: dict, rng: random.Random, config: TrainConfig) -> list[LabeledWindow]:
    """Labelled windows of one row: gold regions plus copy noise, one window per sentence."""
    spun = row["spun"]
    tokens = textutil.words(spun)
    gold = sub_regions(spun, row.get("subs") or [], tokens)
    in_gold = {t.start for words, _ in gold for t in words}
    windows = []
    for sentence in textutil.sentences(spun):
        inside = [t for t in tokens if sentence.start <= t.start and t.end <= sentence.end]
        regions = [r for r in gold if sentence.start <= r[0][0].start and r[0][-1].end <= sentence.end]
        regions = [jitter(r, inside, in_gold, rng, config.jitter_rate) for r in regions]
        used = {t.start for words, _ in regions for t in words}
        for token in inside:
            if token.start not in used and trainable_negative(token) and rng.random() < config.negative_rate:
                regions.append(([token], [token.text.lower()]))
        if regions:
            windows.append(localise(sentence, sorted(regions, key=lambda r: r[0][0].start)))
    return windows


def jitter(region, inside: Sequence[textutil.Token], in_gold: set[int], rng: random.Random, rate: float):
    """Sometimes widen a gold region by one unsubstituted neighbour (labelled as itself)."""
    words, labels = region
    if rng.random() >= rate:
        return region
    index = {t.start: i for i, t in enumerate(inside)}
    first, last = index[words[0].start], index[words[-1].start]
    if rng.random() < 0.5 and first > 0 and inside[first - 1].start not in in_gold:
        neighbour = inside[first - 1]
        return [neighbour, *words], [neighbour.text.lower(), *labels]
    if last + 1 < len(inside) and inside[last + 1].start not in in_gold:
        neighbour = inside[last + 1]
        return [*words, neighbour], [*labels, neighbour.text.lower()]
    return region


def localise(sentence: textutil.Segment, regions) -> LabeledWindow:
    """Shift region offsets from the paragraph to the sentence."""
    shifted = tuple(tuple(textutil.Token(t.start - sentence.start, t.end - sentence.start, t.text) for t in words) for words, _ in regions)
    labels = tuple(label for _, region_labels in regions for label in region_labels)
    return LabeledWindow(sentence.text, shifted, labels)


def build_labels(rows: Iterable[dict], max_labels: int, min_count: int) -> tuple[LabelVocab, frozenset[str]]:
    """Output vocabulary (substitution targets, then frequent corpus words) and spinnable words."""
    targets: collections.Counter = collections.Counter()
    words: collections.Counter = collections.Counter()
    spinnable: set[str] = set()
    for row in rows:
        words.update(t.text.lower() for t in textutil.words(row["clean"]) if trainable_negative(t))
        for sub in row.get("subs") or []:
            label = normalise_label(sub["clean"])
            if label:
                targets[label] += 1
            spinnable.update(t.text.lower() for t in textutil.words(sub["spun"]))
    labels = [COPY, DELETE]
    seen = set(labels)
    for label, count in targets.most_common():
        if count >= min_count and len(labels) < max_labels and label not in seen:
            labels.append(label)
            seen.add(label)
    for word, _ in words.most_common():
        if len(labels) >= max_labels:
            break
        if word not in seen:
            labels.append(word)
            seen.add(word)
    return LabelVocab(labels), frozenset(spinnable)


def build_pairs(rows: Iterable[dict], vocab: LabelVocab) -> dict[str, dict[int, float]]:
    """Counts of spun surface -> original label over the rows' substitutions (see ``PairPrior``)."""
    pairs: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in rows:
        spun = row["spun"]
        for words, labels in sub_regions(spun, row.get("subs") or [], textutil.words(spun)):
            phrase = " ".join(spun[words[0].start : words[-1].end].lower().split())
            index = vocab.id_of(labels[0])
            if index is not None:
                pairs[phrase][index] += 1
            if len(words) > 1:
                pairs["~" + phrase][vocab.id_of(DELETE)] += len(words) - 1
    return {key: dict(counts) for key, counts in pairs.items()}


def label_ids(window: LabeledWindow, vocab: LabelVocab) -> list[int]:
    """Label strings to ids: a word labelled as itself but outside the vocabulary is ``<copy>``."""
    words = [t for region in window.regions for t in region]
    ids = []
    for word, label in zip(words, window.labels):
        index = vocab.id_of(label)
        if index is None:
            index = COPY_ID if label == word.text.lower() else IGNORE
        ids.append(index)
    return ids


# ----------------------------------------------------------------------------------------------
# Data loading (the only file I/O besides checkpoints and the model folder).


def read_jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_rows(data_dir: Path, split: str, limit: int | None, seed: int) -> list[dict]:
    """Rows of one split from ``data_dir`` (a datasets folder, or jsonl files), seeded sample."""
    candidates = [data_dir / f"{split}.jsonl", data_dir / f"{split}.jsonl.gz", data_dir / split]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        raise InputError(f"no {split!r} split in {data_dir}; run 'unspin data build' first")
    if path.is_dir() and (path / "dataset_info.json").exists():
        from datasets import load_from_disk

        rows = [dict(r) for r in load_from_disk(str(path))]
    elif path.is_dir():
        rows = [r for f in sorted(path.glob("*.jsonl*")) for r in read_jsonl(f)]
    else:
        rows = list(read_jsonl(path))
    if limit is not None and len(rows) > limit:
        rows = random.Random(seed).sample(rows, limit)
    return rows


# ----------------------------------------------------------------------------------------------
# Training.


def init_head(model) -> None:
    """Start the output layer at zero: the pair prior alone decides until the network learns."""
    with torch.no_grad():
        model.output.weight.zero_()
        model.output.bias.zero_()


def encode_examples(windows: Sequence[LabeledWindow], encoder, vocab: LabelVocab, prior: PairPrior, max_tokens: int) -> list[tuple]:
    """(window, label ids, prior counts per marked word); windows that do not fit are dropped."""
    result = []
    for window in windows:
        encoded = encode_window(encoder, window.sentence, window.regions, max_tokens)
        if fits(encoded, len(window.labels), max_tokens):
            ids = label_ids(window, vocab)
            if any(i != IGNORE for i in ids):
                result.append((encoded, ids, prior.word_counts(window.sentence, window.regions)))
    return result


def cross_fitted_windows(rows, rng, config, vocab, restorer_config, thesaurus) -> tuple[list[tuple[LabeledWindow, int]], list[PairPrior]]:
    """Windows tagged with the prior (built from the other half of the rows) they must use, so a
    training pair never counts itself: at inference unseen pairs are common, and the network
    must learn to go beyond the prior."""
    halves = [rows[0::2], rows[1::2]]
    priors = [PairPrior(build_pairs(half, vocab), vocab, restorer_config, thesaurus) for half in halves[::-1]]
    windows = [(w, k) for k, own in enumerate(halves) for row in own for w in row_windows(row, rng, config)]
    return windows, priors


def lr_factor(step: int, minutes: float, config: TrainConfig) -> float:
    """Linear warm-up, then cosine decay on the further-along of the step and time clocks."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = max(step / config.max_steps, minutes / config.max_minutes)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def make_optimiser(model, config: TrainConfig, restorer_config: RestorerConfig):
    trainable = set(trainable_names(model, restorer_config))
    encoder_params, head_params = [], []
    for name, param in model.named_parameters():
        param.requires_grad = name in trainable
        if name in trainable:
            (encoder_params if name.startswith("encoder.") else head_params).append(param)
    lr = config.lr or DEFAULT_LR[config.backend]
    groups = [
        {"params": encoder_params, "lr": lr, "base_lr": lr},
        {"params": head_params, "lr": lr * config.head_lr_scale, "base_lr": lr * config.head_lr_scale},
    ]
    return torch.optim.AdamW(groups, weight_decay=config.weight_decay)


def batches(n: int, size: int, rng: random.Random) -> Iterator[list[int]]:
    """Endless shuffled index batches (one epoch after another)."""
    while True:
        order = list(range(n))
        rng.shuffle(order)
        for lo in range(0, n - size + 1, size):
            yield order[lo : lo + size]


def train_loop(model, optimiser, windows, priors, encoder, max_tokens: int, config: TrainConfig, state: dict, device, checkpoint: Callable, log: Callable) -> dict:
    """Optimise until a budget runs out; ``state`` (step, minutes) makes the loop resumable.

    Windows are encoded batch by batch (tokenising costs little next to a training step, and
    nothing has to be held in memory or prepared up front).
    """
    rng = random.Random(config.seed + state["step"])
    started = time.time() - state["minutes"] * 60
    last_checkpoint = time.time()
    losses: collections.deque = collections.deque(maxlen=100)
    model.train()
    for batch_index in batches(len(windows), config.batch_windows, rng):
        minutes = (time.time() - started) / 60
        if state["step"] >= config.max_steps or minutes >= config.max_minutes:
            break
        factor = lr_factor(state["step"], minutes, config)
        for group in optimiser.param_groups:
            group["lr"] = group["base_lr"] * factor
        batch = [e for i in batch_index for e in encode_examples([windows[i][0]], encoder, priors[0].labels, priors[windows[i][1]], max_tokens)]
        if not batch:
            continue
        ids, mask, rows, cols = batch_tensors([w for w, _, _ in batch], encoder.ids.pad)
        labels = torch.tensor([label for _, labels, _ in batch for label in labels], dtype=torch.long)
        prior_logits = priors[0].logits([c for _, _, counts in batch for c in counts]).to(device)
        logits = model(ids.to(device), mask.to(device), rows.to(device), cols.to(device)) + prior_logits
        loss = torch.nn.functional.cross_entropy(logits, labels.to(device), ignore_index=IGNORE)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
        state = {"step": state["step"] + 1, "minutes": (time.time() - started) / 60}
        if state["step"] % 50 == 0:
            log(f"step {state['step']}  loss {sum(losses) / len(losses):.3f}  lr x{factor:.2f}  {state['minutes']:.1f} min")
        if time.time() - last_checkpoint > config.checkpoint_minutes * 60:
            checkpoint(state)
            last_checkpoint = time.time()
    model.eval()
    return state


def save_checkpoint(path: Path, model, optimiser, state: dict, restorer_config: RestorerConfig) -> None:
    """Trainable tensors + optimiser + clocks; written to a temporary name first."""
    trainable = set(trainable_names(model, restorer_config))
    payload = {
        "model": {k: v for k, v in model.state_dict().items() if k in trainable},
        "optimiser": optimiser.state_dict(),
        "state": state,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


# ----------------------------------------------------------------------------------------------
# Evaluation with gold spans (the detector-spans numbers come from the pipeline evaluation).


def gold_spans(row: dict) -> list[Span]:
    return [Span(s["spun_start"], s["spun_end"], s["spun"], 1.0, "gold") for s in row.get("subs") or [] if s["spun_end"] > s["spun_start"]]


def evaluate(restorer: ModelRestorer, rows: Sequence[dict], span_fn: Callable[[dict], list[Span]] = gold_spans, min_confidence: float = 0.5) -> dict:
    """Restoration, damage and edit F0.5 of the restorer alone, given spans (gold by default)."""
    from repair.merge.edits import apply_edits, merge_edits
    from repair.evaluate.metrics import WORD_STATS, word_statistics

    totals = np.zeros(len(WORD_STATS))
    clean_identical = clean_rows = words = 0
    started = time.time()
    for row in rows:
        edits = merge_edits(restorer.propose(row["spun"], span_fn(row)), min_confidence=min_confidence)
        repaired = apply_edits(row["spun"], edits)
        totals += word_statistics(row["spun"], repaired, row["clean"])
        words += textutil.count_words(row["spun"])
        if not row.get("subs"):
            clean_rows += 1
            clean_identical += repaired == row["spun"]
    stats = dict(zip(WORD_STATS, totals.tolist()))
    precision = stats["edit_tp"] / max(1.0, stats["edit_tp"] + stats["edit_fp"])
    recall = stats["edit_tp"] / max(1.0, stats["edit_tp"] + stats["edit_fn"])
    return {
        "rows": len(rows),
        "restoration": stats["spans_restored"] / max(1.0, stats["spans"]),
        "damage_per_1000": 1000 * stats["damaged"] / max(1.0, stats["correct"]),
        "edit_precision": precision,
        "edit_recall": recall,
        "edit_f05": (1.25 * precision * recall / (0.25 * precision + recall)) if precision + recall else 0.0,
        "clean_identical": clean_identical / clean_rows if clean_rows else None,
        "words_per_s": words / max(1e-9, time.time() - started),
        **stats,
    }


# ----------------------------------------------------------------------------------------------
# The one command.


def train_restorer(
    config: TrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    run_dir: Path,
    models_root: Path,
    restorer_config: RestorerConfig | None = None,
    threads: int | None = None,
    device_name: str | None = None,
    fresh: bool = False,
    log: Callable[[str], None] = print,
    corpus: Path | None = None,
    suite: Path | None = None,
) -> dict:
    """Train, save ``out_dir`` (config, labels, fp16 weights) and return validation metrics.

    The encoder-decoder also needs ``corpus`` (to pick tuning rows no expert has seen) and
    evaluates on ``suite`` when given.
    """
    if config.kind == "seq2seq":
        if corpus is None:
            raise InputError("training the encoder-decoder needs the corpus (to choose its tuning rows)")
        return train_seq2seq(config, data_dir=data_dir, out_dir=out_dir, run_dir=run_dir, models_root=models_root,
                             threads=threads, device_name=device_name, fresh=fresh, log=log, corpus=corpus, suite=suite)
    if config.kind != "labeler":
        raise ValueError(f"unknown restorer kind {config.kind!r}; choose from ['labeler', 'seq2seq']")
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    if threads:
        torch.set_num_threads(threads)
    device = torch.device(device_name or ("cuda" if torch.cuda.is_available() else "cpu"))
    restorer_config = restorer_config or RestorerConfig(backend=config.backend)
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()

    from repair.resources.thesaurus import Thesaurus

    rows = load_rows(data_dir, "train", config.max_train_rows, config.seed)
    vocab, spinnable = build_labels(rows, config.max_labels, config.min_label_count)
    encoder = load_encoder(restorer_config, models_root)
    thesaurus = Thesaurus.load(models_root)
    windows, priors = cross_fitted_windows(rows, random.Random(config.seed), config, vocab, restorer_config, thesaurus)
    prior = PairPrior(build_pairs(rows, vocab), vocab, restorer_config, thesaurus)
    marked = sum(len(w.labels) for w, _ in windows)
    log(f"data: {len(rows):,} train rows -> {len(windows):,} windows, {marked:,} marked words; "
        f"{len(vocab):,} labels, {len(spinnable):,} spinnable words ({time.time() - started:.0f} s)")
    log(f"budget: at most {config.max_steps:,} steps or {config.max_minutes:.0f} min of optimisation on {device} "
        f"({torch.get_num_threads()} threads), batch {config.batch_windows} windows")

    model = build_model(restorer_config, len(vocab), encoder.vocab_size, pretrained=True).to(device)
    init_head(model)
    optimiser = make_optimiser(model, config, restorer_config)
    checkpoint_path = run_dir / "checkpoint.pt"
    state = {"step": 0, "minutes": 0.0}
    if checkpoint_path.exists() and not fresh:
        saved = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(saved["model"], strict=False)
        optimiser.load_state_dict(saved["optimiser"])
        state = saved["state"]
        log(f"resumed from {checkpoint_path} at step {state['step']} ({state['minutes']:.1f} min)")

    def checkpoint(current: dict) -> None:
        save_checkpoint(checkpoint_path, model, optimiser, current, restorer_config)
        log(f"checkpoint: step {current['step']} -> {checkpoint_path}")

    state = train_loop(model, optimiser, windows, priors, encoder, restorer_config.max_tokens, config, state, device, checkpoint, log)
    checkpoint(state)
    model.to("cpu")
    saved_config = save_model(model, vocab, spinnable, prior, restorer_config, out_dir)
    restorer = ModelRestorer.load(out_dir, models_root=models_root)
    validation = load_rows(data_dir, "validation", config.max_eval_rows, config.seed)
    metrics = evaluate(restorer, validation)
    summary = {
        "train_config": asdict(config),
        "restorer_config": saved_config.to_dict(),
        "train_rows": len(rows),
        "windows": len(windows),
        "steps": state["step"],
        "train_minutes": state["minutes"],
        "total_minutes": (time.time() - started) / 60,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "validation_gold_spans": metrics,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    log(f"validation (gold spans): restoration {metrics['restoration']:.3f}, damage {metrics['damage_per_1000']:.2f}/1000, "
        f"edit F0.5 {metrics['edit_f05']:.3f}; wrote {out_dir} in {summary['total_minutes']:.0f} min")
    return summary


def save_model(model, vocab: LabelVocab, spinnable: frozenset[str], prior: PairPrior, config: RestorerConfig, out_dir: Path) -> RestorerConfig:
    """Write weights (fp16 shards), config, labels, spinnable words and pair counts to ``out_dir``."""
    saved = save_weights(model, config, out_dir)
    (out_dir / CONFIG_FILE).write_text(json.dumps(saved.to_dict(), indent=2), encoding="utf-8")
    (out_dir / LABELS_FILE).write_text(json.dumps(vocab.labels, ensure_ascii=False), encoding="utf-8")
    (out_dir / SPINNABLE_FILE).write_text(json.dumps(sorted(spinnable), ensure_ascii=False), encoding="utf-8")
    (out_dir / PAIRS_FILE).write_text(json.dumps(prior.to_json(), ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return saved


# ----------------------------------------------------------------------------------------------
# The encoder-decoder restorer (kind "seq2seq", see repair.restore.seq2seq.Seq2SeqRestorer).


def region_targets(window: LabeledWindow) -> list[tuple[textutil.Token, textutil.Token, str]]:
    """(first word, last word, original text) per marked region of a labelled window.

    The original of a region is its word labels without ``<delete>``: a jittered neighbour keeps
    itself, a multi-word spin collapses to its original phrase, an over-flagged word copies itself.
    """
    result = []
    cursor = 0
    for region in window.regions:
        labels = window.labels[cursor : cursor + len(region)]
        cursor += len(region)
        result.append((region[0], region[-1], " ".join(l for l in labels if l != DELETE)))
    return result


def spinnable_words(rows: Iterable[dict]) -> frozenset[str]:
    """Lower-case words the spinner emitted (capitalised ones are not names)."""
    return frozenset(t.text.lower() for row in rows for sub in row.get("subs") or [] for t in textutil.words(sub["spun"]))


def phrase_pairs(rows: Iterable[dict]) -> dict[str, dict[str, float]]:
    """Counts of spun phrase -> original phrase (lower case) over the rows' substitutions."""
    pairs: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in rows:
        spun = row["spun"]
        for words, labels in sub_regions(spun, row.get("subs") or [], textutil.words(spun)):
            original = " ".join(l for l in labels if l != DELETE)
            if original:
                pairs[normalise_label(spun[words[0].start : words[-1].end])][original] += 1
    return {key: dict(counts) for key, counts in pairs.items()}


def seq2seq_examples(windows: Sequence[LabeledWindow], encoder, config) -> list[tuple]:
    """(encoder window, prompts, targets) per labelled window; over-long regions are dropped."""
    result = []
    for window in windows:
        encoded = encode_window(encoder, window.sentence, window.regions, config.max_tokens)
        if not fits(encoded, len(window.labels), config.max_tokens):
            continue
        regions = region_targets(window)
        prompts = encoder.encode_batch([normalise_label(window.sentence[a.start : b.end]) for a, b, _ in regions])
        targets = encoder.encode_batch([t for _, _, t in regions])
        kept = [(p, t) for p, t in zip(prompts, targets) if 0 < len(p) <= config.max_prompt and 0 < len(t) <= config.max_target]
        if kept:
            result.append((encoded, [p for p, _ in kept], [t for _, t in kept]))
    return result


def seq2seq_loss(model, examples, encoder, special, device):
    """Mean negative log-likelihood of the target pieces (and their closing [SEP])."""
    ids, mask, _, _ = batch_tensors([w for w, _, _ in examples], encoder.ids.pad)
    memory = model.encode(ids.to(device), mask.to(device))
    owners = [i for i, (_, prompts, _) in enumerate(examples) for _ in prompts]
    prompts = [p for _, ps, _ in examples for p in ps]
    targets = [t for _, _, ts in examples for t in ts]
    logps = target_logprobs(model, memory, mask.to(device), owners, prompts, targets, special)
    return -torch.cat(logps).mean()


def seq2seq_optimiser(model, config: TrainConfig, s2s: Seq2SeqConfig):
    """AdamW; the decoder and head (new or repurposed) learn ``head_lr_scale`` times faster."""
    trainable = set(seq2seq_trainable(model, s2s))
    encoder_params, decoder_params = [], []
    for name, param in model.named_parameters():
        param.requires_grad = name in trainable
        if name in trainable:
            (encoder_params if name.startswith("encoder.") else decoder_params).append(param)
    lr = config.lr or DEFAULT_LR["minilm"]
    scale = config.decoder_lr_scale
    groups = [
        {"params": encoder_params, "lr": lr, "base_lr": lr},
        {"params": decoder_params, "lr": lr * scale, "base_lr": lr * scale},
    ]
    return torch.optim.AdamW(groups, weight_decay=config.weight_decay)


def seq2seq_loop(model, optimiser, windows, encoder, s2s: Seq2SeqConfig, config: TrainConfig, state: dict, device, checkpoint: Callable, log: Callable) -> dict:
    """Optimise until a budget runs out; ``state`` (step, minutes) makes the loop resumable."""
    special = decoder_ids(encoder)
    rng = random.Random(config.seed + state["step"])
    started = time.time() - state["minutes"] * 60
    last_checkpoint = time.time()
    losses: collections.deque = collections.deque(maxlen=100)
    model.train()
    for batch_index in batches(len(windows), config.batch_windows, rng):
        minutes = (time.time() - started) / 60
        if state["step"] >= config.max_steps or minutes >= config.max_minutes:
            break
        factor = lr_factor(state["step"], minutes, config)
        for group in optimiser.param_groups:
            group["lr"] = group["base_lr"] * factor
        examples = seq2seq_examples([windows[i] for i in batch_index], encoder, s2s)
        if not examples:
            continue
        loss = seq2seq_loss(model, examples, encoder, special, device)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimiser.step()
        losses.append(loss.item())
        state = {"step": state["step"] + 1, "minutes": (time.time() - started) / 60}
        if state["step"] % 25 == 0:
            log(f"step {state['step']}  loss {sum(losses) / len(losses):.3f}  lr x{factor:.2f}  {state['minutes']:.1f} min")
        if time.time() - last_checkpoint > config.checkpoint_minutes * 60:
            checkpoint(state)
            last_checkpoint = time.time()
    model.eval()
    return state


def gold_region_scores(restorer: Seq2SeqRestorer, rows: Sequence[dict], config: TrainConfig) -> list[tuple[RegionScores, str]]:
    """Cached candidate scores of the gold regions of ``rows`` (a little over-flagging), with the gold original."""
    rng = random.Random(config.seed + 1)
    noise = replace(config, negative_rate=config.tune_negative_rate, jitter_rate=0.0)
    result = []
    for row in rows:
        for window in row_windows(row, rng, noise):
            encoded = encode_window(restorer.encoder, window.sentence, window.regions, restorer.config.max_tokens)
            if not fits(encoded, len(window.labels), restorer.config.max_tokens):
                continue
            regions = region_targets(window)
            jobs = [RegionJob(0, a.start, b.end, window.sentence[a.start : b.end]) for a, b, _ in regions]
            gold = {(a.start, b.end): t for a, b, t in regions}
            for scores in restorer.score_jobs([encoded], jobs, window.sentence):
                result.append((scores, gold[(scores.start, scores.end)]))
    return result


WEIGHT_KEYS = ("decoder_weight", "prior_weight", "mlm_weight", "ngram_weight")
COMBINATION_KEYS = (*WEIGHT_KEYS, "copy_bonus", "temperature")


def region_f05(scored: Sequence[tuple[RegionScores, str]], prior_weight: float, copy_bonus: float, temperature: float,
               min_confidence: float = 0.5, *, mlm_weight: float = 0.0, decoder_weight: float = 1.0, ngram_weight: float = 0.0) -> dict:
    """Region-level edit precision/recall/F0.5 (and exact restoration) of one setting of the score
    combination, through ``choose`` itself (the reference for ``table_f05``)."""
    tp = fp = fn = changed = 0
    for scores, gold in scored:
        choice = choose(scores, prior_weight, copy_bonus, temperature, mlm_weight=mlm_weight, decoder_weight=decoder_weight, ngram_weight=ngram_weight)
        spun = normalise_phrase(scores.old)
        edited = choice.index != 0 and choice.confidence >= min_confidence and choice.text != spun
        right = edited and choice.text == gold
        tp += right
        fp += edited and not right
        fn += gold != spun and not right
        changed += gold != spun
    return f05_summary(tp, fp, fn, changed)


def f05_summary(tp: int, fp: int, fn: int, changed: int) -> dict:
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"precision": p, "recall": r, "f05": 1.25 * p * r / (0.25 * p + r) if p + r else 0.0, "restored": tp / max(1, changed)}


@dataclass(frozen=True)
class ScoreTable:
    """The experts' scores of many regions as padded arrays, so a grid search is a few array ops.

    ``features[k, r, c]`` is expert ``WEIGHT_KEYS[k]`` on candidate ``c`` of region ``r`` (0 where
    that expert is absent); ``gold[r]`` indexes the right candidate (-1: not among them).
    """

    features: np.ndarray
    valid: np.ndarray
    same_as_copy: np.ndarray
    gold: np.ndarray
    changed: np.ndarray


def score_table(scored: Sequence[tuple[RegionScores, str]]) -> ScoreTable:
    width = max(len(s.candidates) for s, _ in scored)
    features = np.zeros((len(WEIGHT_KEYS), len(scored), width))
    valid = np.zeros((len(scored), width), dtype=bool)
    same = np.zeros((len(scored), width), dtype=bool)
    gold = np.full(len(scored), -1)
    changed = np.zeros(len(scored), dtype=bool)
    for r, (s, target) in enumerate(scored):
        n = len(s.candidates)
        for k, values in enumerate((s.model_logprob, s.prior_logprob, s.mlm_logprob, s.ngram_logprob)):
            if values:  # as in ``choose``: only the masked-word model's -inf is floored
                features[k, r, :n] = np.maximum(values, MIN_LOGPROB) if WEIGHT_KEYS[k] == "mlm_weight" else values
        valid[r, :n] = True
        spun = normalise_phrase(s.old)
        same[r, :n] = [c == spun for c in s.candidates]
        gold[r] = s.candidates.index(target) if target in s.candidates else -1
        changed[r] = target != spun
    return ScoreTable(features, valid, same, gold, changed)


def table_f05(table: ScoreTable, weights: dict, min_confidence: float = 0.5) -> dict:
    """``region_f05`` of one weight setting over a ``ScoreTable`` (vectorised)."""
    w = np.array([weights.get(k, 0.0) for k in WEIGHT_KEYS])
    total = np.tensordot(w, table.features, axes=1)
    total[:, 0] += weights["copy_bonus"]
    total = np.where(table.valid, total / weights["temperature"], -np.inf)
    best = total.argmax(axis=1)
    rows = np.arange(len(best))
    confidence = 1.0 / np.exp(total - total[rows, best][:, None]).sum(axis=1)
    edited = (best != 0) & (confidence >= min_confidence) & ~table.same_as_copy[rows, best]
    right = edited & (best == table.gold)
    tp = int(right.sum())
    return f05_summary(tp, int((edited & ~right).sum()), int((table.changed & ~right).sum()), int(table.changed.sum()))


def tune_combination(scored, log: Callable, *, with_mlm: bool = False, with_ngram: bool = False) -> dict:
    """Grid search of the score combination for the best region F0.5 at 0.5 confidence.

    Experts that are not attached keep weight 0 (without them the decoder keeps weight 1).
    """
    table = score_table(scored)
    grid = {
        "decoder_weight": (0.0, 0.5, 1.0) if with_mlm else (1.0,),
        "prior_weight": (0.0, 0.25, 0.5, 1.0, 1.5),
        "mlm_weight": (0.0, 0.5, 1.0, 1.5, 2.0) if with_mlm else (0.0,),
        "ngram_weight": (0.0, 0.25, 0.5, 1.0, 1.5, 2.0) if with_ngram else (0.0,),
        "copy_bonus": (-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0),
        "temperature": (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0),
    }
    best: dict = {"f05": -1.0}
    for values in itertools.product(*grid.values()):
        weights = dict(zip(grid, values))
        if not (weights["decoder_weight"] or weights["mlm_weight"]):
            continue
        metrics = table_f05(table, weights)
        if metrics["f05"] > best["f05"]:
            best = {**metrics, **weights}
    gold_found = float((table.gold >= 0)[table.changed].mean()) if table.changed.any() else 0.0
    log(f"tuned on {len(scored):,} validation regions (gold among candidates for {gold_found:.1%} of changed ones): {best}")
    return {**best, "gold_among_candidates": gold_found}


def train_seq2seq(
    config: TrainConfig,
    *,
    data_dir: Path,
    out_dir: Path,
    run_dir: Path,
    models_root: Path,
    threads: int | None = None,
    device_name: str | None = None,
    fresh: bool = False,
    log: Callable[[str], None] = print,
    corpus: Path,
    suite: Path | None = None,
) -> dict:
    """Train the encoder-decoder, tune the score combination on validation, save ``out_dir``."""
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    if threads:
        torch.set_num_threads(threads)
    device = torch.device(device_name or ("cuda" if torch.cuda.is_available() else "cpu"))
    s2s = Seq2SeqConfig()
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    from repair.resources.thesaurus import Thesaurus

    rows = load_rows(data_dir, "train", config.max_train_rows, config.seed)
    encoder = load_encoder(RestorerConfig(backend="minilm"), models_root)
    windows = [w for row in rows for w in row_windows(row, random.Random(config.seed), config)]
    spinnable = spinnable_words(rows)
    pairs = phrase_pairs(rows)
    log(f"data: {len(rows):,} train rows -> {len(windows):,} windows, {sum(len(w.regions) for w in windows):,} regions; "
        f"{len(pairs):,} spun phrases in the pair prior ({time.time() - started:.0f} s)")
    log(f"budget: at most {config.max_steps:,} steps or {config.max_minutes:.0f} min of optimisation on {device} "
        f"({torch.get_num_threads()} threads), batch {config.batch_windows} windows; then tuning on at most "
        f"{config.tune_rows} validation rows no expert has seen, and evaluation on {suite or 'other validation rows'}")

    model = build_seq2seq(s2s, pretrained=True).to(device)
    optimiser = seq2seq_optimiser(model, config, s2s)
    checkpoint_path = run_dir / "checkpoint.pt"
    state = {"step": 0, "minutes": 0.0}
    if checkpoint_path.exists() and not fresh:
        saved = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(saved["model"], strict=False)
        optimiser.load_state_dict(saved["optimiser"])
        state = saved["state"]
        log(f"resumed from {checkpoint_path} at step {state['step']} ({state['minutes']:.1f} min)")

    def checkpoint(current: dict) -> None:
        trainable = set(seq2seq_trainable(model, s2s))
        payload = {"model": {k: v for k, v in model.state_dict().items() if k in trainable}, "optimiser": optimiser.state_dict(), "state": current}
        torch.save(payload, checkpoint_path.with_suffix(".tmp"))
        checkpoint_path.with_suffix(".tmp").replace(checkpoint_path)
        log(f"checkpoint: step {current['step']} -> {checkpoint_path}")

    state = seq2seq_loop(model, optimiser, windows, encoder, s2s, config, state, device, checkpoint, log)
    checkpoint(state)
    model.to("cpu")
    saved = save_seq2seq(model, s2s, spinnable, pairs, out_dir)
    best, metrics, saved = tune_and_evaluate(out_dir, models_root, data_dir, config, log, corpus=corpus, suite=suite)
    summary = {
        "train_config": asdict(config),
        "restorer_config": saved.to_dict(),
        "train_rows": len(rows),
        "windows": len(windows),
        "steps": state["step"],
        "train_minutes": state["minutes"],
        "total_minutes": (time.time() - started) / 60,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "tuning": best,
        "gold_spans": metrics,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    log(f"wrote {out_dir} in {summary['total_minutes']:.0f} min")
    return summary


def with_experts(restorer: Seq2SeqRestorer, models_root: Path, proposals: int) -> Seq2SeqRestorer:
    """The same restorer with the corpus trigrams and, when shipped, the masked-word model attached
    (its scores, and ``proposals`` fills as extra candidates)."""
    from repair.restore.mlm import load_mlm
    from repair.resources.ngram import NgramModel

    has_mlm = (Path(models_root) / "mlm" / CONFIG_FILE).is_file()
    config = replace(restorer.config, mlm_proposals=proposals if has_mlm else 0,
                     max_candidates=restorer.config.max_candidates + (proposals if has_mlm else 0))
    return Seq2SeqRestorer(model=restorer.model, encoder=restorer.encoder, spinnable=restorer.spinnable, config=config,
                           prior=restorer.prior, mlm=load_mlm(models_root) if has_mlm else None, ngram=NgramModel.load(models_root))


def tune_and_evaluate(out_dir: Path, models_root: Path, data_dir: Path, config: TrainConfig, log: Callable, *,
                      corpus: Path, suite: Path | None = None) -> tuple[dict, dict, Seq2SeqConfig]:
    """Tune the score combination of the restorer in ``out_dir``, save it, evaluate it.

    The corpus trigrams and the masked-word model (``models_root/mlm``, when it is there) join the
    combination; the grid may still give either weight 0. Tuning rows are validation rows of
    articles that no expert has seen (not the trigram counts, not the masked-word model, not the
    decoder's training split). The result is evaluated with gold spans on ``suite`` (the committed
    test-split suite) when given, else on other validation rows.
    Returns (tuning result, gold-span metrics, saved config).
    """
    from repair.resources.ngram import holdout_article_ids

    restorer = with_experts(Seq2SeqRestorer.load(out_dir, models_root=models_root), models_root, config.mlm_proposals)
    # Only rows of articles the trigram counts left out may tune the trigram expert's weight.
    unseen = holdout_article_ids(models_root, corpus)
    if unseen is None:
        raise InputError(f"{Path(models_root) / 'ngram' / 'meta.json'} or {corpus} does not say which articles the trigram counts left out")
    validation = load_rows(data_dir, "validation", None, config.seed)
    tune_set = [r for r in validation if article_of(r) in unseen][: config.tune_rows]
    eval_set = list(read_jsonl(suite)) if suite else [r for r in validation if article_of(r) not in unseen][: config.max_eval_rows]
    log(f"tuning on {len(tune_set)} validation rows of {len({article_of(r) for r in tune_set})} unseen articles; "
        f"evaluating on {len(eval_set)} rows of {suite or 'validation'}")
    started = time.time()
    best = tune_combination(gold_region_scores(restorer, tune_set, config), log, with_mlm=restorer.mlm is not None, with_ngram=True)
    log(f"scoring and tuning took {time.time() - started:.0f} s")
    saved = replace(restorer.config, **{k: best[k] for k in COMBINATION_KEYS})
    if not best["mlm_weight"]:
        saved = replace(saved, mlm_proposals=0, max_candidates=Seq2SeqConfig().max_candidates)
    (out_dir / CONFIG_FILE).write_text(json.dumps(saved.to_dict(), indent=2), encoding="utf-8")
    restorer = Seq2SeqRestorer.load(out_dir, models_root=models_root)
    metrics = evaluate(restorer, eval_set)
    log(f"gold spans, {len(eval_set)} rows: restoration {metrics['restoration']:.3f}, damage "
        f"{metrics['damage_per_1000']:.2f}/1000, edit F0.5 {metrics['edit_f05']:.3f}, clean identical {metrics['clean_identical']}")
    return best, metrics, saved


def save_seq2seq(model, config: Seq2SeqConfig, spinnable: frozenset[str], pairs: dict, out_dir: Path) -> Seq2SeqConfig:
    """Write weights (fp16 shards), config, spinnable words and phrase pairs to ``out_dir``."""
    for stale in (LABELS_FILE,):
        (out_dir / stale).unlink(missing_ok=True)
    saved = save_seq2seq_weights(model, config, out_dir)
    (out_dir / CONFIG_FILE).write_text(json.dumps(saved.to_dict(), indent=2), encoding="utf-8")
    (out_dir / SPINNABLE_FILE).write_text(json.dumps(sorted(spinnable), ensure_ascii=False), encoding="utf-8")
    (out_dir / PAIRS_FILE).write_text(json.dumps(pairs, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return saved
