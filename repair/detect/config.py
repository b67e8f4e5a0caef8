"""What ``models/detector/config.json`` holds: the tagger's folder config and the small fitted heads.

One folder serves three detector kinds. The tagger (``repair.detect.tagger``) reads the
architecture, the frozen layers and its ``settings``; the fused detector
(``repair.detect.fusion``) adds the ``fusion`` weights; the cascade (``repair.detect.cascade``)
adds its ``cascade`` gate. ``repair.train.detector`` fits all three and writes them here, so the
numbers a detector runs with are in one file, and ``model_type`` says what the folder is.

This module holds values only (no torch), so every detector module can import it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from repair.modeling.config import ModelConfig


def passage_features(probs: np.ndarray) -> np.ndarray:
    """Summary of a paragraph's word probabilities for the passage calibrator.

    Max logit, top-3 mean logit, log(1 + expected substitutions), log(1 + words at 0.5 or
    more), mean probability, log length. Logits rather than probabilities, so 0.99 and 0.9999
    stay apart (a confident substitution is strong passage evidence); the length term lets a
    long clean article with one borderline word stay low.
    """
    if probs.size == 0:
        return np.zeros(6)
    logits = np.log(np.clip(probs, 1e-6, 1 - 1e-6) / np.clip(1 - probs, 1e-6, 1.0))
    top3 = np.sort(logits)[-3:]
    return np.array(
        [
            logits.max(),
            top3.mean(),
            math.log1p(float(probs.sum())),
            math.log1p(float((probs >= 0.5).sum())),
            float(probs.mean()),
            math.log1p(probs.size) / 5.0,
        ]
    )


@dataclass(frozen=True)
class PassageCalibrator:
    """Logistic regression from word-probability features (``passage_features``) to a passage probability.

    ``prior`` is the share of spun passages the fit was weighted to: the score is
    P(spun | words) when that share of the input is spun.
    """

    weights: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    bias: float = -4.0
    prior: float = 0.5

    def score(self, probs: np.ndarray) -> float:
        """P(passage spun) from the word probabilities of one paragraph."""
        z = float(np.dot(self.weights, passage_features(probs))) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@dataclass(frozen=True)
class TaggerSettings:
    """Inference settings of the tagger alone.

    Args:
        word_threshold: word probability at or above which a word is flagged.
        passage_threshold: default passage score for ``spun``; the pipeline may override it.
        max_pieces: window length in pieces, specials included (longer paragraphs are split).
        batch_pieces: padded pieces per inference batch (memory/speed trade-off).
        calibrator: passage-score calibration fitted on validation.
    """

    word_threshold: float = 0.5
    passage_threshold: float = 0.5
    max_pieces: int = 256
    batch_pieces: int = 8192
    calibrator: PassageCalibrator = field(default_factory=PassageCalibrator)


@dataclass(frozen=True)
class Fusion:
    """Logistic regression from per-word evidence (``repair.detect.fusion.FUSION_FEATURES``) to P(word substituted).

    Fitted on validation rows by ``repair.train.detector_fit.fit_fusion``; the word threshold and
    the passage calibrator are fitted on the fused probabilities.
    """

    weights: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 0.0)
    word_threshold: float = 0.5
    calibrator: PassageCalibrator = field(default_factory=PassageCalibrator)


@dataclass(frozen=True)
class CascadeSettings:
    """How the cascade detector splits work between the lexicon detector and the fused tagger.

    Args:
        gate: lexicon passage score from which a paragraph is also read by the tagger. Chosen by
            ``repair.train.detector_fit.choose_gate`` so that only a small share of clean validation
            words pays for the tagger (clean text then runs at about 70% of the lexicon speed).
        weak_threshold: the fused detector's weak-span floor (see ``CombinedDetector``).
        keep_lexicon: in a tagged paragraph, keep what the lexicon detector found: its spans that
            no fused span overlaps, and its passage score where that is higher. The cascade then
            never reports less than the lexicon detector.
    """

    gate: float = 0.01
    weak_threshold: float = 1.0
    keep_lexicon: bool = True


@dataclass(frozen=True)
class TaggerConfig(ModelConfig):
    """``config.json`` of a tagger folder (``models/detector``).

    Args:
        base: the pretrained encoder the tagger was fine-tuned from; "minilm" (all-MiniLM-L6-v2,
            ``repair.modeling.pretrained.minilm_folder``) is the only one.
        model: the BERT architecture (``transformers.BertConfig`` arguments), as read from the base.
        frozen: parameter-name prefixes that were not trained; their weights are not in the
            folder but come from the base's package at load time.
        settings: thresholds, window size and passage calibrator of the tagger alone.
        training: what the training run did (steps, minutes, its settings); a record, not read.
        fusion: the fused detector's weights; None until fitted.
        cascade: the cascade's gate; None until fitted.
    """

    model_type: ClassVar[str] = "unspin-tagger"

    base: str = "minilm"
    model: dict = field(default_factory=dict)
    frozen: tuple[str, ...] = ()
    settings: TaggerSettings = field(default_factory=TaggerSettings)
    training: dict = field(default_factory=dict)
    fusion: Fusion | None = None
    cascade: CascadeSettings | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "TaggerConfig":
        """Build from a dict as ``to_dict`` writes it, the nested sections as their dataclasses.

        Raises:
            repair.modeling.config.ConfigError: another ``model_type`` or unknown keys.
        """
        data = dict(data)
        sections = {"settings": settings_from_dict, "fusion": fusion_from_dict, "cascade": cascade_from_dict}
        for key, parse in sections.items():
            if isinstance(data.get(key), dict):
                data[key] = parse(data[key])
        return super().from_dict(data)


def calibrator_from_dict(data: dict) -> PassageCalibrator:
    """A ``PassageCalibrator`` from its JSON form (lists become tuples)."""
    return PassageCalibrator(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def settings_from_dict(data: dict) -> TaggerSettings:
    """``TaggerSettings`` from their JSON form."""
    rest = {k: v for k, v in data.items() if k != "calibrator"}
    return TaggerSettings(calibrator=calibrator_from_dict(data["calibrator"]), **rest)


def fusion_from_dict(data: dict) -> Fusion:
    """A ``Fusion`` from its JSON form."""
    return Fusion(tuple(data["weights"]), float(data["word_threshold"]), calibrator_from_dict(data["calibrator"]))


def cascade_from_dict(data: dict) -> CascadeSettings:
    """``CascadeSettings`` from their JSON form; a missing key keeps its default."""
    defaults = CascadeSettings()
    return CascadeSettings(float(data.get("gate", defaults.gate)), float(data.get("weak_threshold", defaults.weak_threshold)),
                           bool(data.get("keep_lexicon", defaults.keep_lexicon)))
