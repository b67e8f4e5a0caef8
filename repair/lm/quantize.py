"""Careful int8: dynamic quantisation of most linear layers, per output channel, in fp32 where it hurts.

A plain ``quantize_dynamic`` (one scale per weight matrix, the output head included) moved
sentence log-probs by 10-40 nats and erased an original-vs-spun margin (issue 14). Measured here
on suite sentences: per-channel weights with the output head kept fp32 still cost 27-35 nats per
sentence; keeping the MLP ``down_proj`` layers fp32 as well brought that to 0-5. Dynamic
quantisation scales each layer's input with one number per call, and the input of ``down_proj``
(after the gated SiLU) carries the few huge activations of the start token, which leave every
other position with a handful of int8 steps. The 49k-way output head stays fp32 because its
errors go straight into every log-prob. scripts/measure_lm.py measures speed and margins.
"""
from __future__ import annotations

import torch

# Linear layers whose inputs carry outlier activations (see above): kept fp32.
KEEP_FP32 = ("down_proj",)


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """An int8 copy of ``model``: per-channel weights, output head and KEEP_FP32 layers in fp32.

    Args:
        model: a Hugging Face causal LM in fp32 (left unchanged).

    Returns:
        The quantised copy (CPU only; activations are quantised on the fly per call).
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    head = model.get_output_embeddings()
    names = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and module is not head
             and not name.endswith(KEEP_FP32)}
    return quantize_dynamic(model, qconfig_spec=names, dtype=torch.qint8, inplace=False)
