"""Machine-translation garble: each kind fires, alignment is exact, seeds are deterministic."""
from __future__ import annotations

import pytest

from repair.synth.garble import DEFAULT_KINDS, GarbleConfig, GarbleConfigError, Garbler
from repair.synth.spin import apply_substitutions, revert_substitutions
from repair.resources.thesaurus import Thesaurus

TEXT = (
    "The Collective Security Treaty Organization (CSTO) met as Foreign Minister Sergei Lavrov "
    "told the United Nations Security Council that the foreign troops of NATO would leave. "
    "President Kassym-Jomart Tokayev thanked Russia, a spokesman said in Beijing."
)


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


@pytest.mark.parametrize("seed", range(10))
def test_alignment_both_ways(thesaurus, seed):
    result = Garbler(thesaurus, GarbleConfig(rate=0.5)).garble(TEXT, seed=seed)
    assert apply_substitutions(TEXT, result.substitutions) == result.spun
    assert revert_substitutions(result.spun, result.substitutions) == TEXT
    assert all(s.kind in DEFAULT_KINDS for s in result.substitutions)


def test_deterministic(thesaurus):
    garbler = Garbler(thesaurus)
    assert garbler.garble(TEXT, seed=4) == garbler.garble(TEXT, seed=4)


def test_rate_zero_is_identity(thesaurus):
    result = Garbler(thesaurus, GarbleConfig(rate=0.0)).garble(TEXT, seed=1)
    assert result.spun == TEXT and not result.substitutions


@pytest.mark.parametrize(
    "kind, clean, allowed",
    [
        ("acronym", "CSTO", {"CTO", "CSO", "STO", "CST", "CTSO", "CSOT"}),
        ("title", "Foreign Minister", {"Chancellor", "Minister of Exterior", "External Affairs Minister"}),
        ("order", "foreign troops", {"troops foreign"}),
    ],
)
def test_each_kind(thesaurus, kind, clean, allowed):
    garbler = Garbler(thesaurus, GarbleConfig(rate=1.0, kinds={kind: 1.0}))
    subs = garbler.garble(TEXT, seed=0).substitutions
    assert subs and all(s.kind == kind for s in subs)
    assert any(s.clean == clean and s.spun in allowed for s in subs)


def test_names_get_transliterated(thesaurus):
    garbler = Garbler(thesaurus, GarbleConfig(rate=1.0, kinds={"translit": 1.0}))
    subs = garbler.garble(TEXT, seed=0).substitutions
    assert {s.clean for s in subs} & {"Sergei", "Lavrov", "Tokayev", "Kassym-Jomart"}
    assert all(s.spun.lower() != s.clean.lower() for s in subs)


def test_literal_name_translation(thesaurus):
    garbler = Garbler(thesaurus, GarbleConfig(rate=1.0, kinds={"name": 1.0}))
    subs = garbler.garble(TEXT, seed=2).substitutions
    assert subs and all(s.spun[:1].isupper() for s in subs)


def test_unknown_kind_is_named():
    with pytest.raises(GarbleConfigError, match="typo"):
        GarbleConfig(kinds={"typo": 1.0})
