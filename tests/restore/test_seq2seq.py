"""Tests for the trained restorer (repair.restore.seq2seq) and its training data (repair.train.restorer)."""
from __future__ import annotations

import math
import random

import pytest

from repair import text as textutil
from repair.merge.edits import apply_edits, merge_edits
from repair.paths import models_dir
from repair.results import Span
from repair.restore.seq2seq import (
    COPY,
    CandidatePrior,
    RegionScores,
    Seq2SeqConfig,
    Seq2SeqRestorer,
    candidate_allowed,
    choice_edit,
    choose,
    detokenise,
    transfer_case,
    COPY_ID,
    DELETE,
    LabelVocab,
    ModelRestorer,
    PieceIds,
    Window,
    cut_window,
    encode_window,
    is_protected,
    load_any_restorer,
    load_model_restorer,
    region_edits,
    span_regions,
    word_outputs,
    window_chunks,
)
from repair.train.restorer import (
    LabeledWindow,
    TrainConfig,
    build_labels,
    label_ids,
    phrase_pairs,
    region_targets,
    row_windows,
    sub_regions,
)


def spans_for(paragraph: str, *needles: str) -> list[Span]:
    """Spans over the first occurrence of each needle."""
    spans = []
    for needle in needles:
        start = paragraph.index(needle)
        spans.append(Span(start, start + len(needle), needle, 1.0, "test"))
    return spans


class FakeEncoder:
    """One id per character of each chunk: enough to check positions and cutting."""

    ids = PieceIds(bos=1, eos=2, pad=0, open=3, close=4)

    def encode_batch(self, texts):
        return [[10 + (ord(c) % 50) for c in t] for t in texts]


# ---------------------------------------------------------------- windows


def test_window_chunks_marks_each_region_in_order():
    text = "He mentioned the plan."
    region = [textutil.words(text)[1]]
    assert window_chunks(text, [region]) == [
        ("text", "He "), ("open", ""), ("word", "mentioned"), ("close", ""), ("text", " the plan."),
    ]


def test_encode_window_points_at_first_piece_of_each_flagged_word():
    text = "in opposition to it"
    tokens = textutil.words(text)
    window = encode_window(FakeEncoder(), text, [tokens[:3]], max_tokens=64)
    assert window.ids[0] == 1 and window.ids[-1] == 2
    assert window.ids[1] == FakeEncoder.ids.open
    assert [window.ids[p] for p in window.positions] == [10 + ord(w.text[0]) % 50 for w in tokens[:3]]


def test_cut_window_keeps_flagged_words_inside():
    ids = list(range(100, 300))
    window = cut_window(ids, [150, 152], FakeEncoder.ids, max_tokens=20)
    assert len(window.ids) == 20
    assert [window.ids[p] for p in window.positions] == [250, 252]


@pytest.mark.parametrize(
    ("word", "protected"),
    [
        ("1,700", True),
        ("CSTO", True),
        ("Tileuberdi", True),
        ("Overseas", False),  # a word spinners emit, capitalised inside a title
        ("mentioned", False),
        ("unseen", False),  # lower-case words are always open to the model
    ],
)
def test_is_protected(word, protected):
    assert is_protected(word, spinnable=frozenset({"overseas", "mentioned"})) is protected


def test_span_regions_groups_words_by_sentence():
    paragraph = "Wang mentioned it. The nation agreed."
    regions = span_regions(paragraph, spans_for(paragraph, "mentioned", "nation"))
    assert [[t.text for r in rs for t in r] for _, rs in regions] == [["mentioned"], ["nation"]]


# ---------------------------------------------------------------- labels -> edits


def test_word_outputs_copy_delete_and_case():
    words = textutil.words("Overseas said language")
    assert word_outputs(words, ["foreign", "said", DELETE]) == ["Foreign", None, ""]
    assert word_outputs(words[:1], [COPY]) == [None]


