import pytest

from repair.text import match_case, paragraphs, sentences, words


def test_words_keep_offsets_and_internal_hyphens():
    text = "Kassym-Jomart Tokayev's plea, 1,700 km."
    tokens = words(text)
    assert [t.text for t in tokens] == ["Kassym-Jomart", "Tokayev's", "plea", "1", "700", "km"]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_paragraphs_skip_empty_lines_and_keep_offsets():
    text = "First one.\n\nSecond one.\n"
    segs = paragraphs(text)
    assert [s.text for s in segs] == ["First one.", "Second one."]
    assert all(text[s.start : s.end] == s.text for s in segs)


def test_sentences_split_on_end_punctuation():
    text = 'He said so. "It works," she added. 2022 was hard.'
    assert [s.text for s in sentences(text)] == ["He said so.", '"It works," she added.', "2022 was hard."]


@pytest.mark.parametrize(
    "template, word, expected",
    [("mentioned", "said", "said"), ("Mentioned", "said", "Said"), ("CTO", "csto", "CSTO"), ("Group", "organization", "Organization")],
)
def test_match_case(template, word, expected):
    assert match_case(template, word) == expected
