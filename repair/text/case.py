"""Case transfer: write a replacement word in the capitalisation of the word it replaces.

One rule with two documented switches, because the callers differ in what the replacement is:
the spinner, the detectors and the restorers put thesaurus words (lower case) where a word
stood; the glossary puts canonical Title-Case terms back into running text.
"""
from __future__ import annotations


def is_capitalized(word: str) -> bool:
    """True when the first character is upper case ("Minister", "CSTO", "U.S.")."""
    return word[:1].isupper()


def is_all_caps(word: str) -> bool:
    """True for two or more letters, all capitals ("CSTO", "U.S.", "AL-QAEDA"; not "A")."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def copy_initial_case(template: str, word: str) -> str:
    """``word`` with its first letter upper-cased when ``template`` starts with a capital."""
    return word[:1].upper() + word[1:] if is_capitalized(template) else word


def match_case(template: str, word: str, *, lowercase: bool = False, dotted_caps: bool = True) -> str:
    """Give ``word`` the capitalisation pattern of ``template`` (ALL CAPS, Title, lower).

    Only the first letter is touched for Title case so that canonical capitals inside the
    replacement ("McDonald", "CSTO") survive.

    Args:
        template: the word being replaced, as written.
        word: the replacement.
        lowercase: a lower-case template also lower-cases a word that is capital only in its
            first letter ("overseas" + "Foreign" -> "foreign"; "CSTO", "McDonald" stay). The
            glossary sets it: its canonical words are Title Case, and a lower-case spun word
            says the term was used in lower case. Thesaurus words are kept as listed.
        dotted_caps: whether a dotted abbreviation ("U.S.") counts as ALL CAPS. The glossary
            says no: capitals are how abbreviations are written, not shouting, so "America"
            for "U.S." stays "America".

    Returns:
        The replacement in the template's case; ``word`` itself when either is empty.
    """
    if not template or not word:
        return word
    if is_all_caps(template) and (dotted_caps or "." not in template):
        return word.upper()
    if is_capitalized(template):
        return copy_initial_case(template, word)
    if lowercase and word[1:] == word[1:].lower():
        return word.lower()
    return word


def match_case_by_word(old: str, new: str) -> str:
    """Case of ``old`` onto ``new``: word by word when the word counts agree, else as a whole."""
    old_words, new_words = old.split(), new.split()
    if len(old_words) == len(new_words):
        return " ".join(match_case(o, n) for o, n in zip(old_words, new_words))
    return match_case(old, new)