def test_multiword_spin_becomes_one_edit():
    paragraph = "They protested in opposition to the plan."
    words = textutil.words(paragraph)[2:5]
    edits = region_edits(paragraph, words, ["against", "", ""], [0.9, 0.8, 0.95])
    assert [(e.old, e.new) for e in edits] == [("in opposition to", "against")]
    assert edits[0].confidence == pytest.approx(0.8)
    assert apply_edits(paragraph, edits) == "They protested against the plan."


def test_pure_deletion_takes_the_space_before():
    paragraph = "Chinese language Foreign Minister"
    words = textutil.words(paragraph)[:2]
    edits = region_edits(paragraph, words, [None, ""], [0.9, 0.9])
    assert apply_edits(paragraph, edits) == "Chinese Foreign Minister"


def test_edit_that_changes_a_number_is_rejected():
    paragraph = "over the final 12 months"
    words = textutil.words(paragraph)[2:5]
    assert region_edits(paragraph, words, ["last", "year", ""], [0.9, 0.9, 0.9]) == []


# ---------------------------------------------------------------- training data

ROW = {
    "clean": "The minister said security was critical against attacks.",
    "spun": "The minister mentioned safety was critical in opposition to attacks.",
    "subs": [
        {"spun_start": 13, "spun_end": 22, "clean": "said", "spun": "mentioned"},
        {"spun_start": 23, "spun_end": 29, "clean": "security", "spun": "safety"},
        {"spun_start": 43, "spun_end": 59, "clean": "against", "spun": "in opposition to"},
    ],
}


def test_sub_regions_label_first_word_and_delete_the_rest():
    regions = sub_regions(ROW["spun"], ROW["subs"], textutil.words(ROW["spun"]))
    assert [([t.text for t in w], labels) for w, labels in regions] == [
        (["mentioned"], ["said"]),
        (["safety"], ["security"]),
        (["in", "opposition", "to"], ["against", DELETE, DELETE]),
    ]


def test_row_windows_are_seeded_and_cover_every_substitution():
    config = TrainConfig(negative_rate=0.0, jitter_rate=0.0)
    first = row_windows(ROW, random.Random(1), config)
    assert first == row_windows(ROW, random.Random(1), config)
    assert first[0].labels == ("said", "security", "against", DELETE, DELETE)


def test_clean_row_gives_only_copy_labels():
    row = {"clean": "The plan was approved.", "spun": "The plan was approved.", "subs": []}
    windows = row_windows(row, random.Random(0), TrainConfig(negative_rate=1.0))
    assert [w.labels for w in windows] == [("the", "plan", "was", "approved")]


def test_build_labels_and_ids():
    vocab, spinnable = build_labels([ROW, ROW], max_labels=50, min_count=2)
    assert vocab.labels[:2] == [COPY, DELETE]
    assert {"said", "security", "against"} <= set(vocab.labels)
    assert {"mentioned", "opposition"} <= spinnable
    window = LabeledWindow("zyx said", ((textutil.Token(0, 3, "zyx"), textutil.Token(4, 8, "said")),), ("zyx", "said"))
    assert label_ids(window, vocab) == [COPY_ID, vocab.id_of("said")]


def test_label_vocab_rejects_bad_head():
    with pytest.raises(ValueError, match="must start with"):
        LabelVocab(["said", COPY])


# ---------------------------------------------------------------- the shipped model


@pytest.fixture(scope="module", params=["default", "labeler"])
def restorer(request):
    """Whatever ``models/restorer`` ships (by its config kind), and the span labeller kept beside it."""
    folder = models_dir() / "restorer" / ("" if request.param == "default" else "labeler")
    if not (folder / "config.json").is_file():
        pytest.skip(f"no restorer in {folder}; run 'unspin train restorer'")
    return load_any_restorer(models_dir()) if request.param == "default" else load_model_restorer(models_dir())


def repaired(restorer, paragraph: str, spans) -> str:
    return apply_edits(paragraph, merge_edits(restorer.propose(paragraph, spans), min_confidence=0.5))


