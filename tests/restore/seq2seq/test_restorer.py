"""The shipped encoder-decoder restorer end to end (repair.restore.seq2seq.restorer).

Loaded once per session (``shipped_seq2seq``); each test runs it on a sentence or two.
"""
from __future__ import annotations

import pytest

from repair.merge.edits import apply_edits, merge_edits
from repair.restore.seq2seq.choosing import choose
from repair.restore.seq2seq.restorer import RegionJob
from repair.results import Span
from tests.restore.conftest import spans_for


def repaired(restorer, paragraph: str, spans) -> str:
    return apply_edits(paragraph, merge_edits(restorer.propose(paragraph, spans), min_confidence=0.5))


def chosen(restorer, region):
    c = restorer.config
    return choose(region, c.prior_weight, c.copy_bonus, c.temperature, decoder_weight=c.decoder_weight, ngram_weight=c.ngram_weight)


@pytest.mark.parametrize(
    ("spun", "needle", "original"),
    [
        ("They protested in opposition to the plan announced by the government.", "in opposition to", "against"),
        ("The company reported a net profit of 5 million dollars for the final quarter.", "final", "last"),
    ],
)
def test_candidate_scoring_picks_the_original(shipped_seq2seq, spun, needle, original):
    (region,) = shipped_seq2seq.score(spun, spans_for(spun, needle))
    assert region.candidates[0] == needle  # copy first
    assert original in region.candidates
    assert len(region.model_logprob) == len(region.prior_logprob) == len(region.ngram_logprob) == len(region.candidates)
    assert chosen(shipped_seq2seq, region).text == original
    assert repaired(shipped_seq2seq, spun, spans_for(spun, needle)) == spun.replace(needle, original, 1)


def test_confidence_threshold_drops_edits(shipped_seq2seq):
    spun = "They protested in opposition to the plan announced by the government."
    edits = shipped_seq2seq.propose(spun, spans_for(spun, "in opposition to"))
    assert edits and all(e.source == "model" and 0.0 < e.confidence <= 1.0 for e in edits)
    assert all(e.reason.endswith(f"(p={e.confidence:.2f})") and e.new not in e.alternatives for e in edits)  # for the review page
    assert all(spun[e.start : e.end] == e.old for e in edits)
    assert merge_edits(edits, min_confidence=1.01) == []
    assert apply_edits(spun, merge_edits(edits, min_confidence=1.01)) == spun


def test_no_spans_or_clean_words_leave_text_identical(shipped_seq2seq):
    clean = "The company said on Tuesday that its profit rose 12 percent in the first quarter."
    assert shipped_seq2seq.propose(clean, []) == []
    assert shipped_seq2seq.propose("", spans_for(clean, "company")) == []
    assert repaired(shipped_seq2seq, clean, spans_for(clean, "company", "profit", "rose")) == clean


def test_protected_tokens_are_never_changed(shipped_seq2seq):
    paragraph = "Mukhtar Tileuberdi mentioned that NATO sent 3,000 troops in 2021."
    result = repaired(shipped_seq2seq, paragraph, [Span(0, len(paragraph), paragraph, 1.0, "everything")])
    for protected in ("Mukhtar Tileuberdi", "NATO", "3,000", "2021"):
        assert protected in result


def test_the_trigram_expert_decides_what_news_says(shipped_seq2seq):
    spun = "The foreign minister mentioned on Monday that the talks would continue."
    (region,) = shipped_seq2seq.score(spun, spans_for(spun, "mentioned"))
    c = shipped_seq2seq.config
    without = choose(region, c.prior_weight, c.copy_bonus, c.temperature, decoder_weight=c.decoder_weight)
    assert chosen(shipped_seq2seq, region).text == "said" and without.text != "said"
    assert repaired(shipped_seq2seq, spun, spans_for(spun, "mentioned")) == spun.replace("mentioned", "said")


def test_jobs_skip_regions_of_protected_words_only(shipped_seq2seq):
    paragraph = "NATO mentioned it. Tileuberdi agreed 12 times."
    windows, jobs = shipped_seq2seq.jobs(paragraph, spans_for(paragraph, "NATO", "mentioned", "Tileuberdi", "12"))
    assert [(job.old, job.window) for job in jobs] == [("mentioned", 0)]
    assert len(windows) == 1


def test_jobs_put_a_sentence_regions_in_one_window(shipped_seq2seq):
    paragraph = "The minister mentioned that the nation would respond. Officers stated it."
    windows, jobs = shipped_seq2seq.jobs(paragraph, spans_for(paragraph, "mentioned", "nation", "stated"))
    assert [(job.old, job.window) for job in jobs] == [("mentioned", 0), ("nation", 0), ("stated", 1)]
    assert all(paragraph[job.start : job.end] == job.old for job in jobs)


def test_regions_too_far_apart_for_one_window_get_one_each(shipped_seq2seq):
    filler = " ".join(["the long report"] * 30)
    paragraph = f"The minister mentioned {filler} and the nation agreed."
    windows, jobs = shipped_seq2seq.jobs(paragraph, spans_for(paragraph, "mentioned", "nation"))
    assert [(job.old, job.window) for job in jobs] == [("mentioned", 0), ("nation", 1)]
    assert all(len(w.ids) <= shipped_seq2seq.config.max_tokens for w in windows)


def test_score_jobs_leaves_out_prompts_longer_than_max_prompt(shipped_seq2seq):
    text = "a " * 40
    windows, _ = shipped_seq2seq.jobs("They mentioned it.", spans_for("They mentioned it.", "mentioned"))
    too_long = RegionJob(0, 0, len(text.strip()), text.strip())
    assert shipped_seq2seq.score_jobs(windows, [too_long], text) == []
    assert shipped_seq2seq.score_jobs(windows, [], text) == []
