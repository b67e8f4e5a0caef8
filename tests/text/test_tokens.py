"""One Token, three tokenizers (repair/text/tokens.py)."""
import pytest

from repair.text import Token, count_words, glossary_tokens, ngram_tokens, normalize, words

TEXT = "U.S. envoy Kassym-Jomart Tokayev's plea, e.g. 1,700 km!"


def test_words_keep_offsets_and_internal_hyphens():
    text = "Kassym-Jomart Tokayev's plea, 1,700 km."
    tokens = words(text)
    assert [t.text for t in tokens] == ["Kassym-Jomart", "Tokayev's", "plea", "1", "700", "km"]
    assert all(text[t.start : t.end] == t.text for t in tokens)


@pytest.mark.parametrize(
    "tokenize, expected",
    [
        (words, ["U", "S", "envoy", "Kassym-Jomart", "Tokayev's", "plea", "e", "g", "1", "700", "km"]),
        (glossary_tokens, ["U.S.", "envoy", "Kassym-Jomart", "Tokayev's", "plea", "e", "g", "1", "700", "km"]),
        (ngram_tokens, ["U.S.", "envoy", "Kassym-Jomart", "Tokayev's", "plea", ",", "e.g.", "1", ",", "700", "km", "!"]),
    ],
)
def test_the_three_tokenizers_differ_only_where_documented(tokenize, expected):
    tokens = tokenize(TEXT)
    assert [t.text for t in tokens] == expected
    assert all(isinstance(t, Token) and TEXT[t.start : t.end] == t.text for t in tokens)


@pytest.mark.parametrize(
    "text, norms",
    [
        ("U.S. troops left.", ["u.s.", "troops", "left", "."]),
        ("Don’t stop, he said!", ["don't", "stop", ",", "he", "said", "."]),
        ("Kassym-Jomart Tokayev", ["kassym-jomart", "tokayev"]),
        ("", []),
    ],
)
def test_ngram_tokens_normalise(text, norms):
    assert [t.norm for t in ngram_tokens(text)] == norms


@pytest.mark.parametrize("token, norm", [("?", "."), (";", "."), (":", "."), (",", ","), ("Overseas", "overseas")])
def test_normalize(token, norm):
    assert normalize(token) == norm


def test_tokens_are_values():
    assert Token(0, 3, "Foo") == Token(0, 3, "Foo") and Token(0, 3, "Foo").norm == "foo"
    assert len({Token(0, 3, "Foo"), Token(0, 3, "Foo")}) == 1


def test_count_words():
    assert count_words(TEXT) == len(words(TEXT)) == 11
    assert count_words("") == 0
