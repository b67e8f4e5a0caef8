"""Text and byte strategies for the property tests: real clean news, and the nastiest Unicode.

Clean text comes from the committed synthetic suite (``eval/suites/synthetic/test.jsonl``):
every row's ``clean`` side is unedited news copy, and the pipeline leaves each of them
byte-identical. Hostile text mixes words of those rows with control characters, line-ending
mixes, combining marks, right-to-left script, emoji sequences, zero-width characters, NUL and
characters whose case mapping changes their length (a classic way to break offsets).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

SUITE = Path(__file__).resolve().parents[2] / "eval" / "suites" / "synthetic" / "test.jsonl"


@lru_cache(maxsize=1)
def suite_rows() -> tuple[dict, ...]:
    with open(SUITE, encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle if line.strip())


@lru_cache(maxsize=1)
def clean_paragraphs() -> tuple[str, ...]:
    """The clean side of every suite row (300 news paragraphs)."""
    return tuple(row["clean"] for row in suite_rows())


@lru_cache(maxsize=1)
def spun_paragraphs() -> tuple[str, ...]:
    """Rows the spinner or garbler changed most: text that makes the detector and restorer work."""
    return tuple(row["spun"] for row in suite_rows() if row["rate"] >= 0.3)


@lru_cache(maxsize=1)
def clean_words() -> tuple[str, ...]:
    return tuple(sorted({word for text in clean_paragraphs() for word in text.split()}))


# Pieces that have broken text tools before: line endings of every kind, controls, BOM and
# zero-width characters, combining marks, RTL text and direction overrides, emoji sequences,
# ligatures and letters whose lower/upper case has another length ("İ".lower() has 2 chars).
NASTY = (
    "\r\n", "\r", "\n", "\n\n\n\n\n", "\r\n\r\n", "\t", "\t\t", "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f",
    "\x85", "\u2028", "\u2029", "\u00a0", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufffd",
    "\u0301", "e\u0301", "a\u0308\u0304", "\u0337" * 5, "Z\u0351\u036b\u0343\u036a\u0302\u036b",
    "مرحبا بالعالم", "שָׁלוֹם", "\u202e", "\u202d", "\u200f", "\u061c",
    "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇺🇸", "🏳️\u200d🌈", "\U0001f600" * 3,
    "İstanbul", "ǅ", "ß", "ﬁnance", "ﬀ", "ΣΑΣ", "ı", "Ⅻ", "㎏", "Ａｂｃ", "𝐁𝐨𝐥𝐝", "\U000e0041",
    "U.S.", "Mr.", "CSTO", "N.A.T.O.", "...", "—", "“quoted”", "'", "-", "$1.5 billion", "10,000", "1987/88",
)

characters = st.characters(exclude_categories=("Cs",))  # lone surrogates are not valid str


@st.composite
def long_word(draw) -> str:
    letter = draw(st.sampled_from("aZé\u0301字ß"))
    return letter * draw(st.integers(100, 1500))


pieces = st.one_of(
    st.sampled_from(clean_words()),
    st.sampled_from(NASTY),
    st.text(characters, max_size=12),
    long_word(),
)
separators = st.sampled_from([" ", " ", " ", "  ", "\n", "\r\n", "\r", "\n\n", "\t", "", "\u00a0", "\n \n", "\u2029"])


@st.composite
def hostile_text(draw, max_pieces: int = 40) -> str:
    """Clean words and nasty pieces joined by any kind of whitespace (or none)."""
    words = draw(st.lists(pieces, max_size=max_pieces))
    out = []
    for word in words:
        out += [word, draw(separators)]
    return "".join(out)


any_text = st.one_of(hostile_text(), st.text(characters, max_size=200))


@st.composite
def clean_text(draw) -> str:
    """One to four clean paragraphs, joined by the line breaks a real file has."""
    rows = draw(st.lists(st.sampled_from(clean_paragraphs()), min_size=1, max_size=4))
    newline = draw(st.sampled_from(["\n", "\r\n", "\n\n", "\r\n\r\n", " "]))
    return newline.join(rows) + draw(st.sampled_from(["", "\n", "\r\n"]))


@st.composite
def noisy_spun_text(draw) -> str:
    """A spun suite row with nasty pieces inserted between its words (so the restorer runs on them)."""
    words = draw(st.sampled_from(spun_paragraphs())).split(" ")
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(words)))
        words.insert(at, draw(st.sampled_from(NASTY)))
    return " ".join(words)


# ----------------------------------------------------------------------------- bytes

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1")
BOMS = (b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")


@st.composite
def encoded_text(draw) -> bytes:
    """Text (clean or hostile) encoded by a real codec, optionally with a BOM; unencodable skipped."""
    text = draw(st.one_of(clean_text(), any_text))
    codec = draw(st.sampled_from(ENCODINGS))
    data = text.encode(codec, errors="ignore")
    return data


@st.composite
def mangled(draw, base) -> bytes:
    """Bytes from ``base`` with a few bytes flipped, cut or inserted (invalid UTF-8 and the like)."""
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "replace", "cut"]))
        byte = draw(st.sampled_from([0x00, 0x80, 0x81, 0x8d, 0x9d, 0xa0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff, 0xfe]) | st.integers(0, 255))
        if op == "insert":
            data[where:where] = bytes([byte])
        elif op == "replace" and where < len(data):
            data[where] = byte
        else:
            del data[where:]
    return bytes(data)


any_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda bom, data: bom + data, st.sampled_from(BOMS), st.binary(max_size=200)),
    encoded_text(),
    mangled(encoded_text()),
)
