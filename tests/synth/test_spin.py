"""Spinner: determinism, exact alignment both ways, inflection kept, rate 0 = identity."""
from __future__ import annotations

import json

import pytest

from repair.cli import main
from repair.synth.spin import (
    SpinConfig,
    SpinConfigError,
    Spinner,
    Substitution,
    apply_substitutions,
    build_spun,
    is_held_out,
    revert_substitutions,
)
from repair.resources.thesaurus import Thesaurus

TEXT = (
    "The Chinese foreign minister said on Monday that security forces had told reporters about "
    "the new law. Officials from both countries met last year to discuss military cooperation "
    "against terrorism, and we have seen thousands of protests today. The organization "
    "says it will be offering assistance to 1,700 families via the Red Cross."
)


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


@pytest.fixture(scope="module")
def spinner(thesaurus) -> Spinner:
    return Spinner(thesaurus, SpinConfig(rate=0.6))


def test_same_seed_same_output(spinner):
    assert spinner.spin(TEXT, seed=7) == spinner.spin(TEXT, seed=7)
    assert spinner.spin(TEXT, seed=7).spun != spinner.spin(TEXT, seed=8).spun


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("preset", ["restorer", "broad"])
def test_alignment_reproduces_both_texts(thesaurus, seed, preset):
    result = Spinner(thesaurus, SpinConfig.preset(preset, rate=0.5)).spin(TEXT, seed=seed)
    assert result.substitutions
    assert apply_substitutions(result.clean, result.substitutions) == result.spun
    assert revert_substitutions(result.spun, result.substitutions) == result.clean
    for sub in result.substitutions:
        assert result.clean[sub.clean_start:sub.clean_end] == sub.clean
        assert result.spun[sub.spun_start:sub.spun_end] == sub.spun
        assert sub.clean != sub.spun


def test_rate_zero_is_identity(thesaurus):
    result = Spinner(thesaurus, SpinConfig(rate=0.0)).spin(TEXT, seed=3)
    assert result.spun == TEXT and result.substitutions == ()


def test_empty_text(spinner):
    assert spinner.spin("", seed=1).spun == ""


def test_numbers_left_alone(thesaurus):
    spinner = Spinner(thesaurus, SpinConfig(rate=1.0))
    for seed in range(5):
        result = spinner.spin(TEXT, seed=seed)
        assert "1,700" in result.spun
        assert all(not any(ch.isdigit() for ch in s.clean) for s in result.substitutions)


@pytest.mark.parametrize(
    "word, context, expected",
    [
        ("said", "he", "told"),       # past tense kept
        ("says", "she", "tells"),     # third person kept
        ("countries", "", "nations"),  # plural kept
        ("security", "", "safety"),   # sense-blind (MyThes generic term)
        ("Foreign", "the Chinese", "Overseas"),  # case kept
        ("year", "last", "12 months"),  # multi-word expansion
        ("against", "", "in opposition to"),
        ("we have", "", "we now have"),
    ],
)
def test_candidates_keep_inflection_and_case(spinner, word, context, expected):
    assert expected in {c.text for c in spinner.candidates(word, context)}


def test_inflected_substitutions_are_inflected(thesaurus):
    spinner = Spinner(thesaurus, SpinConfig(rate=1.0))
    text = "She said it. He says so. They were saying that."
    for seed in range(6):
        subs = {s.clean: s.spun for s in spinner.spin(text, seed=seed).substitutions}
        if "said" in subs:
            assert subs["said"] in {c.text for c in spinner.candidates("said", "She")}
            assert not subs["said"].endswith(("ing", "s"))


def test_sources_are_selectable(thesaurus):
    narrow = Spinner(thesaurus, SpinConfig(sources={"wordnet": 1.0}))
    assert {c.source for c in narrow.candidates("security")} <= {"wordnet"}
    broad = Spinner(thesaurus, SpinConfig.preset("broad"))
    assert {"twohop"} <= {c.source for w in ("security", "law", "organization") for c in broad.candidates(w)}


def test_function_words_only_swap_within_their_class(thesaurus):
    broad = Spinner(thesaurus, SpinConfig.preset("broad"))
    options = broad.candidates("during")
    assert "throughout" in {c.text for c in options}
    assert {c.source for c in options} <= {"phrase", "closed"}  # no WordNet junk senses
    assert "Throughout" in {c.text for c in broad.candidates("During")}
    restorer = Spinner(thesaurus, SpinConfig.preset("restorer"))
    assert "closed" not in {c.source for c in restorer.candidates("during")}


