"""Titles of known people: "Chancellor Wang Yi" -> "Foreign Minister Wang Yi".

Machine translation turns titles into false friends (Portuguese "chanceler", the foreign
minister, comes out as "Chancellor") and spinners swap them for thesaurus relatives ("Premier"
for "Prime Minister"). Names survive both, so the name tells which title clean text uses.

* **Mining** (pure functions, used by ``scripts/build_titles.py``): in every Title-Case run of
  the clean corpus that ends in a two-word name ("... Foreign Minister Wang Yi"), count the word
  just before the name (the title's *head*, "Minister") and the two-word title ending in it
  ("Foreign Minister"). Titles seen only once or twice with a name are dropped.
* **Relations** (build time, from the thesaurus): a head written in place of one of the name's titles
  counts as a garble only when the two are thesaurus relatives: "chancellor" lists
  "prime minister", which holds "minister". Unrelated titles ("Senator", "Mr") are left alone,
  since people change office and the corpus is old.
* **Matching** (``TitleIndex.find``): a titled mention whose head the corpus never used with
  that name, and which is a relative of one of the name's trusted titles, gets that title.
"""
from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repair.glossary.terms import STOPWORDS, cap_runs
from repair.results import Edit
from repair.text import Token, glossary_tokens, is_capitalized

TITLES_FILE = "titles.json.gz"
FORMAT_VERSION = 1
# Sources whose links are real synonymy; corpus neighbours and two-hop links relate
# "senator" to "president" and would rewrite correct titles.
RELATION_SOURCES = ("phrase", "wordnet", "mythes", "similar", "related")


@dataclass(frozen=True)
class TitleConfig:
    """Thresholds of mining and matching.

    Args:
        min_mentions: mentions of a name with one title before that title is trusted.
        min_head_mentions: mentions (over all names) before a word counts as a title head.
        min_share: share of a name's titled mentions a trusted title must have.
        phrase_share: share of a trusted head's mentions its two-word title must have to be
            written in full ("Foreign Minister" rather than "Minister").
    """

    min_mentions: int = 3
    min_head_mentions: int = 20
    min_share: float = 0.3
    phrase_share: float = 0.6


@dataclass
class TitleCounts:
    """Corpus counts (mergeable): per name, the heads and two-word titles seen before it."""

    heads: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    phrases: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    head_totals: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Mention:
    """A Title-Case run read as title + two-word name; indices into the paragraph's tokens."""

    head: int  # token index of the word just before the name
    name: tuple[str, str]


def is_name_word(word: str) -> bool:
    """A capitalised word that can be part of a person's name (not an acronym, not "The")."""
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return (
        is_capitalized(word) and letters.isalpha() and not (len(word) > 1 and word.isupper())
        and word.lower() not in STOPWORDS
    )


def mentions(text: str, tokens: Sequence[Token]) -> list[Mention]:
    """Title-Case runs of three or more words that end in a two-word name."""
    found = []
    for run in cap_runs(text, tokens):
        if len(run) < 3:
            continue
        first, last, head = tokens[run[-2]].text, tokens[run[-1]].text, tokens[run[-3]].text
        if is_name_word(first) and is_name_word(last) and is_name_word(head):
            found.append(Mention(run[-3], (first.lower(), last.lower())))
    return found


def count_titles(paragraphs: Iterable[str]) -> TitleCounts:
    """Heads and two-word titles before every name in clean paragraphs."""
    counts = TitleCounts()
    for text in paragraphs:
        tokens = glossary_tokens(text)
        for mention in mentions(text, tokens):
            name = " ".join(mention.name)
            head = tokens[mention.head].text
            counts.heads[name][head.lower()] += 1
            counts.head_totals[head.lower()] += 1
            if mention.head > 0 and is_capitalized(tokens[mention.head - 1].text) and (
                text[tokens[mention.head - 1].end : tokens[mention.head].start] == " "
            ):
                counts.phrases[name][f"{tokens[mention.head - 1].text} {head}"] += 1
            counts.phrases[name][head] += 1
    return counts


