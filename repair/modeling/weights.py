"""One weights layout for every shipped model, as Hugging Face writes it.

``model.safetensors`` when the tensors fit one shard, else ``model-0000i-of-0000n.safetensors``
plus ``model.safetensors.index.json`` (``{"metadata": {...}, "weight_map": {name: file}}``).
Shards stay under 15 MB so that no committed file is larger. Only the tensors a model trained
are written; frozen layers come from the pretrained base's own package at load time.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch

from repair.errors import ModelNotFoundError

WEIGHTS_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
MAX_SHARD_BYTES = 14 * 1024 * 1024


def shard_groups(state: Mapping[str, torch.Tensor], max_bytes: int = MAX_SHARD_BYTES) -> list[dict[str, torch.Tensor]]:
    """Split tensors, in order, into groups of whole tensors of at most ``max_bytes`` each."""
    groups: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if groups[-1] and size + nbytes > max_bytes:
            groups.append({})
            size = 0
        groups[-1][name] = tensor
        size += nbytes
    return groups


def weight_files(folder: Path) -> list[Path]:
    """The weight files of a model folder, in the index's order (or the single file)."""
    folder = Path(folder)
    index = folder / INDEX_FILE
    if index.is_file():
        names = dict.fromkeys(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        return [folder / name for name in names]
    if (folder / WEIGHTS_FILE).is_file():
        return [folder / WEIGHTS_FILE]
    return []


def save_weights(
    state: Mapping[str, torch.Tensor],
    folder: Path,
    *,
    names: Iterable[str] | None = None,
    dtype: torch.dtype = torch.float16,
    max_shard_bytes: int = MAX_SHARD_BYTES,
) -> list[str]:
    """Write ``state`` (only ``names`` if given) as ``dtype`` safetensors; returns the file names.

    Weight files already in ``folder`` are removed first, so a smaller model never leaves
    stale shards behind.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("model*.safetensors"), folder / INDEX_FILE]:
        old.unlink(missing_ok=True)
    chosen = list(names) if names is not None else list(state)
    tensors = {name: state[name].detach().to("cpu", dtype).contiguous() for name in chosen}
    groups = shard_groups(tensors, max_shard_bytes)
    if len(groups) == 1:
        save_file(groups[0], str(folder / WEIGHTS_FILE))
        return [WEIGHTS_FILE]
    files = [f"model-{i:05d}-of-{len(groups):05d}.safetensors" for i in range(1, len(groups) + 1)]
    weight_map = {}
    for file, group in zip(files, groups):
        save_file(group, str(folder / file))
        weight_map.update(dict.fromkeys(group, file))
    total = sum(t.numel() * t.element_size() for t in tensors.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / INDEX_FILE).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return files


def load_weights(folder: Path, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """Every tensor of a model folder, cast to ``dtype`` (fp32 is fastest on CPU).

    Raises:
        ModelNotFoundError: the folder has no weights.
    """
    from safetensors.torch import load_file

    files = weight_files(folder)
    if not files:
        raise ModelNotFoundError(f"no weights in {folder} (expected {WEIGHTS_FILE} or {INDEX_FILE})")
    state: dict[str, torch.Tensor] = {}
    for file in files:
        state.update({k: v.to(dtype) for k, v in load_file(str(file)).items()})
    return state


def load_into(model: torch.nn.Module, folder: Path, *, frozen: tuple[str, ...] = ()) -> None:
    """Overlay a folder's weights onto ``model``; every tensor not under ``frozen`` must be there.

    Raises:
        ModelNotFoundError: weights missing for a trained tensor, or tensors the model lacks.
    """
    state = load_weights(folder)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(frozen)]
    if missing or unexpected:
        raise ModelNotFoundError(f"weights in {folder} do not fit the model: missing {missing[:3]}, unexpected {unexpected[:3]}")