@pytest.mark.parametrize(
    ("spun", "needle", "original"),
    [
        ("They protested in opposition to the plan announced by the government.", "in opposition to", "against"),
        ("The company reported a net profit of 5 million dollars for the final quarter.", "final", "last"),
    ],
)
def test_marked_span_is_restored_to_the_exact_original(restorer, spun, needle, original):
    result = repaired(restorer, spun, spans_for(spun, needle))
    assert result == spun.replace(needle, original, 1)


def test_no_spans_or_clean_words_leave_text_identical(restorer):
    clean = "The company said on Tuesday that its profit rose 12 percent in the first quarter."
    assert restorer.propose(clean, []) == []
    assert repaired(restorer, clean, spans_for(clean, "company", "profit", "rose")) == clean


def test_protected_tokens_are_never_changed(restorer):
    paragraph = "Mukhtar Tileuberdi mentioned that NATO sent 3,000 troops in 2021."
    spans = [Span(0, len(paragraph), paragraph, 1.0, "everything")]
    result = repaired(restorer, paragraph, spans)
    for protected in ("Mukhtar Tileuberdi", "NATO", "3,000", "2021"):
        assert protected in result


# ---------------------------------------------------------------- encoder-decoder: pure parts


@pytest.mark.parametrize(
    ("old", "candidate", "allowed"),
    [
        ("mentioned", "said", True),
        ("final 12 months", "last year", False),  # drops a number
        ("the 3 nations", "the 3 countries", True),
        ("NATO allies", "allies", False),  # drops an acronym
        ("NATO partners", "nato allies", True),  # keeps it (case comes back later)
        ("Mukhtar Tileuberdi mentioned", "he said", False),  # drops a name
        ("mentioned", "  ", False),
    ],
)
def test_candidate_allowed_keeps_digits_and_protected_words(old, candidate, allowed):
    assert candidate_allowed(old, candidate, frozenset({"mentioned", "nations", "partners"})) is allowed


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Collective Safety Treaty Group", "collective security treaty organization", "Collective Security Treaty Organization"),
        ("Overseas Minister", "foreign minister", "Foreign Minister"),
        ("In opposition to", "against", "Against"),
        ("SAFETY", "security", "SECURITY"),
        ("mentioned", "said", "said"),
    ],
)
def test_transfer_case(old, new, expected):
    assert transfer_case(old, new) == expected


def scores(model, prior, old="mentioned", candidates=("mentioned", "said", "noted")):
    return RegionScores(3, 3 + len(old), old, candidates, tuple(model), tuple(prior))


def test_choose_combines_model_prior_and_copy_bonus():
    s = scores([-3.0, -1.0, -2.0], [0.0, 0.0, 0.0])
    assert choose(s, 0.0, 0.0, 1.0).text == "said"
    assert choose(s, 0.0, 2.5, 1.0).text == "mentioned"  # copy preference
    assert choose(scores([-3.0, -1.0, -0.9], [0.0, 0.0, -5.0]), 1.0, 0.0, 1.0).text == "said"  # prior
    choice = choose(s, 0.0, 0.0, 1.0)
    assert choice.confidence == pytest.approx(1 / (1 + math.exp(-2) + math.exp(-1)))


def test_choose_weighs_the_masked_word_model_and_trigrams():
    s = RegionScores(3, 12, "mentioned", ("mentioned", "said", "noted"), (-1.0, -2.0, -2.0), (0.0, 0.0, 0.0),
                     (-9.0, -2.0, -6.0), (-20.0, -12.0, -11.0))
    assert choose(s, 0.0, 0.0, 1.0).text == "mentioned"  # decoder alone
    assert choose(s, 0.0, 0.0, 1.0, mlm_weight=1.0).text == "said"
    assert choose(s, 0.0, 0.0, 1.0, decoder_weight=0.0, ngram_weight=1.0).text == "noted"
    assert choose(s, 0.0, 0.0, 1.0, mlm_weight=1.0) == choose(s, 0.0, 0.0, 1.0, mlm_weight=1.0, ngram_weight=0.0)


