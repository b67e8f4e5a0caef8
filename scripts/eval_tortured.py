"""Scientific tortured phrases and the LM detector evidence: eval/reports/tortured.{json,md}.

Three measurements, each on the same rows for every line-up:

1. **Tortured phrases** (eval/suites/tortured/phrases.tsv: 40 cited rows, each a sentence with a
   published tortured phrase and its clean twin): is the tortured phrase flagged (all its changed
   words under a reported span of a paragraph called spun: what reaches the restorers), is the
   sentence restored exactly (output == clean twin), and how many words change in the clean
   twin (false edits). Line-ups: the default (cascade + seq2seq) and cascade+lm + seq2seq+lm.
   With the gold span given, does the restorer propose the expected original at all (its
   candidate list), and does the inverse thesaurus hold each original word (the detector's
   alternatives)? Those two say whether candidate generation is the bottleneck.
2. **Synthetic suite detection** (eval/suites/synthetic/test.jsonl, the first ``--rows`` rows):
   substituted-word recall and flagged-word precision of cascade and cascade+lm, same rows.
3. **Cost**: LM pieces read per word of text by the new detector.

Each document is run alone (one ``repair``/``detect_batch`` call), so type pooling stays inside it.
None of the tortured phrases goes into any model, glossary or rule: this script only reads them.

Usage: python scripts/eval_tortured.py [--rows 100] [--limit N] [--out eval/reports]
"""
from __future__ import annotations

import argparse
import csv
import difflib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repair import text as textutil  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair.pipeline.repairer import Repairer  # noqa: E402
from repair.results import Span  # noqa: E402

SUITE = ROOT / "eval/suites/tortured/phrases.tsv"
SYNTHETIC = ROOT / "eval/suites/synthetic/test.jsonl"
LINEUPS = {"default (cascade + seq2seq)": ("cascade", "seq2seq"), "cascade+lm + seq2seq+lm": ("cascade+lm", "seq2seq+lm")}


