"""Training the masked-word model (``repair.restore.mlm``) on the clean corpus.

Data: paragraphs of ``news.jsonl.gz`` from training articles only (articles that ``repair.synth.data``
puts in validation, and the whole test file, are never read), cut into windows of at most
``max_tokens`` WordPiece pieces at word boundaries. Whole-word masking: ``mask_share`` of the words
of a window are replaced by one ``[MASK]`` per piece, exactly as the scorer asks its questions.
The loss is computed at masked positions only (the 30k-way head is the costliest layer).

Only the top ``trained_layers`` of MiniLM and the head transform/bias learn; embeddings (and the
tied output matrix) and the lower layers stay as the package ships them. Training stops at
``max_steps`` or ``max_minutes``; the learning rate follows the further-along of the two clocks;
a checkpoint is written every ``checkpoint_minutes`` and resumed from unless ``fresh``.
"""
from __future__ import annotations

import gzip
import json
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from repair.synth.data import fraction
from repair.restore.mlm import MlmConfig, build_mlm, is_trained, save_mlm, trained_prefixes
from repair.detect.tagger import minilm_dir


@dataclass(frozen=True)
class MlmTrainConfig:
    """Settings of one run (defaults finish in about 50 minutes on 2 CPU cores).

    Args:
        max_minutes: wall-clock budget of the optimiser loop.
        max_steps: optimiser steps at most.
        batch_windows: windows per step.
        max_tokens: window length in pieces (specials included).
        mask_share: share of words masked per window.
        lr: peak learning rate of the encoder layers; the head transform learns ``head_lr_scale`` x faster.
        warmup_steps: linear warm-up.
        trained_layers: top MiniLM layers to fine-tune.
        max_articles: training articles read (0 = all).
        eval_windows: held-out windows (validation articles) scored at the end.
        validation_share: must equal ``repair.synth.data.DataConfig.validation_share`` so the
            restorer's validation rows stay unseen.
        threads: torch threads (0 = torch's default).
        seed: seeds data order, masking and initialisation.
        checkpoint_minutes: how often to write a resumable checkpoint.
    """

    max_minutes: float = 50.0
    max_steps: int = 100_000
    batch_windows: int = 64
    max_tokens: int = 96
    mask_share: float = 0.15
    lr: float = 3e-4
    head_lr_scale: float = 3.0
    warmup_steps: int = 100
    trained_layers: int = 2
    max_articles: int = 0
    eval_windows: int = 512
    validation_share: float = 0.05
    threads: int = 0
    seed: int = 13
    checkpoint_minutes: float = 5.0


def article_windows(corpus: Path, tokenizer, config: MlmTrainConfig, *, validation: bool) -> Iterator[list[list[int]]]:
    """Windows (each a list of words, each word a list of piece ids) of train or validation articles."""
    room = config.max_tokens - 2
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if config.max_articles and n >= config.max_articles:
                return
            article = json.loads(line)
            if (fraction(article["id"], "validation") < config.validation_share) != validation:
                continue
            paragraphs = [p for p in article["text"].split("\n") if p.strip()]
            if not paragraphs:
                continue
            encoded = tokenizer(paragraphs, add_special_tokens=False)
            for i in range(len(paragraphs)):
                yield from split_words(words_of(encoded["input_ids"][i], encoded.word_ids(i)), room)


def words_of(ids: list[int], word_ids: list[int | None]) -> list[list[int]]:
    """Group piece ids by the tokenizer's word index."""
    words: list[list[int]] = []
    last = None
    for piece, word in zip(ids, word_ids):
        if word != last or not words:
            words.append([])
            last = word
        words[-1].append(piece)
    return words


def split_words(words: list[list[int]], room: int) -> Iterator[list[list[int]]]:
    """Consecutive runs of whole words of at most ``room`` pieces (longer words are dropped)."""
    window: list[list[int]] = []
    size = 0
    for word in words:
        if len(word) > room:
            continue
        if size + len(word) > room:
            yield window
            window, size = [], 0
        window.append(word)
        size += len(word)
    if len(window) >= 4:
        yield window