def test_vectorised_tuning_agrees_with_choose():
    from repair.train.restorer import region_f05, score_table, table_f05

    rng = random.Random(5)
    scored = []
    for r in range(60):
        n = rng.randint(1, 6)
        candidates = tuple(["spun"] + [f"w{r}_{i}" for i in range(1, n)])
        gold = rng.choice([*candidates, "missing"])
        feats = [tuple(rng.uniform(-40, 0) for _ in range(n)) for _ in range(3)]
        feats.insert(2, tuple(rng.choice([float("-inf"), rng.uniform(-40, 0)]) for _ in range(n)))  # masked-word model
        scored.append((RegionScores(0, 4, "spun", candidates, *feats), gold))
    table = score_table(scored)
    for weights in ({"decoder_weight": 1.0, "prior_weight": 0.5, "mlm_weight": 0.0, "ngram_weight": 0.0, "copy_bonus": 1.0, "temperature": 2.0},
                    {"decoder_weight": 0.5, "prior_weight": 0.0, "mlm_weight": 1.5, "ngram_weight": 0.25, "copy_bonus": -1.0, "temperature": 0.5},
                    {"decoder_weight": 0.1, "prior_weight": 0.2, "mlm_weight": 0.1, "ngram_weight": 1.0, "copy_bonus": 0.5, "temperature": 3.0}):
        kwargs = {k: weights[k] for k in ("mlm_weight", "decoder_weight", "ngram_weight")}
        reference = region_f05(scored, weights["prior_weight"], weights["copy_bonus"], weights["temperature"], **kwargs)
        assert table_f05(table, weights) == pytest.approx(reference)
        assert 0 < reference["restored"] < 1


def test_choice_edit_copy_gives_no_edit_and_case_is_transferred():
    s = scores([0.0, -5.0, -5.0], [0.0, 0.0, 0.0], old="Mentioned", candidates=("mentioned", "said", "noted"))
    assert choice_edit(s, choose(s, 0.0, 0.0, 1.0)) is None
    s = scores([-5.0, 0.0, -5.0], [0.0, 0.0, 0.0], old="Mentioned", candidates=("mentioned", "said", "noted"))
    edit = choice_edit(s, choose(s, 0.0, 0.0, 1.0))
    assert (edit.start, edit.end, edit.old, edit.new, edit.source) == (3, 12, "Mentioned", "Said", "model")
    assert 0.9 < edit.confidence <= 1.0


def test_detokenise_joins_wordpiece_spacing():
    assert detokenise("well - known") == "well-known"
    assert detokenise("don ' t") == "don't"


def test_region_targets_collapse_deletes_and_keep_jittered_neighbours():
    window = LabeledWindow(
        "They protested in opposition to it",
        ((textutil.Token(5, 14, "protested"), textutil.Token(15, 17, "in"), textutil.Token(18, 28, "opposition"), textutil.Token(29, 31, "to")),),
        ("protested", "against", DELETE, DELETE),
    )
    ((first, last, target),) = region_targets(window)
    assert (first.text, last.text, target) == ("protested", "to", "protested against")


def test_phrase_pairs_count_spun_phrase_to_original():
    pairs = phrase_pairs([ROW, ROW])
    assert pairs["mentioned"] == {"said": 2}
    assert pairs["in opposition to"] == {"against": 2}


def test_candidate_prior_prefers_counted_pairs_and_copy():
    prior = CandidatePrior({"mentioned": {"said": 5.0}}, Seq2SeqConfig())
    assert prior.proposals("Mentioned") == ["said"]
    assert prior.logprob("mentioned", "said") > prior.logprob("mentioned", "mentioned") > prior.logprob("mentioned", "noted")


# ---------------------------------------------------------------- encoder-decoder: the model


@pytest.fixture(scope="module")
def seq2seq():
    """The shipped encoder-decoder (the default restorer, ``models/restorer``)."""
    folder = models_dir() / "restorer"
    if not (folder / "config.json").is_file():
        pytest.skip(f"no encoder-decoder restorer in {folder}; run 'unspin train restorer'")
    restorer = load_any_restorer(models_dir())
    if not isinstance(restorer, Seq2SeqRestorer):
        pytest.skip(f"the restorer in {folder} is not the encoder-decoder")
    return restorer


