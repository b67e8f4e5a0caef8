"""Properties of the Python API (``Repairer.repair`` / ``detect``) on any text.

Any ``str`` gives a result or one of the library's own errors; applying ``result.edits`` to
the input reproduces ``result.text``; every edit and span offset indexes the input; clean news
comes back byte-identical. Each property runs on the shipped pipeline (loaded once per session,
``tests/conftest.py``) and, with more examples, on a fast glossary-only pipeline
(``glossary_only`` in this folder's conftest: ``use_model=False`` and the lexicon detector).
"""
from __future__ import annotations

import math

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from repair.errors import InputError, UnspinError
from repair.merge.edits import apply_edits
from tests.properties.budget import examples
from tests.properties.strategies import any_text, characters, clean_text, noisy_spun_text


def check_spans(text: str, spans) -> None:
    for span in spans:
        assert 0 <= span.start <= span.end <= len(text), span
        assert text[span.start : span.end] == span.text, span


def check_detection(text: str, report) -> None:
    assert 0.0 <= report.score <= 1.0 and not math.isnan(report.score), report.score
    check_spans(text, report.spans)
    check_spans(text, report.weak_spans)


def repair_or_error(repairer, text: str):
    """The RepairResult with its invariants checked, or None for one of the library's own errors."""
    try:
        result = repairer.repair(text)
    except UnspinError:
        return None
    for edit in result.edits:
        assert 0 <= edit.start <= edit.end <= len(text), edit
        assert text[edit.start : edit.end] == edit.old, edit
    assert apply_edits(text, result.edits) == result.text  # also: sorted and non-overlapping
    assert result.changed == (result.text != text) or not result.edits
    if result.detection is not None:
        check_detection(text, result.detection)
    event(f"edit sources: {sorted({e.source for e in result.edits})}")  # --hypothesis-show-statistics
    return result


# Hand-picked starting points for the generator: each stresses offsets in another way.
CORNERS = ["", "\x00", "\r\n\r\n\r\n", "İİİ said İ", "e\u0301" * 50, "\u202eThe minister said\u202c", "a" * 5000,
           "The overseas minister mentioned\r\non Monday.\rSafety forces\u2028were deployed.\n\n\n"]


@examples(2)
@given(any_text)
@example(CORNERS[7])
@example(CORNERS[3])
def test_shipped_pipeline_on_any_text(shipped_repairer, text):
    repair_or_error(shipped_repairer, text)


@examples(80)
@given(any_text)
@example(CORNERS[0])
@example(CORNERS[1])
@example(CORNERS[2])
@example(CORNERS[4])
@example(CORNERS[5])
@example(CORNERS[6])
def test_glossary_only_pipeline_on_any_text(glossary_only, text):
    repair_or_error(glossary_only, text)


@examples(1)
@given(noisy_spun_text())
# From the README's example, with a zero-width joiner, CRLF and an emoji: the restorer rewrites
# "will probably be" and "subsequent" (1.4 s).
@example("Talks with opposition\u200d leaders will probably be held subsequent week,\r\n the 👍🏽 ministry added.")
def test_shipped_pipeline_on_spun_text_with_hostile_characters(shipped_repairer, text):
    """Spun news makes the detector flag spans and the restorer rewrite them, next to NUL, RTL, emoji..."""
    repair_or_error(shipped_repairer, text)


@examples(30)
@given(st.one_of(any_text, noisy_spun_text()))
def test_detect_spans_index_the_input(glossary_only, text):
    try:
        report = glossary_only.detect(text)
    except UnspinError:
        return
    check_detection(text, report)


@examples(2)
@given(clean_text())
def test_shipped_pipeline_leaves_clean_news_byte_identical(shipped_repairer, text):
    result = shipped_repairer.repair(text)
    assert result.edits == () and result.text == text


@examples(25)
@given(clean_text())
def test_glossary_only_pipeline_leaves_clean_news_byte_identical(glossary_only, text):
    result = glossary_only.repair(text)
    assert result.edits == () and result.text == text


@examples(10)
@given(st.lists(st.one_of(any_text, clean_text(), noisy_spun_text()), min_size=2, max_size=4))
def test_repair_batch_gives_what_repair_gives_one_by_one(glossary_only, texts):
    batch = glossary_only.repair_batch(texts)
    assert [(r.text, r.edits) for r in batch] == [(r.text, r.edits) for r in map(glossary_only.repair, texts)]


surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


@examples(10)
@given(st.builds(lambda a, s, b: a + s + b, any_text, surrogates, st.text(characters, max_size=20)))
# Bug: an unpaired surrogate (a valid Python str, and what JSON's "\ud800" decodes to) reached
# the tagger's Hugging Face tokenizer, which raised TypeError ("TextEncodeInput must be ...").
@example("The overseas minister mentioned \ud800 on Monday that safety forces had been deployed")
def test_unpaired_surrogates_are_an_input_error(shipped_repairer, text):
    with pytest.raises(InputError, match="unpaired surrogate"):
        shipped_repairer.repair(text)
    with pytest.raises(InputError, match="unpaired surrogate"):
        shipped_repairer.detect(text)
