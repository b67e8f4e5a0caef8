"""Log-probabilities from a pretrained causal language model, read as little as possible.

Three questions, each answered with few model reads:

* ``score_candidates``: which of several words fits between a left and a right context? The left
  context runs through the model once; its key/value cache is copied for every candidate, so
  only the candidate and the next few words are computed per candidate.
* ``word_logprobs``: how likely is each word given its left context, and how likely would the
  first piece of each given alternative have been at the same place? One forward pass per
  sentence answers both (detector evidence: a word whose thesaurus alternatives are far more
  likely is a suspect).
* ``text_logprobs``: the log-probability of whole texts (two-sided confirmation of an edit).

All log-probabilities are natural logs (nats), summed over the model's BPE pieces. Every text is
scored after a start token, so the first word is scored too.
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from repair.lm.load import PACKAGE, default_cache_dir, prepare, without_loading_bar
from repair.text import words as split_words

# Hidden states per call of the output head (their logits: 256 x 49k floats, 50 MB).
HEAD_ROWS = 256
# Cached pieces copied per batch of continuations (rows x cached length): bounds the memory of the
# per-row key/value copies (30 layers x 3 heads x 64 x 2 x 4 bytes = 46 KB per piece: 190 MB here).
CACHE_BUDGET = 4096


@dataclass(frozen=True)
class LMConfig:
    """How the scorer runs the model.

    Attributes:
        batch_size: texts per forward pass in word_logprobs/text_logprobs. On 2 cores 8 was
            faster per token than 32 (padding and the 49k-way softmax grow with the batch).
        candidate_batch_size: (left context, continuation) pairs per forward pass in
            continuation_logprobs (score_candidates batches by ``CACHE_BUDGET``).
        max_pieces: longest text accepted (pieces); split longer text into sentences.
        start_token: token put before every text; SmolLM2 separates pretraining documents
            with ``<|endoftext|>``, so after it the first word reads as a document start
            (Gemma 3 needs ``<bos>``; one outside the vocabulary is refused, not read as <unk>).
        threads: torch threads while scoring (restored afterwards); None keeps torch's setting.
        dtype: ``fp32``, or ``int8`` (dynamic per-channel quantisation of the transformer
            layers, output head kept fp32; see repair.lm.quantize and the model card).
    """

    batch_size: int = 8
    candidate_batch_size: int = 32
    max_pieces: int = 1024
    start_token: str = "<|endoftext|>"
    threads: int | None = None
    dtype: Literal["fp32", "int8"] = "fp32"


@dataclass(frozen=True)
class CandidateScore:
    """One candidate's fit between a left and a right context.

    Attributes:
        text: the candidate as given.
        logprob: log P(candidate + the right words | left context), the two-sided score.
        candidate_logprob: the candidate's part of ``logprob`` alone.
        pieces: model pieces scored (candidate and right words).
    """

    text: str
    logprob: float
    candidate_logprob: float
    pieces: int


@dataclass(frozen=True)
class WordScore:
    """A word of the sentence (offsets as repair.text.words gives them) and its log-probs.

    Attributes:
        start: character offset of the word in the sentence.
        end: end offset (exclusive).
        text: ``sentence[start:end]``.
        logprob: log P(word | left context), summed over its pieces (the leading space included).
        first_logprob: log-prob of its first piece alone, comparable with ``alternatives``.
        alternatives: (alternative, log-prob of the alternative's first piece at this place).
    """

    start: int
    end: int
    text: str
    logprob: float
    first_logprob: float
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class SentenceScores:
    """Per-word log-probs of one text, and the log-prob of the whole text."""

    text: str
    logprob: float
    words: tuple[WordScore, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Encoded:
    """Pieces of a text after the start token, with their character spans in the text."""

    ids: list[int]
    spans: list[tuple[int, int]]


@dataclass(frozen=True)
class LanguageModel:
    """A causal LM and its tokenizer, with scoring methods (see the module docstring)."""

    model: Any
    tokenizer: Any
    config: LMConfig = LMConfig()

    def __post_init__(self) -> None:
        token, tokenizer = self.config.start_token, self.tokenizer
        if tokenizer.convert_tokens_to_ids(token) in (None, tokenizer.unk_token_id) and token != tokenizer.unk_token:
            raise ValueError(f"start token {token!r} is not in the tokenizer's vocabulary; set LMConfig.start_token")

    @classmethod
    def from_pretrained(cls, folder: str | Path, config: LMConfig = LMConfig()) -> "LanguageModel":
        """Load a converted model folder (see repair.lm.load.prepare); never downloads.

        Args:
            folder: a Hugging Face folder with config.json, model.safetensors and tokenizer files.
            config: scoring settings.

        Returns:
            The scorer, model in eval mode.
        """
        from transformers import AutoModelForCausalLM, AutoTokenizer

        with without_loading_bar():
            model = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model.eval()
        if config.dtype == "int8":
            from repair.lm.quantize import quantize_int8

            model = quantize_int8(model)
        elif config.dtype != "fp32":
            raise ValueError(f"unknown dtype {config.dtype!r}; choose from ['fp32', 'int8']")
        return cls(model, tokenizer, config)

    @classmethod
    def load(cls, cache_dir: str | Path | None = None, config: LMConfig = LMConfig(),
             package: str = PACKAGE) -> "LanguageModel":
        """Find the packaged GGUF, convert it into ``cache_dir`` once, and load the conversion.

        Args:
            cache_dir: where the converted folder lives; None uses default_cache_dir().
            config: scoring settings.
            package: distribution that carries the GGUF weights.

        Raises:
            LanguageModelNotFoundError: the package is not installed.
        """
        folder = prepare(Path(cache_dir) if cache_dir is not None else default_cache_dir(), package)
        return cls.from_pretrained(folder, config)

    # ------------------------------------------------------------------ public scoring API

    def score_candidates(self, left_context: str, candidates: Sequence[str], right_context: str = "",
                         right_words: int = 3, reuse_prefix: bool = True) -> list[CandidateScore]:
        """Score each candidate between the same left and right context.

        ``left_context + candidate + right_context`` is the text being judged; only the
        candidate and the first ``right_words`` words of the right context are scored, given
        everything to their left.

        Args:
            left_context: text before the candidate, including the space before it.
            candidates: alternatives for the slot (words or phrases, no leading space).
            right_context: text after the slot (usually starts with a space or punctuation).
            right_words: how many words of the right context to score (the right side of the
                two-sided judgement; 0 scores the candidate alone).
            reuse_prefix: run the left context once and reuse its key/value cache (the same
                numbers as running every full sequence, which False does, for checks).

        Returns:
            One CandidateScore per candidate, in the given order.
        """
        if not candidates:
            return []
        # BPE pieces carry their leading space ("Ġsaid"), so the space before the slot belongs
        # to the candidate; splitting after it would score an unnatural lone-space piece.
        left = left_context.rstrip(" ")
        space = left_context[len(left):]
        right = _first_words(right_context, right_words)
        prefix = self._encode(left)
        conts = [self._encode(space + c + right, with_start=False) for c in candidates]
        if any(not cont.ids for cont in conts):
            raise ValueError("an empty candidate with no right context leaves nothing to score")
        cuts = [sum(1 for s, _ in cont.spans if s < len(space) + len(c)) for c, cont in zip(candidates, conts)]
        self._check_length(len(prefix.ids) + max(len(c.ids) for c in conts))
        with self._scoring():
            if reuse_prefix:
                rows = self._read_on_prefix(prefix.ids, [(len(prefix.ids), c.ids) for c in conts])
            else:
                rows = self._continuation_logprobs_full(prefix.ids, [c.ids for c in conts])
        return [CandidateScore(c, float(sum(row)), float(sum(row[:cut])), len(row))
                for c, row, cut in zip(candidates, rows, cuts)]

    def word_logprobs(self, sentences: Sequence[str],
                      alternatives: Sequence[Mapping[int, Sequence[str]]] | None = None) -> list[SentenceScores]:
        """Per-word log-probs given the left context, one forward pass per sentence.

        Args:
            sentences: texts to read (a sentence each is typical; any text under max_pieces).
            alternatives: per sentence, word index (in repair.text.words(sentence)) -> other
                words that could stand there; their first piece is scored at that place.

        Returns:
            One SentenceScores per sentence, words in order.
        """
        if alternatives is not None and len(alternatives) != len(sentences):
            raise ValueError(f"alternatives has {len(alternatives)} entries for {len(sentences)} sentences")
        encoded = [self._encode(s) for s in sentences]
        for item in encoded:
            self._check_length(len(item.ids))
        with self._scoring():
            tables = self._batched_logprob_tables([e.ids for e in encoded])
        results = []
        for i, (sentence, item, table) in enumerate(zip(sentences, encoded, tables)):
            alts = alternatives[i] if alternatives is not None else {}
            results.append(self._sentence_scores(sentence, item, table, alts))
        return results

    def text_logprobs(self, texts: Sequence[str]) -> list[float]:
        """Log-probability of each whole text after the start token (batched)."""
        encoded = [self._encode(t) for t in texts]
        for item in encoded:
            self._check_length(len(item.ids))
        with self._scoring():
            tables = self._batched_logprob_tables([e.ids for e in encoded])
        return [float(_target_logprobs(table, e.ids).sum()) for e, table in zip(encoded, tables)]

    def continuation_logprobs(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """log P(continuation | left context) of each (left context, continuation) pair, batched.

        Many short pairs go through the model together, and the output head runs only where
        the continuation is scored. This is the cheap way to compare two wordings of one place
        in many places at once (``repair.document.lm_margin``): the left context is read twice,
        once per wording, but batching the pairs beats reusing one prefix at a time there.
        The space before a continuation belongs to it (BPE pieces carry their leading space),
        so a left context's trailing spaces are moved over.
        """
        sequences, starts = [], []
        for left, continuation in pairs:
            stripped = left.rstrip(" ")
            prefix = self._encode(stripped)
            rest = self._encode(left[len(stripped):] + continuation, with_start=False)
            if not rest.ids:
                raise ValueError("an empty continuation leaves nothing to score")
            self._check_length(len(prefix.ids) + len(rest.ids))
            sequences.append(prefix.ids + rest.ids)
            starts.append(len(prefix.ids))
        states: list[torch.Tensor | None] = [None] * len(sequences)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        size = self.config.candidate_batch_size
        with self._scoring():
            for lo in range(0, len(order), size):
                batch = order[lo:lo + size]
                ids, mask = _right_padded([sequences[i] for i in batch], self._pad_id)
                hidden = self._hidden(ids, mask, None)
                for row, i in enumerate(batch):
                    states[i] = hidden[row, starts[i] - 1:len(sequences[i]) - 1]
            targets = [sequences[i][starts[i]:] for i in range(len(sequences))]
            rows = self._piece_logprobs(states, targets)  # type: ignore[arg-type]
        return [float(sum(row)) for row in rows]

    def count_pieces(self, text: str) -> int:
        """Model pieces in ``text`` (without the start token): the cost unit of every call."""
        return len(self._encode(text, with_start=False).ids)

    # ------------------------------------------------------------------ model reads

    def _read_on_prefix(self, prefix: list[int], rows: Sequence[tuple[int, list[int]]]) -> list[list[float]]:
        """Per row (length, pieces): log P of each piece given ``prefix[:length]`` and the row's earlier pieces.

        ``prefix`` runs through the model once. Rows go through in batches (``_cache_batches``),
        each on a copy of the key/value cache cut at its longest row; an additive attention mask
        hides from each row the cached pieces past its own length, and its position ids continue
        from there, so a row reads what running ``prefix[:length] + pieces`` whole would give.
        ``score_candidates`` asks with every row at the full length, ``repair.lm.slots`` with one
        length per place in a paragraph.
        """
        from transformers import DynamicCache

        cache = DynamicCache()
        prefix_hidden = self._hidden(torch.tensor([prefix]), torch.ones(1, len(prefix), dtype=torch.long), cache)[0]
        # A row's first piece is predicted by the last piece of its prefix, the others by the row's own.
        states: list[torch.Tensor | None] = [None] * len(rows)
        batches = _cache_batches([length for length, _ in rows])
        for batch in batches:
            lengths = [rows[i][0] for i in batch]
            longest = max(lengths)
            # The forward pass appends to the cache it is given: every batch but a lone one gets a copy.
            copied = cache if len(batches) == 1 else copy.deepcopy(cache)
            if longest < len(prefix):
                copied.crop(longest - len(prefix))  # transformers 5: a negative count of pieces to drop
            copied.batch_repeat_interleave(len(batch))
            ids, mask = _right_padded([rows[i][1] for i in batch], self._pad_id)
            positions = torch.stack([torch.arange(n, n + ids.shape[1]) for n in lengths])
            attention = _prefix_mask(lengths, longest, mask, prefix_hidden.dtype)
            hidden = self.model.get_decoder()(ids, attention, positions, copied, use_cache=True).last_hidden_state
            for i, n, row_hidden in zip(batch, lengths, hidden):
                states[i] = torch.cat([prefix_hidden[n - 1:n], row_hidden[:len(rows[i][1]) - 1]])
        return self._piece_logprobs(states, [pieces for _, pieces in rows])  # type: ignore[arg-type]

    def _continuation_logprobs_full(self, prefix: list[int], conts: list[list[int]]) -> list[list[float]]:
        """The same numbers as the cached path, reading every full sequence (for checks)."""
        tables = self._batched_logprob_tables([prefix + c for c in conts])
        return [_target_logprobs(t, prefix + c)[len(prefix) - 1:].tolist() for t, c in zip(tables, conts)]

    def _batched_logprob_tables(self, sequences: list[list[int]]) -> list[torch.Tensor]:
        """Log-softmax over the vocabulary after every piece but the last, per sequence.

        Sequences are sorted by length before batching so that padding stays small; padding is
        on the right, where a causal model never lets it touch the real positions.
        """
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        tables: list[torch.Tensor | None] = [None] * len(sequences)
        for lo in range(0, len(order), self.config.batch_size):
            batch = order[lo:lo + self.config.batch_size]
            ids, mask = _right_padded([sequences[i] for i in batch], self._pad_id)
            hidden = self._hidden(ids, mask, None)
            for row, i in enumerate(batch):
                tables[i] = self._log_softmax(hidden[row, :len(sequences[i]) - 1])
        return tables  # type: ignore[return-value]

    def _hidden(self, ids: torch.Tensor, mask: torch.Tensor, cache: Any) -> torch.Tensor:
        """Last hidden states of the decoder (the output head is applied only where scored).

        The 49k-way output head is a fifth of the model's compute per position; running the
        decoder alone and the head only on positions that are scored skips it on the prefix
        and on padding. Arguments go by position because transformers 5 renamed
        ``past_key_values`` to ``cache`` in the same slot.
        """
        decoder = self.model.get_decoder()
        return decoder(ids, mask, None, cache, use_cache=cache is not None).last_hidden_state

    def _log_softmax(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.model.get_output_embeddings()(hidden).float().log_softmax(-1)

    def _piece_logprobs(self, states: Sequence[torch.Tensor], targets: Sequence[Sequence[int]]) -> list[list[float]]:
        """log P(piece) of each target piece from the hidden state before it, per sequence.

        The output head's weights (49k x 576 floats, 113 MB) are read once per ``HEAD_ROWS``
        states. Run per candidate (a few states each) reading them took most of the time: 51 of
        80 s of the LM restorer on a spun article.
        """
        hidden = torch.cat(list(states))
        flat = torch.tensor([piece for row in targets for piece in row], dtype=torch.long)
        values: list[float] = []
        for lo in range(0, len(flat), HEAD_ROWS):
            logits = self.model.get_output_embeddings()(hidden[lo:lo + HEAD_ROWS]).float()
            picked = logits.gather(1, flat[lo:lo + HEAD_ROWS, None])[:, 0]
            values.extend((picked - logits.logsumexp(-1)).tolist())
        rows, cursor = [], 0
        for row in targets:
            rows.append(values[cursor:cursor + len(row)])
            cursor += len(row)
        return rows

    # ------------------------------------------------------------------ text <-> pieces

    def _encode(self, text: str, with_start: bool = True) -> _Encoded:
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(encoded["input_ids"])
        spans = [tuple(s) for s in encoded["offset_mapping"]]
        if with_start:
            return _Encoded([self._start_id] + ids, [(0, 0)] + spans)
        return _Encoded(ids, spans)

    def _sentence_scores(self, sentence: str, item: _Encoded, table: torch.Tensor,
                         alternatives: Mapping[int, Sequence[str]]) -> SentenceScores:
        targets = _target_logprobs(table, item.ids)  # targets[k - 1] scores piece k (table row k - 1)
        tokens = split_words(sentence)
        pieces = _pieces_of_words(tokens, item.spans)
        scores = []
        for index, (token, owned) in enumerate(zip(tokens, pieces)):
            if not owned:  # cannot happen with byte-level BPE; kept so a word is never dropped
                scores.append(WordScore(token.start, token.end, token.text, 0.0, 0.0))
                continue
            first = owned[0]
            alts = ()
            if index in alternatives:
                lead = sentence[item.spans[first][0]:token.start]  # the space the first piece carries
                row = table[first - 1]
                alts = tuple((alt, float(row[self._first_piece(lead + alt)])) for alt in alternatives[index])
            scores.append(WordScore(token.start, token.end, token.text,
                                    float(sum(targets[k - 1] for k in owned)), float(targets[first - 1]), alts))
        return SentenceScores(sentence, float(targets.sum()), tuple(scores))

    def _first_piece(self, text: str) -> int:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"][0]

    @property
    def _start_id(self) -> int:
        return self.tokenizer.convert_tokens_to_ids(self.config.start_token)

    @property
    def _pad_id(self) -> int:
        # Any id works: right padding is never attended to by real positions and never scored.
        return self._start_id

    def _check_length(self, pieces: int) -> None:
        if pieces > self.config.max_pieces:
            raise ValueError(f"text of {pieces} pieces is longer than max_pieces={self.config.max_pieces}; "
                             "score it sentence by sentence")

    @contextlib.contextmanager
    def _scoring(self) -> Iterator[None]:
        """inference_mode, and the configured thread count for this call only (no global change)."""
        before = torch.get_num_threads()
        if self.config.threads is not None:
            torch.set_num_threads(self.config.threads)
        try:
            with torch.inference_mode():
                yield
        finally:
            torch.set_num_threads(before)


def _target_logprobs(table: torch.Tensor, ids: list[int]) -> torch.Tensor:
    """log P(ids[k] | ids[:k]) for k >= 1, from the per-position log-softmax table."""
    return table[torch.arange(len(ids) - 1), torch.tensor(ids[1:], dtype=torch.long)]


def _right_padded(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, :len(row)] = 1
    return ids, mask


def _pieces_of_words(tokens: Sequence[Any], spans: list[tuple[int, int]]) -> list[list[int]]:
    """For each word, the indices of the pieces that hold its characters.

    A piece belongs to the word it overlaps ("Ġminister" spans the space and the word); pieces
    of spaces or punctuation alone belong to no word. Index 0 is the start token.
    """
    owned: list[list[int]] = [[] for _ in tokens]
    w = 0
    for k, (start, end) in enumerate(spans):
        if k == 0 or end <= start:
            continue
        while w < len(tokens) and tokens[w].end <= start:
            w += 1
        if w < len(tokens) and start < tokens[w].end and end > tokens[w].start:
            owned[w].append(k)
    return owned


def _cache_batches(lengths: Sequence[int]) -> list[list[int]]:
    """Row indices, shortest prefix first, in batches of at most ``CACHE_BUDGET`` cached pieces
    (rows x the batch's longest prefix; a row over the budget goes alone)."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if batches and (len(batches[-1]) + 1) * lengths[i] <= CACHE_BUDGET:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _prefix_mask(lengths: Sequence[int], cached: int, pieces: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Additive 4-D attention mask: a row sees the first ``length`` cached pieces and its own earlier pieces."""
    width = pieces.shape[1]
    seen = torch.stack([torch.arange(cached) < n for n in lengths])              # (rows, cached)
    causal = torch.tril(torch.ones(width, width, dtype=torch.bool))             # (width, width)
    own = causal.unsqueeze(0) & pieces.bool().unsqueeze(1)                        # (rows, width, width)
    allowed = torch.cat([seen.unsqueeze(1).expand(-1, width, -1), own], dim=2)    # (rows, width, cached + width)
    mask = torch.zeros(allowed.shape, dtype=dtype)
    mask[~allowed] = torch.finfo(dtype).min
    return mask.unsqueeze(1)


def _first_words(text: str, n: int) -> str:
    """``text`` up to the end of its ``n``-th word (all of it when it has fewer words)."""
    if n <= 0:
        return ""
    tokens = split_words(text)
    return text if len(tokens) <= n else text[:tokens[n - 1].end]