@pytest.mark.parametrize(
    ("spun", "needle", "original"),
    [
        ("They protested in opposition to the plan announced by the government.", "in opposition to", "against"),
        ("The company reported a net profit of 5 million dollars for the final quarter.", "final", "last"),
    ],
)
def test_candidate_scoring_picks_the_original(seq2seq, spun, needle, original):
    assert repaired(seq2seq, spun, spans_for(spun, needle)) == spun.replace(needle, original, 1)
    (region,) = seq2seq.score(spun, spans_for(spun, needle))
    c = seq2seq.config
    assert region.candidates[0] == needle  # copy first
    assert choose(region, c.prior_weight, c.copy_bonus, c.temperature, mlm_weight=c.mlm_weight,
                  decoder_weight=c.decoder_weight, ngram_weight=c.ngram_weight).text == original


def test_confidence_threshold_drops_edits(seq2seq):
    spun = "They protested in opposition to the plan announced by the government."
    edits = seq2seq.propose(spun, spans_for(spun, "in opposition to"))
    assert edits and all(e.source == "model" and 0.0 < e.confidence <= 1.0 for e in edits)
    assert merge_edits(edits, min_confidence=1.01) == []
    assert apply_edits(spun, merge_edits(edits, min_confidence=1.01)) == spun


def test_seq2seq_weights_round_trip(seq2seq, tmp_path):
    from repair.restore.seq2seq import build_seq2seq, load_seq2seq_weights, save_seq2seq_weights

    config = save_seq2seq_weights(seq2seq.model, seq2seq.config, tmp_path)
    assert config.shards and all((tmp_path / name).stat().st_size < 15_000_000 for name in config.shards)
    fresh = build_seq2seq(config, pretrained=True)
    load_seq2seq_weights(fresh, config, tmp_path)
    spun = "The minister mentioned that the nation would respond."
    spans = spans_for(spun, "mentioned", "nation")
    clone = Seq2SeqRestorer(model=fresh, encoder=seq2seq.encoder, spinnable=seq2seq.spinnable, config=seq2seq.config, prior=seq2seq.prior,
                            mlm=seq2seq.mlm, ngram=seq2seq.ngram)
    assert clone.propose(spun, spans) == seq2seq.propose(spun, spans)


def test_seq2seq_leaves_clean_text_and_protected_tokens_alone(seq2seq):
    clean = "The company said on Tuesday that its profit rose 12 percent in the first quarter."
    assert seq2seq.propose(clean, []) == []
    assert repaired(seq2seq, clean, spans_for(clean, "company", "profit", "rose")) == clean
    paragraph = "Mukhtar Tileuberdi mentioned that NATO sent 3,000 troops in 2021."
    result = repaired(seq2seq, paragraph, [Span(0, len(paragraph), paragraph, 1.0, "everything")])
    for protected in ("Mukhtar Tileuberdi", "NATO", "3,000", "2021"):
        assert protected in result


def test_shipped_combination_uses_the_trigram_expert(seq2seq):
    c = seq2seq.config
    assert c.ngram_weight > 0 and seq2seq.ngram is not None
    spun = "The foreign minister mentioned on Monday that the talks would continue."
    (region,) = seq2seq.score(spun, spans_for(spun, "mentioned"))
    assert len(region.ngram_logprob) == len(region.candidates) and "said" in region.candidates
    with_trigrams = choose(region, c.prior_weight, c.copy_bonus, c.temperature, decoder_weight=c.decoder_weight, ngram_weight=c.ngram_weight)
    without = choose(region, c.prior_weight, c.copy_bonus, c.temperature, decoder_weight=c.decoder_weight)
    assert with_trigrams.text == "said" and without.text != "said"  # the corpus knows what news says
    assert repaired(seq2seq, spun, spans_for(spun, "mentioned")) == spun.replace("mentioned", "said")