def mask_window(words: list[list[int]], share: float, mask_id: int, rng: random.Random) -> tuple[list[int], list[int], list[int]]:
    """(input ids without specials, masked positions, their true ids) with whole-word masking."""
    n = max(1, round(len(words) * share))
    chosen = set(rng.sample(range(len(words)), min(n, len(words))))
    ids, positions, targets = [], [], []
    for w, word in enumerate(words):
        for piece in word:
            if w in chosen:
                positions.append(len(ids))
                targets.append(piece)
                ids.append(mask_id)
            else:
                ids.append(piece)
    return ids, positions, targets


def collate(examples, cls_id: int, sep_id: int, pad_id: int):
    """Padded tensors plus flat (row, col) of masked positions and their targets."""
    width = max(len(ids) for ids, _, _ in examples) + 2
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    rows, cols, targets = [], [], []
    for r, (piece_ids, positions, truth) in enumerate(examples):
        seq = [cls_id, *piece_ids, sep_id]
        ids[r, : len(seq)] = torch.tensor(seq)
        mask[r, : len(seq)] = 1
        rows.extend([r] * len(positions))
        cols.extend(p + 1 for p in positions)
        targets.extend(truth)
    return ids, mask, torch.tensor(rows), torch.tensor(cols), torch.tensor(targets)