def changed_words(a: str, b: str) -> int:
    """Words of ``a`` replaced, deleted or inserted to make ``b`` (word-level diff)."""
    x, y = [t.text for t in textutil.words(a)], [t.text for t in textutil.words(b)]
    ops = difflib.SequenceMatcher(a=x, b=y, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")


def changed_offsets(row: dict) -> list[tuple[int, int]]:
    """Character spans, in the tortured sentence, of the tortured phrase's words that differ from the original's."""
    start = row["context"].index(row["tortured"])
    spun = textutil.words(row["tortured"])
    orig = {t.text.lower() for t in textutil.words(row["original"])}
    return [(start + t.start, start + t.end) for t in spun if t.text.lower() not in orig] or [(start, start + len(row["tortured"]))]


def covered(targets, report) -> tuple[bool, bool]:
    """(every target under a reported span of a spun report, any target under one)."""
    if not report.spun:
        return False, False
    hit = [any(textutil.overlaps(a, b, s.start, s.end) for s in report.spans) for a, b in targets]
    return all(hit), any(hit)


def tortured_rows(repairer: Repairer, rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        started = time.perf_counter()
        spun = repairer.repair(row["context"])
        clean = repairer.repair(row["clean"])
        full, part = covered(changed_offsets(row), spun.detection)
        out.append({"id": row["id"], "tortured": row["tortured"], "original": row["original"], "flagged": full,
                    "flagged_partly": part, "restored_exactly": spun.text == row["clean"], "output": spun.text,
                    "spans": [s.text for s in spun.detection.spans] if spun.detection.spun else [],
                    "clean_changed_words": changed_words(row["clean"], clean.text), "clean_output": clean.text,
                    "seconds": round(time.perf_counter() - started, 2)})
        print(json.dumps({k: out[-1][k] for k in ("id", "flagged", "restored_exactly", "spans", "clean_changed_words", "seconds")}), flush=True)
    return out


def candidate_coverage(repairer: Repairer, rows: list[dict]) -> dict:
    """With the gold span: is the original the restorer's choice or among its alternatives;
    does the inverse thesaurus hold each original word for its tortured word."""
    from repair.detect.candidates import CandidateSource
    from repair.detect.lexicon import LexiconConfig
    from repair.resources.shared import Resources
    from repair.synth.spin import FUNCTION_WORDS

    restorer = repairer.restorers[0]
    resources = Resources.load(ROOT / "models")
    config = LexiconConfig()
    source = CandidateSource(resources.thesaurus, config.max_candidates, FUNCTION_WORDS, config.sources)
    proposed = among = words_in = words_all = 0
    seen = set()
    per_row = []
    for row in rows:
        start = row["context"].index(row["tortured"])
        span = Span(start, start + len(row["tortured"]), row["tortured"], 1.0)
        edits = restorer.propose(row["context"], [span])
        choices = [e.new.lower() for e in edits] + [a.lower() for e in edits for a in e.alternatives]
        is_choice = any(e.new.lower() == row["original"].lower() for e in edits)
        is_among = row["original"].lower() in choices
        proposed += is_choice
        among += is_among
        pairs = list(zip(row["tortured"].lower().split(), row["original"].lower().split()))
        if row["tortured"] not in seen and len(row["tortured"].split()) == len(row["original"].split()):
            seen.add(row["tortured"])
            for spun_word, orig_word in pairs:
                if spun_word != orig_word:
                    words_all += 1
                    words_in += orig_word in [o for o, _ in source.originals(spun_word)]
        per_row.append({"id": row["id"], "chosen": [e.new for e in edits], "original_among_candidates": is_among})
    n = len(rows)
    return {"rows": n, "original_chosen": proposed, "original_among_candidates": among,
            "original_words_in_inverse_thesaurus": words_in, "changed_word_pairs": words_all, "per_row": per_row}


def synthetic_detection(detectors: dict, rows: list[dict]) -> dict:
    """Substituted-word recall and flagged-word precision per detector on the same rows."""
    out = {}
    for name, detector in detectors.items():
        hits = subs = flagged = flagged_right = clean_rows_flagged = 0
        started = time.perf_counter()
        for row in rows:
            report = detector.detect_batch([row["spun"]])[0]
            spans = report.spans if report.score >= 0.5 else ()
            gold = [(s["spun_start"], s["spun_end"]) for s in row["subs"]]
            subs += len(gold)
            hits += sum(any(textutil.overlaps(a, b, s.start, s.end) for s in spans) for a, b in gold)
            for s in spans:
                n = len(textutil.words(s.text)) or 1
                flagged += n
                flagged_right += n * any(textutil.overlaps(a, b, s.start, s.end) for a, b in gold)
            clean_rows_flagged += bool(spans) and not gold
        out[name] = {"rows": len(rows), "substitutions": subs, "recall": round(hits / max(subs, 1), 3),
                     "flagged_words": flagged, "precision": round(flagged_right / max(flagged, 1), 3),
                     "clean_rows": sum(not r["subs"] for r in rows), "clean_rows_flagged": clean_rows_flagged,
                     "seconds": round(time.perf_counter() - started, 1)}
        read = getattr(detector, "read", None)
        if read is not None:
            words = sum(textutil.count_words(r["spun"]) for r in rows)
            out[name].update({"lm_pieces": read.pieces, "words": words, "lm_pieces_per_word": round(read.pieces / max(words, 1), 2),
                              "two_sided_checks": read.checks, "lm_seconds": round(read.seconds, 1)})
        print(name, json.dumps(out[name]), flush=True)
    return out


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    return {"rows": n, "flagged": sum(r["flagged"] for r in rows), "flagged_partly": sum(r["flagged_partly"] for r in rows),
            "restored_exactly": sum(r["restored_exactly"] for r in rows),
            "clean_twins_changed": sum(r["clean_changed_words"] > 0 for r in rows),
            "clean_changed_words": sum(r["clean_changed_words"] for r in rows),
            "clean_words": None, "seconds": round(sum(r["seconds"] for r in rows), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100, help="synthetic suite rows (first N of test.jsonl)")
    parser.add_argument("--limit", type=int, default=None, help="tortured rows (all by default)")
    parser.add_argument("--step", type=int, default=1, help="every STEP-th tortured row (2: one context per phrase block)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval/reports")
    args = parser.parse_args()
    rows = list(csv.DictReader(SUITE.open(encoding="utf-8"), delimiter="\t"))[:: args.step][: args.limit]
    synthetic = [json.loads(line) for line in SYNTHETIC.open(encoding="utf-8")][: args.rows]
    clean_words = sum(textutil.count_words(r["clean"]) for r in rows)
    report: dict = {"suite": str(SUITE.relative_to(ROOT)), "lineups": {}, "rows": {}}
    repairers = {}
    for name, (detector, restorer) in LINEUPS.items():
        repairers[name] = Repairer.load(config=RepairConfig(detector=detector, restorer=restorer))
        per_row = tortured_rows(repairers[name], rows)
        report["lineups"][name] = {**summary(per_row), "clean_words": clean_words}
        report["rows"][name] = per_row
    report["candidates_gold_span"] = {name: candidate_coverage(r, rows) for name, r in repairers.items()}
    lm_detector = repairers["cascade+lm + seq2seq+lm"].detector
    pieces_before = lm_detector.read.pieces
    words_tortured = sum(textutil.count_words(r["context"]) + textutil.count_words(r["clean"]) for r in rows)
    report["lm_read_tortured"] = {"pieces": pieces_before, "words": words_tortured,
                                  "pieces_per_word": round(pieces_before / max(words_tortured, 1), 2)}
    lm_detector.read.pieces = lm_detector.read.words = lm_detector.read.checks = 0
    lm_detector.read.seconds = 0.0
    report["synthetic_detection"] = synthetic_detection({"cascade": lm_detector.cheap, "cascade+lm": lm_detector}, synthetic)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tortured.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (args.out / "tortured.md").write_text(markdown(report), encoding="utf-8")


def markdown(report: dict) -> str:
    lines = ["# Scientific tortured phrases and LM detector evidence", "",
             "Made by `python scripts/eval_tortured.py` (see its docstring). Rows: eval/suites/tortured/phrases.tsv "
             "(cited; never in any model).", "",
             "| line-up | rows | flagged | flagged partly | restored exactly | clean twins changed | changed words in clean twins |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in report["lineups"].items():
        lines.append(f"| {name} | {s['rows']} | {s['flagged']} | {s['flagged_partly']} | {s['restored_exactly']} | "
                     f"{s['clean_twins_changed']} | {s['clean_changed_words']} of {s['clean_words']} |")
    lines += ["", "Candidate generation with the gold span given to the restorer:", "",
              "| restorer of line-up | original chosen | original among candidates | original words in the inverse thesaurus |",
              "|---|---:|---:|---:|"]
    for name, c in report["candidates_gold_span"].items():
        lines.append(f"| {name} | {c['original_chosen']} of {c['rows']} | {c['original_among_candidates']} of {c['rows']} | "
                     f"{c['original_words_in_inverse_thesaurus']} of {c['changed_word_pairs']} word pairs |")
    lines += ["", "Synthetic suite detection (same rows; spans of paragraphs scored >= 0.5):", "",
              "| detector | rows | substitutions | recall | flagged words | precision | clean rows flagged | seconds | LM pieces per word |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, d in report["synthetic_detection"].items():
        lines.append(f"| {name} | {d['rows']} | {d['substitutions']} | {d['recall']} | {d['flagged_words']} | {d['precision']} | "
                     f"{d['clean_rows_flagged']} of {d['clean_rows']} | {d['seconds']} | {d.get('lm_pieces_per_word', '')} |")
    read = report["lm_read_tortured"]
    lines += ["", f"LM pieces read by the detector on the tortured rows: {read['pieces']} for {read['words']} words "
              f"({read['pieces_per_word']} per word).", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
