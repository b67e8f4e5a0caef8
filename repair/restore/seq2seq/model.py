"""The encoder-decoder network and its config, stored the Hugging Face way.

* Encoder: the bottom ``keep_layers`` of all-MiniLM-L6-v2 over a window (``windows.py``).
* Decoder: a small BERT decoder (causal self-attention + cross-attention) whose layers start
  from MiniLM's unused top layers; its input and output word embeddings are MiniLM's frozen
  WordPiece matrix, tied and never shipped.

Only the trained tensors are shipped (``repair.modeling.weights``); the frozen embeddings and
bottom encoder layers are read from the MiniLM package at load time.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch

from repair.modeling.config import ModelConfig
from repair.modeling.pretrained import minilm_folder
from repair.modeling.weights import load_into, save_weights


@dataclass(frozen=True)
class Seq2SeqConfig(ModelConfig):
    """Architecture, decoding and score settings of the encoder-decoder restorer (``config.json``).

    Args:
        keep_layers: MiniLM layers used as the encoder (from the bottom).
        frozen_layers: encoder layers (from the bottom) kept at their pretrained values and read
            from the package at load time; the rest are fine-tuned and shipped.
        decoder_layers: decoder depth; layer i starts from MiniLM layer ``keep_layers + i``.
        max_tokens: longest encoder input.
        max_prompt: longest spun-region prompt (pieces); longer regions are not restored.
        max_target: longest generated original (pieces).
        first_tokens: the decoder proposes this many outputs (greedy after each of its top first pieces).
        max_candidates: candidates scored per region (copy and the decoder's own come first).
        prior_weight, decoder_weight, ngram_weight: weights of the experts in the product
            (``choosing.choose``), tuned on validation; the corpus trigrams are used when
            ``ngram_weight`` > 0.
        lm_weight: weight of the pretrained language model (``lm_expert``); used only by a
            restorer given an LM (kind ``seq2seq+lm``, whose settings are ``lm.json``).
        lm_right_words: words after the region the LM scores with each candidate.
        copy_bonus, temperature: preference for keeping the words, and the softmax temperature
            that turns the combined score into a confidence.
        pair_count_scale: pair counts are divided by this (a count of 1 is weak evidence).
        thesaurus_count, self_count, prior_floor: pseudo-counts of the prior (``CandidatePrior``).
    """

    model_type: ClassVar[str] = "unspin-seq2seq-restorer"

    keep_layers: int = 4
    frozen_layers: int = 2
    decoder_layers: int = 2
    max_tokens: int = 64
    max_prompt: int = 12
    max_target: int = 8
    first_tokens: int = 3
    max_candidates: int = 10
    prior_weight: float = 0.5
    decoder_weight: float = 1.0
    ngram_weight: float = 0.0
    lm_weight: float = 0.0
    lm_right_words: int = 3
    copy_bonus: float = 1.0
    temperature: float = 1.0
    pair_count_scale: float = 1.0
    thesaurus_count: float = 0.3
    self_count: float = 1.0
    prior_floor: float = 0.01


class EncoderDecoder(torch.nn.Module):
    """MiniLM encoder + small BERT decoder sharing MiniLM's (frozen) word embeddings."""

    def __init__(self, encoder, decoder, hidden: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.transform = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden), torch.nn.GELU(), torch.nn.LayerNorm(hidden, eps=1e-12)
        )
        self.bias = torch.nn.Parameter(torch.zeros(encoder.config.vocab_size))

    def encode(self, ids, mask):
        """Encoder states of padded windows."""
        return self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state

    def decode(self, ids, mask, memory, memory_mask):
        """Decoder hidden states (causal) attending to ``memory`` (encoder states per sequence)."""
        return self.decoder(
            input_ids=ids, attention_mask=mask, encoder_hidden_states=memory, encoder_attention_mask=memory_mask
        ).last_hidden_state

    def logits(self, hidden):
        """Output logits over WordPiece, tied to the frozen input embeddings."""
        return self.transform(hidden) @ self.encoder.embeddings.word_embeddings.weight.T + self.bias


def build_seq2seq(config: Seq2SeqConfig, *, pretrained: bool) -> EncoderDecoder:
    """Encoder-decoder in eval mode; ``pretrained`` loads MiniLM (encoder layers, decoder start) from its package."""
    from transformers import BertConfig, BertModel

    base = minilm_folder()
    encoder = BertModel(BertConfig.from_pretrained(str(base), num_hidden_layers=config.keep_layers), add_pooling_layer=False)
    decoder_config = BertConfig.from_pretrained(
        str(base),
        num_hidden_layers=config.decoder_layers,
        is_decoder=True,
        add_cross_attention=True,
        max_position_embeddings=config.max_prompt + config.max_target + 4,
    )
    decoder = BertModel(decoder_config, add_pooling_layer=False)
    decoder.embeddings.word_embeddings = encoder.embeddings.word_embeddings  # tied, frozen, not shipped
    model = EncoderDecoder(encoder, decoder, encoder.config.hidden_size)
    if pretrained:
        load_minilm_base(model, config, base)
    model.eval()
    return model


def load_minilm_base(model: EncoderDecoder, config: Seq2SeqConfig, base: Path) -> None:
    """MiniLM's tensors: the encoder's bottom layers, and the decoder's start from the top layers."""
    from safetensors.torch import load_file

    tensors = load_file(str(base / "model.safetensors"))
    wanted = model.state_dict()
    state = {f"encoder.{k}": v for k, v in tensors.items() if f"encoder.{k}" in wanted}
    for i in range(config.decoder_layers):
        prefix = f"encoder.layer.{config.keep_layers + i}."
        for key, value in tensors.items():
            name = f"decoder.encoder.layer.{i}." + key[len(prefix) :]
            if key.startswith(prefix) and name in wanted:
                state[name] = value
    for key, value in tensors.items():
        name = f"decoder.{key}"
        if key.startswith("embeddings.") and "word_embeddings" not in key and name in wanted:
            # The decoder's position table is shorter than MiniLM's: it takes the first rows.
            state[name] = value[: wanted[name].shape[0]] if value.dim() and value.shape != wanted[name].shape else value
    model.load_state_dict(state, strict=False)


def frozen_prefixes(config: Seq2SeqConfig) -> tuple[str, ...]:
    """Tensors read from the MiniLM package, never trained nor shipped: embeddings and the encoder bottom."""
    bottom = tuple(f"encoder.encoder.layer.{i}." for i in range(config.frozen_layers))
    return ("encoder.embeddings.", *bottom, "decoder.embeddings.word_embeddings.")


def trainable_names(model: EncoderDecoder, config: Seq2SeqConfig) -> list[str]:
    """Parameters fine-tuned and shipped, in the model's order."""
    frozen = frozen_prefixes(config)
    return [name for name, _ in model.named_parameters() if not name.startswith(frozen)]


def save_seq2seq_weights(model: EncoderDecoder, config: Seq2SeqConfig, folder: Path) -> list[str]:
    """Write the trained tensors as fp16 safetensors (Hugging Face layout); returns the file names."""
    return save_weights(model.state_dict(), folder, names=trainable_names(model, config))


def load_seq2seq_weights(model: EncoderDecoder, config: Seq2SeqConfig, folder: Path) -> None:
    """Overlay the shipped tensors onto a model built from MiniLM.

    Raises:
        ModelNotFoundError: the folder lacks a trained tensor or holds tensors the model lacks.
    """
    load_into(model, folder, frozen=frozen_prefixes(config))
