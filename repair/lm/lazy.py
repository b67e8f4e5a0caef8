"""A language model loaded on first use and shared by whoever holds it.

The default map decider (``repair.document.decide``), the restorer kind ``seq2seq+lm`` and the
detector kind ``cascade+lm`` all read the LM only for text that needs it; clean text never loads
it. The holder is created explicitly (by a registry, or ``Repairer.load`` for the decider) and
passed to the component; there is no module-level state.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch loads with the model, never on import
    from repair.lm.scorer import LanguageModel


class LazyLanguageModel:
    """A language model loaded by ``loader`` on first use (``get``), then kept.

    ``loaded`` says whether it has been loaded; ``pieces_scored`` counts the LM pieces read
    (contexts and continuations) and ``seconds`` the time spent scoring, for the
    tokens-per-second and tokens-per-word measurements. Callers add to both.
    """

    def __init__(self, loader: Callable[[], "LanguageModel"]):
        self._loader = loader
        self._model: LanguageModel | None = None
        self.pieces_scored = 0
        self.seconds = 0.0

    @classmethod
    def of(cls, model: "LanguageModel") -> "LazyLanguageModel":
        """A holder around an already loaded model (tests, scripts)."""
        holder = cls(lambda: model)
        holder._model = model
        return holder

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def get(self) -> "LanguageModel":
        if self._model is None:
            self._model = self._loader()
        return self._model