def name_titles(heads: Counter, phrases: Counter, config: TitleConfig) -> dict[str, tuple[str, int]]:
    """A name's trusted titles: head -> (title as written, mentions).

    A head is trusted when it has ``min_mentions`` of the name's titled mentions and at least
    ``min_share`` of them (people hold several offices: "Foreign Minister" and "Director" Wang Yi).
    The two-word title is written when it accounts for ``phrase_share`` of the head's mentions.
    """
    total = sum(heads.values())
    titles = {}
    for head, count in heads.items():
        if count < config.min_mentions or count < config.min_share * total:
            continue
        written = [(n, p) for p, n in phrases.items() if p.split()[-1].lower() == head]
        single = max((n, p) for n, p in written if " " not in p)
        double = max(((n, p) for n, p in written if " " in p), default=None)
        title = double[1] if double and double[0] >= config.phrase_share * count else single[1]
        titles[head] = (title, count)
    return titles


def relatives(heads: Iterable[str], synonyms: Callable[[str], Sequence[str]]) -> dict[str, list[str]]:
    """For each title head, the other heads that are its thesaurus relatives (either direction).

    ``synonyms(word)`` returns synonym strings; a head is related to another when one appears as
    a word of a synonym of the other ("chancellor" -> "prime minister" relates it to "minister").
    """
    heads = sorted(set(heads))
    known = set(heads)
    links: dict[str, set[str]] = defaultdict(set)
    for head in heads:
        for synonym in synonyms(head):
            for word in synonym.lower().split():
                if word in known and word != head:
                    links[head].add(word)
                    links[word].add(head)
    return {head: sorted(others) for head, others in sorted(links.items())}


def titles_data(counts: TitleCounts, synonyms: Callable[[str], Sequence[str]], config: TitleConfig) -> dict:
    """The shipped table: trusted titles of names, heads seen per name, related heads."""
    title_heads = {h for h, n in counts.head_totals.items() if n >= config.min_head_mentions}
    names = {}
    for name, heads in sorted(counts.heads.items()):
        titles = {h: t for h, t in name_titles(heads, counts.phrases[name], config).items() if h in title_heads}
        if titles:
            names[name] = {"titles": titles, "seen": sorted(heads), "total": sum(heads.values())}
    return {
        "format": FORMAT_VERSION,
        "config": {k: getattr(config, k) for k in config.__dataclass_fields__},
        "heads": sorted(title_heads),
        "related": relatives(title_heads, synonyms),
        "names": names,
    }


class TitleIndex:
    """Titles of names mined from clean news; ``find`` proposes title repairs."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown titles format {data.get('format')!r}; expected {FORMAT_VERSION}")
        self.names: dict[str, dict] = data["names"]
        self.heads = frozenset(data["heads"])
        self.related = {head: frozenset(others) for head, others in data["related"].items()}

    @classmethod
    def load(cls, path: Path) -> "TitleIndex":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls(json.load(handle))

    def __len__(self) -> int:
        return len(self.names)

    def find(self, paragraph: str) -> list[Edit]:
        """Edits putting a known name's title back where a thesaurus relative of it stands."""
        tokens = glossary_tokens(paragraph)
        edits = []
        for mention in mentions(paragraph, tokens):
            edit = self._repair(paragraph, tokens, mention)
            if edit is not None:
                edits.append(edit)
        return edits

    def _repair(self, text: str, tokens: Sequence[Token], mention: Mention) -> Edit | None:
        entry = self.names.get(" ".join(mention.name))
        token = tokens[mention.head]
        head = token.text.lower()
        if entry is None or head in entry["seen"] or head not in self.heads:
            return None
        related = self.related.get(head, frozenset())
        options = [(count, h, title) for h, (title, count) in entry["titles"].items() if h in related]
        if not options:
            return None
        count, _, title = max(options)
        share = count / entry["total"]
        start = token.start
        words = title.split()
        # "Foreign Chancellor" keeps its "Foreign": only the head is replaced then.
        before = tokens[mention.head - 1] if mention.head > 0 else None
        if len(words) > 1 and before is not None and before.text.lower() == words[0].lower():
            title = words[-1]
        confidence = round(min(0.9, 0.55 + 0.35 * share), 3)
        return Edit(start, token.end, token.text, title, "glossary", confidence,
                    reason=f"usual title of this person in the corpus ({share:.0%} of {entry['total']} mentions)")
