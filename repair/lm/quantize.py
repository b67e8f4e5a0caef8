"""Careful int8: dynamic quantisation of the transformer layers, per output channel, head in fp32.

A plain ``quantize_dynamic`` (one scale per weight matrix, the output head included) moved
sentence log-probs by 10-40 nats and erased an original-vs-spun margin (issue 14). Two things
keep the damage small: one scale per output channel, so a few large rows do not flatten the
rest; and the 49k-way output head, whose errors go straight into every log-prob, stays fp32.
scripts/measure_lm.py measures what is left of the margins; the model card has the numbers.
"""
from __future__ import annotations

import torch


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """An int8 copy of ``model``: its linear layers but the output head, per-channel weights.

    Args:
        model: a Hugging Face causal LM in fp32 (left unchanged).

    Returns:
        The quantised copy (CPU only; activations are quantised on the fly per call).
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    head = model.get_output_embeddings()
    names = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and module is not head}
    return quantize_dynamic(model, qconfig_spec=names, dtype=torch.qint8, inplace=False)
