"""Tried and not shipped: SmolLM2, prompted with a few examples, proposes the standard term for a flagged phrase.

The restorer's candidates never hold the original of a scientific tortured phrase ("counterfeit
consciousness" for "artificial intelligence": 0 of 20 rows, eval/reports/tortured.md). This asks
whether the pretrained LM could propose it. For each phrase (its gold span given) the LM reads a
short prompt (four made-up news examples such as "chilly war" -> "cold war", then the sentence
and the phrase) and returns 10 beams. Each proposal is judged by its two-sided LM gain over the
phrase (log P(proposal + 3 words after | the sentence before) minus the same for the phrase) and
by the cosine of MiniLM embeddings of the two phrases. Rows:

* T: the 40 tortured rows (eval/suites/tortured/phrases.tsv; never put into any model);
* C: the clean twins of every other row, the original term given as if it were flagged;
* S: the first 60 multi-word substitutions of the synthetic suite (news);
* N: 60 pairs of adjacent words of clean test news, given as if they were flagged.

It prints, per acceptance rule (gain at least G nats, similarity at least S, same word count or
not), how many proposals each row set accepts and how many of those are the original.
Results of 2026-12-05 are in models/restorer/MODEL_CARD.md.

    python scripts/try_lm_term_proposals.py [--rows T C S N]
"""
from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import json
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair import text as textutil  # noqa: E402
from repair.document.lm_entries import WordSimilarity  # noqa: E402
from repair.lm import LanguageModel, default_cache_dir  # noqa: E402
from repair.paths import REPO_ROOT, corpus_path  # noqa: E402

PROMPT = ("Each garbled phrase below was made by replacing the words of a common term with odd synonyms. "
          "Give the common term.\n\n"
          "Sentence: The two countries were locked in a chilly war for decades.\nGarbled phrase: chilly war\nStandard term: cold war\n\n"
          "Sentence: The prime priest met the president on Monday.\nGarbled phrase: prime priest\nStandard term: prime minister\n\n"
          "Sentence: Activists accused the regime of abusing human privileges.\nGarbled phrase: human privileges\nStandard term: human rights\n\n"
          "Sentence: Shares fell sharply on the stock souk yesterday.\nGarbled phrase: stock souk\nStandard term: stock market\n\n")
BEAMS = 10


def propose(lm: LanguageModel, sentence: str, phrase: str) -> list[str]:
    """Distinct proposals of the prompted LM's beams (the phrase itself left out)."""
    ids = lm.tokenizer(PROMPT + f"Sentence: {sentence}\nGarbled phrase: {phrase}\nStandard term:", return_tensors="pt")
    with torch.inference_mode():
        out = lm.model.generate(**ids, num_beams=BEAMS, num_return_sequences=BEAMS, max_new_tokens=8, do_sample=False,
                                early_stopping=True, pad_token_id=lm.tokenizer.eos_token_id)
    found: list[str] = []
    for row in out:
        text = lm.tokenizer.decode(row[ids["input_ids"].shape[1]:], skip_special_tokens=True)
        text = text.split("\n")[0].strip().strip(".").strip()
        if text and text.lower() != phrase.lower() and text not in found:
            found.append(text)
    return found


def judge(lm: LanguageModel, similarity: WordSimilarity, text: str, start: int, end: int, proposals: list[str]) -> list[tuple]:
    """(proposal, LM gain over the phrase in nats, MiniLM cosine with the phrase) per proposal."""
    old = text[start:end]
    shown = [old] + [textutil.match_case_by_word(old, p) if p.islower() else p for p in proposals]
    scores = lm.score_candidates(text[:start], shown, text[end:], right_words=3)
    cosines = similarity(old.lower(), [p.lower() for p in proposals])
    return [(p, s.logprob - scores[0].logprob, c) for p, s, c in zip(proposals, scores[1:], cosines)]


def row_sets() -> dict[str, list[dict]]:
    def item(text, phrase, gold):
        start = text.index(phrase)
        return {"text": text, "start": start, "end": start + len(phrase), "gold": gold}

    tortured = list(csv.DictReader((REPO_ROOT / "eval/suites/tortured/phrases.tsv").open(encoding="utf-8"), delimiter="\t"))
    sets = {"T": [item(r["context"], r["tortured"], r["original"]) for r in tortured],
            "C": [item(r["clean"], r["original"], r["original"]) for r in tortured[::2]]}
    suite = [json.loads(line) for line in (REPO_ROOT / "eval/suites/synthetic/test.jsonl").open(encoding="utf-8")]
    sets["S"] = [{"text": r["spun"], "start": s["spun_start"], "end": s["spun_end"], "gold": s["clean"]}
                 for r in suite for s in r["subs"] if len(s["spun"].split()) >= 2][:60]
    rng = random.Random(0)
    with gzip.open(corpus_path("test"), "rt", encoding="utf-8") as lines:
        docs = [json.loads(line)["text"] for line in itertools.islice(lines, 400)]
    rng.shuffle(docs)
    news = []
    for doc in docs:
        paragraphs = [p for p in doc.split("\n") if 80 < len(p) < 400]
        if not paragraphs:
            continue
        paragraph = rng.choice(paragraphs)
        tokens = textutil.words(paragraph)
        pairs = [(a, b) for a, b in zip(tokens, tokens[1:]) if a.text.isalpha() and b.text.isalpha()
                 and len(a.text) > 3 and len(b.text) > 3 and paragraph[a.end:b.start] == " "]
        if pairs:
            a, b = rng.choice(pairs)
            news.append({"text": paragraph, "start": a.start, "end": b.end, "gold": paragraph[a.start:b.end]})
        if len(news) >= 60:
            break
    sets["N"] = news
    return sets


def accepted(item: dict, gain: float, cosine: float, same_length: bool):
    old = item["text"][item["start"]:item["end"]]
    size = lambda s: len(s.replace("-", " ").split())  # noqa: E731
    kept = [p for p in item["proposals"] if p[1] >= gain and p[2] >= cosine and (not same_length or size(p[0]) == size(old))]
    return max(kept, key=lambda p: p[1]) if kept else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", default=["T", "C", "S", "N"], choices=["T", "C", "S", "N"])
    args = parser.parse_args(argv)
    lm, similarity = LanguageModel.load(default_cache_dir()), WordSimilarity()
    sets = {name: rows for name, rows in row_sets().items() if name in args.rows}
    for name, rows in sets.items():
        tick = time.perf_counter()
        for item in rows:
            proposals = propose(lm, item["text"], item["text"][item["start"]:item["end"]])
            item["proposals"] = judge(lm, similarity, item["text"], item["start"], item["end"], proposals) if proposals else []
        among = sum(any(p[0].lower() == item["gold"].lower() for p in item["proposals"]) for item in rows)
        print(f"{name}: {len(rows)} rows, original among the proposals in {among}, {time.perf_counter() - tick:.0f} s")
    for gain, cosine, same_length in itertools.product((6, 9, 12), (0.2, 0.3, 0.4, 0.5), (True, False)):
        cells = []
        for name, rows in sets.items():
            picks = [(accepted(item, gain, cosine, same_length), item["gold"]) for item in rows]
            kept = [(p, gold) for p, gold in picks if p]
            cells.append(f"{name} {sum(p[0].lower() == gold.lower() for p, gold in kept)}/{len(kept)}")
        print(f"gain >= {gain}, cosine >= {cosine}, same length {same_length}: right/accepted " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
