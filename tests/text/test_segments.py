"""Paragraphs, sentences and sentence starts (repair/text/segments.py)."""
import pytest

from repair.text import paragraphs, sentences, starts_sentence


def test_paragraphs_skip_empty_lines_and_keep_offsets():
    text = "First one.\n\nSecond one.\n"
    segs = paragraphs(text)
    assert [s.text for s in segs] == ["First one.", "Second one."]
    assert all(text[s.start : s.end] == s.text for s in segs)


def test_sentences_split_on_end_punctuation():
    text = 'He said so. "It works," she added. 2022 was hard.'
    segs = sentences(text)
    assert [s.text for s in segs] == ["He said so.", '"It works," she added.', "2022 was hard."]
    assert all(text[s.start : s.end] == s.text for s in segs)


def test_no_split_before_lower_case_and_empty_text():
    assert [s.text for s in sentences("Mr. smith left. ok")] == ["Mr. smith left. ok"]
    assert sentences("") == [] and paragraphs("") == []


@pytest.mark.parametrize(
    "text, start, expected",
    [
        ("Officials said", 0, True),
        ('He left. "Officials said', 10, True),
        ("the Officials said", 4, False),
        ("(Reuters) - Officials", 12, False),
        ("Done; Officials", 6, False),
    ],
)
def test_starts_sentence_defaults(text, start, expected):
    assert starts_sentence(text, start) is expected


def test_starts_sentence_with_wider_ends():
    assert starts_sentence("LONDON — Officials", 9, ends=".!?:\n—–-")
    assert starts_sentence("Done; Officials", 6, ends=".!?:;\n")
    assert starts_sentence("x [Officials", 3, openers=" [") is False
    assert starts_sentence("x. [Officials", 4, openers=" [")