def test_short_function_words_are_spun_and_deterministic(thesaurus):
    spinner = Spinner(thesaurus, SpinConfig.preset("broad", rate=1.0, function_rate=1.0))
    text = "We have met in Paris during the talks, but anyone can see it."
    first = spinner.spin(text, seed=5)
    assert first == spinner.spin(text, seed=5)
    changed = {s.clean.lower() for s in first.substitutions}
    assert {"we have", "during", "but", "anyone"} <= changed  # "We" (two letters) starts a phrase key
    assert apply_substitutions(text, first.substitutions) == first.spun


def test_function_rate_zero_leaves_function_words(thesaurus):
    spinner = Spinner(thesaurus, SpinConfig.preset("broad", rate=1.0, function_rate=0.0))
    text = "He left during the talks, but in the end nobody could see it."
    for seed in range(4):
        changed = {s.clean.lower() for s in spinner.spin(text, seed=seed).substitutions}
        assert not changed & {"during", "but", "in"}


def test_held_out_types_excluded(thesaurus):
    config = SpinConfig(rate=1.0, held_out="exclude", held_out_share=0.5)
    for seed in range(4):
        for sub in Spinner(thesaurus, config).spin(TEXT, seed=seed).substitutions:
            assert not is_held_out(sub.lemma, sub.spun, 0.5)


@pytest.mark.parametrize("bad", [dict(rate=1.5), dict(rate=-0.1), dict(held_out="maybe")])
def test_bad_config_is_named(bad):
    with pytest.raises(SpinConfigError, match=repr(next(iter(bad.values())))):
        SpinConfig(**bad)


def test_build_spun_rejects_overlap():
    with pytest.raises(ValueError, match="overlapping"):
        build_spun("abc def", [(0, 3, "x", "k", "", False), (2, 5, "y", "k", "", False)])


def test_apply_substitutions_by_hand():
    subs = [Substitution(5, 9, 5, 14, "said", "mentioned", "wordnet")]
    assert apply_substitutions("Wang said hi", subs) == "Wang mentioned hi"
    assert revert_substitutions("Wang mentioned hi", subs) == "Wang said hi"


def test_cli_spin_json(tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert main(["spin", str(path), "--rate", "0.5", "--seed", "3", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["clean"] == TEXT
    subs = [Substitution(**s) for s in row["substitutions"]]
    assert apply_substitutions(TEXT, subs) == row["spun"]


def test_cli_explain(capsys):
    assert main(["spin", "--explain", "said", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert "told" in {c["text"] for c in row["candidates"]}


def test_cli_bad_rate_is_usage_error(capsys):
    assert main(["spin", "-", "--rate", "2"]) == 2


REPEATED = " ".join(["The minister said the plan would help the economy."] * 6)


def spun_words(spun) -> dict[str, list[str]]:
    """Clean word -> what each of its substituted occurrences became."""
    by_word: dict[str, list[str]] = {}
    for sub in spun.substitutions:
        by_word.setdefault(sub.clean.lower(), []).append(sub.spun.lower())
    return by_word


def test_one_map_replaces_every_repeat_the_same_way(thesaurus):
    """Commercial spinners use one substitution map: with ``one_map`` a word's repeats all change
    the same way, or all stay."""
    spun = Spinner(thesaurus, SpinConfig.preset("broad", rate=0.5, one_map=True)).spin(REPEATED, seed=7)
    by_word = spun_words(spun)
    assert by_word, "a rate of 0.5 over six sentences changes something"
    occurrences = [w.lower() for w in REPEATED.replace(".", "").split()]
    for word, choices in by_word.items():
        assert len(set(choices)) == 1, (word, choices)
        assert len(choices) == occurrences.count(word), word


def test_default_spinner_draws_every_occurrence_afresh(thesaurus):
    spun = Spinner(thesaurus, SpinConfig.preset("broad", rate=0.5)).spin(REPEATED, seed=7)
    occurrences = [w.lower() for w in REPEATED.replace(".", "").split()]
    assert any(len(set(c)) > 1 or len(c) < occurrences.count(w) for w, c in spun_words(spun).items())