def masked_loss(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy and top-1 hits at the masked positions."""
    ids, mask, rows, cols, targets = batch
    hidden = model.bert(input_ids=ids, attention_mask=mask).last_hidden_state
    logits = model.cls(hidden[rows, cols])
    loss = torch.nn.functional.cross_entropy(logits, targets)
    return loss, (logits.argmax(-1) == targets).float().sum()


def schedule(step: int, elapsed_minutes: float, config: MlmTrainConfig) -> float:
    """Warm-up, then cosine decay on whichever clock (steps or minutes) is further along."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = max(step / config.max_steps, elapsed_minutes / config.max_minutes)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def evaluate(model, batches) -> dict:
    """Mean loss, perplexity and top-1 accuracy over held-out masked words."""
    model.eval()
    total, hits, count = 0.0, 0.0, 0
    with torch.inference_mode():
        for batch in batches:
            loss, hit = masked_loss(model, batch)
            n = len(batch[4])
            total += float(loss) * n
            hits += float(hit)
            count += n
    model.train()
    mean = total / max(count, 1)
    return {"masked_pieces": count, "loss": round(mean, 4), "perplexity": round(math.exp(mean), 2), "top1": round(hits / max(count, 1), 4)}


def train_mlm(corpus: Path, out_dir: Path, run_dir: Path, config: MlmTrainConfig = MlmTrainConfig(), *,
              fresh: bool = False, log: Callable[[str], None] = print) -> dict:
    """Train, write ``out_dir`` (``models/mlm``) and return the metrics written to its card data."""
    from transformers import BertTokenizerFast

    started = time.monotonic()
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    tokenizer = BertTokenizerFast.from_pretrained(str(minilm_dir()))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build_mlm(pretrained=True).to(device)
    prefixes = trained_prefixes(model, config.trained_layers)
    head, body = [], []
    for name, param in model.named_parameters():
        trained = is_trained(name, prefixes)
        param.requires_grad_(trained)
        if trained:
            (head if name.startswith("cls.") else body).append(param)
    optimizer = torch.optim.AdamW([{"params": body, "lr": config.lr}, {"params": head, "lr": config.lr * config.head_lr_scale}], weight_decay=0.01)
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    n_trained = sum(p.numel() for p in body + head)
    log(f"mlm: {n_trained / 1e6:.2f}M trained parameters (top {config.trained_layers} layers + head), device {device}, "
        f"{torch.get_num_threads()} threads; budget {config.max_minutes} min or {config.max_steps} steps, "
        f"batch {config.batch_windows} windows x <= {config.max_tokens} pieces, seed {config.seed}")

    eval_rng = random.Random(config.seed + 1)
    held_out = []
    for words in article_windows(corpus, tokenizer, config, validation=True):
        held_out.append(mask_window(words, config.mask_share, tokenizer.mask_token_id, eval_rng))
        if len(held_out) >= config.eval_windows:
            break
    specials = (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
    eval_batches = [tuple(t.to(device) for t in collate(held_out[i : i + 64], *specials)) for i in range(0, len(held_out), 64)]

    run_dir = Path(run_dir)
    checkpoint = run_dir / "checkpoint.pt"
    step, windows_seen, skip, resumed_minutes = 0, 0, 0, 0.0
    if checkpoint.is_file() and not fresh:
        state = torch.load(checkpoint, map_location=device)
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        step, windows_seen, skip = state["step"], state["windows_seen"], state["windows_seen"]
        rng.setstate(state["rng"])
        resumed_minutes = state["minutes"]
        log(f"mlm: resumed from {checkpoint} at step {step} ({windows_seen:,} windows)")
    before = evaluate(model, eval_batches)
    log(f"mlm: held-out before training: {before}")

    def stream():
        epoch = 0
        while True:
            for window in article_windows(corpus, tokenizer, config, validation=False):
                yield epoch, window
            epoch += 1

    model.train()
    loop_start = time.monotonic() - resumed_minutes * 60
    last_checkpoint = time.monotonic()
    buffer, running, running_hits, running_n = [], 0.0, 0.0, 0
    for epoch, words in stream():
        if skip:
            skip -= 1
            continue
        buffer.append(words)
        if len(buffer) < config.batch_windows * 8:
            continue
        rng.shuffle(buffer)  # mixes sources and articles within a pool of 8 batches
        for lo in range(0, len(buffer), config.batch_windows):
            examples = [mask_window(w, config.mask_share, tokenizer.mask_token_id, rng) for w in buffer[lo : lo + config.batch_windows]]
            batch = tuple(t.to(device) for t in collate(examples, *specials))
            minutes = (time.monotonic() - loop_start) / 60
            factor = schedule(step, minutes, config)
            for group, base_lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = base_lr * factor
            loss, hits = masked_loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(body + head, 1.0)
            optimizer.step()
            step += 1
            windows_seen += len(examples)
            running += float(loss.detach())
            running_hits += float(hits)
            running_n += len(batch[4])
            if step % 50 == 0:
                log(f"mlm: step {step} epoch {epoch} windows {windows_seen:,} loss {running / 50:.3f} "
                    f"top1 {running_hits / max(running_n, 1):.3f} lr x{factor:.2f} {minutes:.1f} min")
                running, running_hits, running_n = 0.0, 0.0, 0
            if time.monotonic() - last_checkpoint > config.checkpoint_minutes * 60:
                run_dir.mkdir(parents=True, exist_ok=True)
                trained = {k: v for k, v in model.state_dict().items() if is_trained(k, prefixes)}
                torch.save({"model": trained, "optimizer": optimizer.state_dict(), "step": step, "windows_seen": windows_seen,
                            "rng": rng.getstate(), "minutes": minutes}, checkpoint)
                last_checkpoint = time.monotonic()
            if step >= config.max_steps or minutes >= config.max_minutes:
                break
        buffer = []
        if step >= config.max_steps or (time.monotonic() - loop_start) / 60 >= config.max_minutes:
            break

    after = evaluate(model, eval_batches)
    train_minutes = (time.monotonic() - loop_start) / 60
    log(f"mlm: held-out after {step} steps ({windows_seen:,} windows, {train_minutes:.1f} min): {after}")
    saved = save_mlm(model.to("cpu"), MlmConfig(trained_layers=config.trained_layers, max_tokens=config.max_tokens, trained_prefixes=prefixes), Path(out_dir))
    metrics = {"config": asdict(config), "steps": step, "windows_seen": windows_seen, "trained_parameters": n_trained,
               "held_out_before": before, "held_out_after": after, "train_minutes": round(train_minutes, 1),
               "total_minutes": round((time.monotonic() - started) / 60, 1), "device": str(device),
               "threads": torch.get_num_threads(), "weight_files": list(saved.weight_files)}
    (Path(out_dir) / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics
