"""The choice among a region's candidates: a product of experts over cached scores (pure).

Score = ``decoder_weight`` · decoder log P(candidate) + ``prior_weight`` · log prior
+ ``ngram_weight`` · corpus trigram log P + ``copy_bonus`` · [copy]; confidence = the winner's
softmax share among the candidates at ``temperature``. The experts are scored once per region
(``RegionScores``), so the weights can be tuned on cached scores.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from repair import text as textutil
from repair.restore.seq2seq.candidates import normalise_phrase
from repair.results import Edit


@dataclass(frozen=True)
class RegionScores:
    """Everything the choice needs for one region: candidates (lower case, copy first) and each expert's scores.

    Attributes:
        start, end, old: the region in the paragraph and its spun text.
        candidates: candidate texts, the copy first.
        model_logprob: decoder log P(candidate, [SEP]) per candidate.
        prior_logprob: pair/thesaurus prior per candidate (``CandidatePrior.logprob``).
        ngram_logprob: corpus trigram log P(candidate and the two words after it | two words
            before); empty when the restorer has no trigram expert.
        lm_logprob: pretrained LM log P(candidate and the next words | the paragraph before);
            empty when the restorer has no LM (``lm_expert``) or the region had only the copy.
    """

    start: int
    end: int
    old: str
    candidates: tuple[str, ...]
    model_logprob: tuple[float, ...]
    prior_logprob: tuple[float, ...]
    ngram_logprob: tuple[float, ...] = ()
    lm_logprob: tuple[float, ...] = ()


@dataclass(frozen=True)
class Choice:
    """The winning candidate, its softmax share and its index (0: the copy).

    ``alternatives``: the next candidates by combined score (at most ``ALTERNATIVES``), for
    review; ``experts``: which experts voted ("decoder+pairs+trigrams").
    """

    text: str
    confidence: float
    index: int
    alternatives: tuple[str, ...] = ()
    experts: str = ""


ALTERNATIVES = 3


def choose(scores: RegionScores, prior_weight: float, copy_bonus: float, temperature: float, *,
           decoder_weight: float = 1.0, ngram_weight: float = 0.0, lm_weight: float = 0.0) -> Choice:
    """Best candidate under the combined score; confidence = its share of the softmax mass.

    The experts: the decoder (reads the spun words and the sentence), the pair/thesaurus prior
    (what spinners put for what), the corpus trigrams (how the words join their neighbours)
    and the pretrained LM (what a fluent writer would have put there), each raised to its
    tuned weight.
    """
    total = decoder_weight * torch.tensor(scores.model_logprob) + prior_weight * torch.tensor(scores.prior_logprob)
    if ngram_weight and scores.ngram_logprob:
        total += ngram_weight * torch.tensor(scores.ngram_logprob)
    if lm_weight and scores.lm_logprob:
        total += lm_weight * torch.tensor(scores.lm_logprob)
    total[0] += copy_bonus
    probs = torch.softmax(total / temperature, dim=0)
    best = int(probs.argmax())
    ranked = [scores.candidates[i] for i in probs.argsort(descending=True).tolist() if i != best]
    experts = "+".join(name for name, used in (("decoder", decoder_weight), ("pairs", prior_weight),
                                               ("trigrams", ngram_weight and scores.ngram_logprob)) if used)
    return Choice(scores.candidates[best], float(probs[best]), best, tuple(ranked[:ALTERNATIVES]), experts)


def choice_edit(scores: RegionScores, choice: Choice) -> Edit | None:
    """The edit for a region's choice (None for the copy or a candidate that only changes case).

    Candidates are lower case; the edit gets the spun words' case back, word by word.
    """
    if choice.index == 0 or normalise_phrase(choice.text) == normalise_phrase(scores.old):
        return None
    new = textutil.match_case_by_word(scores.old, choice.text)
    alternatives = tuple(textutil.match_case_by_word(scores.old, text) for text in choice.alternatives)
    experts = choice.experts or "decoder"
    reason = f"{experts} {'prefer' if '+' in experts else 'prefers'} {new!r} (p={choice.confidence:.2f})"
    return Edit(scores.start, scores.end, scores.old, new, "model", choice.confidence, alternatives, reason)
