"""Decoder scoring and the decoder's own proposals (repair.restore.seq2seq.decoding), on the shipped model."""
from __future__ import annotations

import pytest
import torch

from repair.restore.seq2seq.decoding import PROMPT_SEP, decoder_ids, generate, last_logits, target_logprobs
from tests.restore.conftest import spans_for


@pytest.fixture(scope="module")
def encoded(shipped_seq2seq):
    """Encoder states of one window with one flagged region, and that region's prompt."""
    restorer = shipped_seq2seq
    spun = "They protested in opposition to the plan."
    windows, _ = restorer.jobs(spun, spans_for(spun, "in opposition to"))
    with torch.inference_mode():
        memory, mask = restorer.encode(windows)
    (prompt,) = restorer.encoder.encode_batch(["in opposition to"])
    return restorer, memory, mask, tuple(prompt)


def test_decoder_ids_are_minilm_specials(wordpiece):
    special = decoder_ids(wordpiece)
    tokens = wordpiece.tokenizer.convert_ids_to_tokens([special.bos, special.sep, special.eos, special.pad])
    assert tokens == ["[CLS]", PROMPT_SEP, "[SEP]", "[PAD]"]


def test_target_logprobs_one_per_piece_and_the_closing_sep(encoded):
    restorer, memory, mask, prompt = encoded
    targets = [tuple(restorer.encoder.encode_batch([t])[0]) for t in ("against", "in opposition to")]
    with torch.inference_mode():
        logps = target_logprobs(restorer.model, memory, mask, [0, 0], [prompt, prompt], targets, restorer.special)
    assert [len(lp) for lp in logps] == [len(t) + 1 for t in targets]
    assert all(float(lp.max()) <= 0.0 for lp in logps)


def test_target_logprobs_do_not_depend_on_the_batch(encoded):
    restorer, memory, mask, prompt = encoded
    target = tuple(restorer.encoder.encode_batch(["against"])[0])
    other = tuple(restorer.encoder.encode_batch(["in a manner opposed to"])[0])
    with torch.inference_mode():
        (alone,) = target_logprobs(restorer.model, memory, mask, [0], [prompt], [target], restorer.special)
        together, _ = target_logprobs(restorer.model, memory, mask, [0, 0], [prompt, prompt], [target, other], restorer.special)
    assert torch.allclose(alone, together, atol=1e-5)


def test_generate_continues_greedily_after_each_top_first_piece(encoded):
    restorer, memory, mask, prompt = encoded
    special, config = restorer.special, restorer.config
    with torch.inference_mode():
        (proposals,) = generate(restorer.model, memory, mask, [0], [prompt], special,
                                first_tokens=config.first_tokens, max_target=config.max_target)
        assert proposals and len(proposals) <= config.first_tokens and len(set(proposals)) == len(proposals)
        for pieces in proposals:
            assert special.eos not in pieces and len(pieces) <= config.max_target
            prefix = [special.bos, *prompt, special.sep]
            steps = [prefix + list(pieces[:j]) for j in range(1, len(pieces) + 1)]
            following = last_logits(restorer.model, memory, mask, [0] * len(steps), steps, special).argmax(dim=-1).tolist()
            assert following == [*pieces[1:], special.eos]  # every later piece is the decoder's argmax
