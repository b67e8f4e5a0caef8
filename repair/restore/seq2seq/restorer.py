"""The encoder-decoder restorer: flagged spans in, edits out.

For each sentence with flagged words: one encoder window (``windows.py``); for each flagged
region: the decoder's own proposals and the other candidates (``candidates.py``), each scored
by the decoder, the prior and the corpus trigrams, and the best one chosen (``choosing.py``).

A model folder (``models/restorer``) holds ``config.json`` (``Seq2SeqConfig``), the trained
tensors (``model-0000i-of-0000n.safetensors`` + ``model.safetensors.index.json``),
``pairs.json`` (spun phrase -> original -> count) and ``spinnable.json`` (lower-case words
spinners emit).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from repair import text as textutil
from repair.restore.seq2seq.candidates import CandidatePrior, detokenise, is_protected, normalise_phrase, region_candidates
from repair.restore.seq2seq.choosing import RegionScores, choice_edit, choose
from repair.restore.seq2seq.decoding import DecoderIds, decoder_ids, generate, target_logprobs
from repair.restore.seq2seq.lm_expert import LazyLanguageModel, LMRegion, lm_fill_paragraph, lm_shortlist
from repair.restore.seq2seq.model import (
    EncoderDecoder,
    Seq2SeqConfig,
    build_seq2seq,
    load_seq2seq_weights,
    save_seq2seq_weights,
)
from repair.restore.seq2seq.windows import (
    Window,
    WordPieceEncoder,
    encode_window,
    fits,
    load_wordpiece_encoder,
    pad_rows,
    sentence_local,
    span_regions,
)
from repair.results import Edit, Span

if TYPE_CHECKING:
    from repair.resources.ngram import NgramModel
    from repair.resources.shared import Resources

PAIRS_FILE, SPINNABLE_FILE = "pairs.json", "spinnable.json"
# Candidates scored per decoder pass: bounds memory on long paragraphs.
CANDIDATE_BATCH = 256


@dataclass(frozen=True)
class RegionJob:
    """One flagged region to restore: the index of its window, offsets into the text, and the text."""

    window: int
    start: int
    end: int
    old: str


@dataclass(frozen=True, eq=False, kw_only=True)
class Seq2SeqRestorer:
    """Encoder-decoder restorer with guided decoding: ``propose(paragraph, spans)`` -> edits.

    Args:
        model: a loaded ``EncoderDecoder``.
        encoder: MiniLM's WordPiece encoder.
        spinnable: lower-case words spinners were seen to emit (capitalised ones may be rewritten).
        config: the ``Seq2SeqConfig``.
        prior: candidate sources and prior.
        ngram: the corpus trigram expert (None: not used).
        lm: the pretrained language model expert, loaded on first use (None: not used; it is
            used when ``config.lm_weight`` > 0, only on regions with more than the copy).
        batch_size: windows per encoder pass.
    """

    model: EncoderDecoder
    encoder: WordPieceEncoder
    spinnable: frozenset[str]
    config: Seq2SeqConfig
    prior: CandidatePrior
    ngram: NgramModel | None = None
    lm: LazyLanguageModel | None = None
    batch_size: int = 32
    special: DecoderIds = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "special", decoder_ids(self.encoder))

    @classmethod
    def from_pretrained(cls, folder: Path, resources: Resources, *, lm: LazyLanguageModel | None = None,
                        settings: dict | None = None) -> "Seq2SeqRestorer":
        """Load a model folder; the thesaurus and trigram counts are the pipeline's shared ones.

        ``lm``: the language model expert (kind ``seq2seq+lm``); ``settings``: config values
        that replace the folder's (that kind's score combination, ``lm.json``).

        Raises:
            ModelNotFoundError: the folder lacks its config or weights, or they do not fit.
        """
        folder = Path(folder)
        config = Seq2SeqConfig.from_pretrained(folder)
        if settings:
            config = replace(config, **settings)
        model = build_seq2seq(config, pretrained=True)
        load_seq2seq_weights(model, config, folder)
        pairs = json.loads((folder / PAIRS_FILE).read_text(encoding="utf-8"))
        spinnable = frozenset(json.loads((folder / SPINNABLE_FILE).read_text(encoding="utf-8")))
        return cls(model=model, encoder=load_wordpiece_encoder(), spinnable=spinnable, config=config,
                   prior=CandidatePrior(pairs, config, resources.thesaurus), ngram=resources.ngram if config.ngram_weight else None,
                   lm=lm if config.lm_weight else None)

    def save_pretrained(self, folder: Path) -> None:
        """Write the model folder ``from_pretrained`` reads."""
        save_pretrained(folder, self.model, self.config, spinnable=self.spinnable, pairs=self.prior.pairs)

    def propose(self, paragraph: str, spans: Sequence[Span]) -> list[Edit]:
        """Edits (offsets into ``paragraph``) restoring the flagged spans; unflagged text is untouched."""
        if not spans or not paragraph:
            return []
        c = self.config
        choices = [(s, choose(s, c.prior_weight, c.copy_bonus, c.temperature, decoder_weight=c.decoder_weight,
                              ngram_weight=c.ngram_weight, lm_weight=c.lm_weight)) for s in self.score(paragraph, spans)]
        return [edit for edit in (choice_edit(s, choice) for s, choice in choices) if edit]

    def score(self, paragraph: str, spans: Sequence[Span]) -> list[RegionScores]:
        """Candidates and every expert's log-probabilities for each flagged region."""
        windows, jobs = self.jobs(paragraph, spans)
        return self.score_jobs(windows, jobs, paragraph)

    def jobs(self, paragraph: str, spans: Sequence[Span]) -> tuple[list[Window], list[RegionJob]]:
        """Encoder windows and the regions (with an unprotected word) each restores."""
        windows: list[Window] = []
        jobs: list[RegionJob] = []
        for sentence, regions in span_regions(paragraph, spans):
            regions = [r for r in regions if any(not is_protected(t.text, spinnable=self.spinnable) for t in r)]
            for window, group in self.sentence_windows(sentence, regions):
                windows.append(window)
                jobs.extend(RegionJob(len(windows) - 1, r[0].start, r[-1].end, paragraph[r[0].start : r[-1].end]) for r in group)
        return windows, jobs

    def sentence_windows(self, sentence: textutil.Segment, regions: list[list[textutil.Token]]) -> list[tuple[Window, list]]:
        """One window for all regions of a sentence, or, when they do not fit together, one per region.

        A region that does not fit a window by itself is left out (not restored).
        """
        if not regions:
            return []
        local = sentence_local(regions, sentence)
        max_tokens = self.config.max_tokens
        window = encode_window(self.encoder, sentence.text, local, max_tokens)
        if fits(window, sum(len(r) for r in regions), max_tokens):
            return [(window, regions)]
        alone = [(encode_window(self.encoder, sentence.text, [lr], max_tokens), [r]) for r, lr in zip(regions, local)]
        return [(w, group) for w, group in alone if fits(w, len(group[0]), max_tokens)]

    def score_jobs(self, windows: Sequence[Window], jobs: Sequence[RegionJob], text: str) -> list[RegionScores]:
        """Scores of ``jobs`` (offsets into ``text``) over the encoded ``windows``.

        Regions whose prompt is empty or longer than ``max_prompt`` pieces are left out.
        """
        prompts = [tuple(p) for p in self.encoder.encode_batch([normalise_phrase(j.old) for j in jobs])]
        kept = [(job, prompt) for job, prompt in zip(jobs, prompts) if 0 < len(prompt) <= self.config.max_prompt]
        if not kept:
            return []
        jobs, prompts = [job for job, _ in kept], [prompt for _, prompt in kept]
        owners = [job.window for job in jobs]
        with torch.inference_mode():
            memory, mask = self.encode(windows)
            proposed = generate(self.model, memory, mask, owners, prompts, self.special,
                                first_tokens=self.config.first_tokens, max_target=self.config.max_target)
            candidates = [self.candidates(job, own) for job, own in zip(jobs, proposed)]
            logprobs = self.candidate_logprobs(memory, mask, owners, prompts, candidates)
        return self.with_lm_scores([self.region_scores(job, cands, lps, text) for job, cands, lps in zip(jobs, candidates, logprobs)], text)

    def encode(self, windows: Sequence[Window]) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder states of every window (padded to the longest, run ``batch_size`` at a time) and their mask."""
        ids, mask = pad_rows([w.ids for w in windows], self.encoder.ids.pad)
        size = self.batch_size
        memory = torch.cat([self.model.encode(ids[lo : lo + size], mask[lo : lo + size]) for lo in range(0, len(windows), size)])
        return memory, mask

    def candidates(self, job: RegionJob, proposed: Sequence[tuple[int, ...]]) -> list[tuple[str, tuple[int, ...]]]:
        """(text, pieces) candidates of a region, the copy first (see ``region_candidates``)."""
        own = [detokenise(self.encoder.decode(pieces)) for pieces in proposed]
        return region_candidates(job.old, own, self.prior, self.encoder, spinnable=self.spinnable,
                                 max_target=self.config.max_target, max_candidates=self.config.max_candidates)

    def candidate_logprobs(self, memory, mask, owners: Sequence[int], prompts, candidates) -> list[list[float]]:
        """Decoder log P(candidate, [SEP]) of every candidate, per region."""
        flat = [(i, pieces) for i, cands in enumerate(candidates) for _, pieces in cands]
        scores: list[float] = []
        for lo in range(0, len(flat), CANDIDATE_BATCH):
            part = flat[lo : lo + CANDIDATE_BATCH]
            logps = target_logprobs(self.model, memory, mask, [owners[i] for i, _ in part], [prompts[i] for i, _ in part],
                                    [pieces for _, pieces in part], self.special)
            scores.extend(float(lp.sum()) for lp in logps)
        per_region, cursor = [], 0
        for cands in candidates:
            per_region.append(scores[cursor : cursor + len(cands)])
            cursor += len(cands)
        return per_region

    def region_scores(self, job: RegionJob, candidates, model_logprob: Sequence[float], text: str) -> RegionScores:
        """A region's candidates with the decoder's, the prior's and the trigrams' scores (the LM's
        come after, for all of the paragraph's regions at once: ``with_lm_scores``)."""
        texts = tuple(t for t, _ in candidates)
        prior = tuple(self.prior.logprob(job.old, t) for t in texts)
        ngram = tuple(self.ngram.fill_logprobs(text, job.start, job.end, texts)) if self.ngram is not None else ()
        return RegionScores(job.start, job.end, job.old, texts, tuple(model_logprob), prior, ngram)

    def with_lm_scores(self, regions: list[RegionScores], text: str) -> list[RegionScores]:
        """The regions with the LM's scores added, for those with more than the copy to choose
        from (one read of the paragraph ``text`` for all of them); unchanged without an LM."""
        chosen = [i for i, r in enumerate(regions) if len(r.candidates) > 1]
        if self.lm is None or not chosen:
            return regions
        c = self.config
        asked = [LMRegion(r.start, r.end, r.old, r.candidates,
                          tuple(lm_shortlist(c, r.model_logprob, r.prior_logprob, r.ngram_logprob)))
                 for r in (regions[i] for i in chosen)]
        scored = dict(zip(chosen, lm_fill_paragraph(self.lm, text, asked, c.lm_right_words)))
        return [replace(r, lm_logprob=scored[i]) if i in scored else r for i, r in enumerate(regions)]


def save_pretrained(folder: Path, model: EncoderDecoder, config: Seq2SeqConfig, *, spinnable: frozenset[str],
                    pairs: dict[str, dict[str, float]]) -> None:
    """Write a restorer folder: config, trained tensors (fp16), pair counts and spinnable words."""
    folder = Path(folder)
    config.save_pretrained(folder)
    save_seq2seq_weights(model, config, folder)
    (folder / SPINNABLE_FILE).write_text(json.dumps(sorted(spinnable), ensure_ascii=False), encoding="utf-8")
    (folder / PAIRS_FILE).write_text(json.dumps(pairs, ensure_ascii=False, sort_keys=True), encoding="utf-8")
