"""Decoder sequences: score a region's candidates, and let the decoder propose its own.

One decoder sequence per region: ``[CLS] <spun words> [unused2] <original words> [SEP]``. The
spun words are a prompt that says which marked region is meant (and make copying easy); only
what follows ``[unused2]`` is generated and scored. Regions are independent, so the regions of
many windows run in one decoder pass: ``owners[i]`` says which window's encoder states (the
``memory``) sequence i attends to.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from repair.restore.seq2seq.model import EncoderDecoder
from repair.restore.seq2seq.windows import WordPieceEncoder, pad_rows

PROMPT_SEP = "[unused2]"


@dataclass(frozen=True)
class DecoderIds:
    """Special ids of the decoder sequence ``[CLS] prompt [unused2] target [SEP]``."""

    bos: int
    sep: int
    eos: int
    pad: int


def decoder_ids(encoder: WordPieceEncoder) -> DecoderIds:
    """The decoder's special ids in MiniLM's vocabulary."""
    sep = encoder.tokenizer.convert_tokens_to_ids(PROMPT_SEP)
    return DecoderIds(encoder.ids.bos, sep, encoder.ids.eos, encoder.ids.pad)


def decoder_states(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], rows, pad: int):
    """Decoder hidden states of padded ``rows``, each attending to its owner window's memory."""
    ids, mask = pad_rows(rows, pad)
    index = torch.tensor(list(owners), dtype=torch.long, device=memory.device)
    return model.decode(ids.to(memory.device), mask.to(memory.device), memory[index], memory_mask[index])


def target_logprobs(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], prompts, targets, special: DecoderIds):
    """Per (prompt, target): log-probs of each target piece and of the closing ``[SEP]``.

    Teacher-forced and batched; returns one 1-D tensor per target (its length + 1 entries).
    """
    rows = [[special.bos, *p, special.sep, *t] for p, t in zip(prompts, targets)]
    hidden = decoder_states(model, memory, memory_mask, owners, rows, special.pad)
    batch_rows, cols, gold = [], [], []
    for i, (p, t) in enumerate(zip(prompts, targets)):
        first = len(p) + 1  # the [unused2] position predicts the first target piece
        for j, piece in enumerate([*t, special.eos]):
            batch_rows.append(i)
            cols.append(first + j)
            gold.append(piece)
    device = memory.device
    logits = model.logits(hidden[torch.tensor(batch_rows, device=device), torch.tensor(cols, device=device)])
    logp = torch.log_softmax(logits.float(), dim=-1).gather(1, torch.tensor(gold, device=device)[:, None])[:, 0]
    return list(torch.split(logp, [len(t) + 1 for t in targets]))


def last_logits(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], seqs, special: DecoderIds):
    """Next-piece logits after the last piece of each sequence."""
    hidden = decoder_states(model, memory, memory_mask, owners, seqs, special.pad)
    last = torch.tensor([len(s) - 1 for s in seqs], device=memory.device)
    return model.logits(hidden[torch.arange(len(seqs), device=memory.device), last]).float()


def generate(model: EncoderDecoder, memory, memory_mask, owners: Sequence[int], prompts, special: DecoderIds, *,
             first_tokens: int, max_target: int) -> list[list[tuple[int, ...]]]:
    """The decoder's own proposals per prompt: greedy continuations of its top first pieces.

    Returns, per prompt, the distinct finished continuations (pieces, without ``[SEP]``).
    """
    seqs = [[special.bos, *p, special.sep] for p in prompts]
    logits = last_logits(model, memory, memory_mask, owners, seqs, special)
    hyps: list[list[int]] = []
    hyp_of: list[int] = []
    for i, tokens in enumerate(logits.topk(first_tokens, dim=-1).indices.tolist()):
        for token in tokens:
            hyps.append([*seqs[i], token])
            hyp_of.append(i)
    done = [h[-1] == special.eos for h in hyps]
    for _ in range(max_target):
        active = [i for i, d in enumerate(done) if not d]
        if not active:
            break
        logits = last_logits(model, memory, memory_mask, [owners[hyp_of[i]] for i in active], [hyps[i] for i in active], special)
        for i, token in zip(active, logits.argmax(dim=-1).tolist()):
            hyps[i].append(token)
            done[i] = token == special.eos
    result: list[list[tuple[int, ...]]] = [[] for _ in prompts]
    for i, hyp in enumerate(hyps):
        body = hyp[len(prompts[hyp_of[i]]) + 2 :]
        if done[i] and body[:-1] and tuple(body[:-1]) not in result[hyp_of[i]]:
            result[hyp_of[i]].append(tuple(body[:-1]))
    return result
