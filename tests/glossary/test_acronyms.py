"""Document-level acronym consistency (repair/document.py)."""
from __future__ import annotations

from repair.glossary.acronyms import acronym_repairs, propagate_acronyms, slip_of
from repair.results import Edit

PARAGRAPHS = [
    "Wang praised the CSO (Collective Security Treaty Organization) for its role.",
    "Tokayev asked for the troops of the CTO, which landed in two days.",
    "The CSO had never acted before. The US and the UN said nothing; the CEO of a bank agreed.",
]
REPAIR = Edit(16, 19, "CSO", "CSTO", "glossary", 0.7)


def test_only_glossary_acronym_edits_start_propagation():
    assert acronym_repairs([REPAIR]) == {"CSO": ("CSTO", 0.7)}
    assert acronym_repairs([Edit(0, 3, "CSO", "CSTO", "model", 0.9), Edit(0, 4, "Safe", "Secure", "glossary", 0.9)]) == {}


def test_slips_are_one_letter():
    assert slip_of("CTO", "CSTO") and slip_of("CSOT", "CSTO") and slip_of("CSTA", "CSTO")
    assert not slip_of("CSTO", "CSTO") and not slip_of("US", "USA") and not slip_of("CEO", "CSTO")


def test_repeats_and_slips_are_repaired_elsewhere_in_the_document():
    out = propagate_acronyms(PARAGRAPHS, [[REPAIR], [], []])
    assert out[0] == [REPAIR]
    assert [(e.old, e.new, PARAGRAPHS[1][e.start : e.end]) for e in out[1]] == [("CTO", "CSTO", "CTO")]
    assert [(e.old, e.new) for e in out[2]] == [("CSO", "CSTO")]
    assert out[1][0].confidence < REPAIR.confidence


def test_nothing_happens_without_a_repair():
    assert propagate_acronyms(PARAGRAPHS, [[], [], []]) == [[], [], []]
