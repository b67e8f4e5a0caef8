"""The generated part of the detector's model card (``MODEL_CARD.generated.md``): data, time, metrics."""
from __future__ import annotations

import json

from repair.train.detector_eval import fmt


def metrics_table(name: str, result: dict) -> list[str]:
    """Markdown lines for one evaluated set (token P/R/F1, passage AUC, clean flags, per rate)."""
    token = result["token"]
    held = result["held_out_recall"]
    lines = [
        f"**{name}** ({result['rows']:,} rows, word threshold {result['word_threshold']:.2f})",
        "",
        "| rate | rows | token P | token R | token F1 | passage AUC vs clean |",
        "|---|---:|---:|---:|---:|---:|",
        f"| all spun | {result['rows']:,} | {fmt(token['precision'])} | {fmt(token['recall'])} | {fmt(token['f1'])} | {fmt(result['passage_auc'])} |",
    ]
    for rate, entry in result["by_rate"].items():
        t = entry["token"]
        lines.append(f"| {rate} | {entry['rows']:,} | {fmt(t['precision'])} | {fmt(t['recall'])} | {fmt(t['f1'])} | {fmt(entry.get('passage_auc_vs_clean'))} |")
    lines += [
        "",
        f"Clean rows: {fmt(result['clean_flagged_per_1000'], 2)} flagged words per 1,000 ({result['clean_words']:,} words). "
        f"Substitutions flagged: seen types {fmt(held['seen']['recall'])} ({held['seen']['total']:,}), "
        f"held-out types {fmt(held['held_out']['recall'])} ({held['held_out']['total']:,}).",
        "",
    ]
    return lines


def model_card(config: dict, metrics: dict) -> str:
    """The generated part of ``MODEL_CARD.md`` (data, size, time, hardware, metrics)."""
    training = {"device": "cpu", "threads": "?", "steps": 0, "epochs": "?", "minutes": 0.0, "config": {}, **config.get("training", {})}
    lines = [
        "# Unspin detector (word tagger)",
        "",
        f"Base: `{config['base']}`; architecture {json.dumps(config['model'])}.",
        f"Trained with `unspin train detector` on {training['device']} ({training['threads']} threads): "
        f"{training['steps']:,} steps, {training['epochs']} epochs, {training['minutes']:.1f} min optimiser loop, "
        f"{metrics['total_minutes']:.1f} min in all. Settings: `{json.dumps(training['config'])}`.",
        f"Word threshold {config['settings']['word_threshold']:.2f}; passage calibrator {config['settings']['calibrator']}.",
        "",
        "## Metrics",
        "",
    ]
    for key, name in (("suite", "Committed suite eval/suites/synthetic/test.jsonl"), ("test_split", "Test split (news_test)"), ("validation", "Validation")):
        if key in metrics:
            lines += metrics_table(name, metrics[key])
    if "comparison" in metrics:
        lines += comparison_table(metrics["comparison"])
    if "seeds" in metrics:
        lines += ["## Seeds (measurement only, never trained on)", "", "| seed | score | words | flagged words |", "|---|---:|---:|---:|"]
        for name, entry in metrics["seeds"].items():
            lines.append(f"| {name} | {entry['score']:.3f} | {entry['words']:,} | {entry['flagged_words']} |")
            if "substitutions" in entry:
                subs = entry["substitutions"]
                lines.append(f"| 003 estimated substitutions flagged | | {subs['occurrences']} | {subs['flagged']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def comparison_table(comparison: dict) -> list[str]:
    """Markdown table: tagger, lexicon and combined detectors on the same sets (span-based)."""
    lines = [
        "## Tagger vs lexicon vs combined (same rows, span-based)",
        "",
        "| detector | set | token P | token R | token F1 | passage AUC | clean flags/1000 | held-out recall | seen recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in comparison.items():
        for key, result in entry.items():
            if key == "seeds":
                continue
            t, by_type = result["token"], result["recall_by_type"]
            lines.append(
                f"| {name} | {key} ({result['rows']:,}) | {fmt(t['precision'])} | {fmt(t['recall'])} | {fmt(t['f1'])} | "
                f"{fmt(result['passage_auc'])} | {fmt(result['clean_flagged_per_1000'], 2)} | "
                f"{fmt(by_type['held_out']['recall'])} | {fmt(by_type['seen']['recall'])} |"
            )
    lines += ["", "| detector | " + " | ".join(k[:3] for k in next(iter(comparison.values())).get("seeds", {})) + " | 003 substitutions flagged |"]
    lines.append("|---|" + "---:|" * (len(next(iter(comparison.values())).get("seeds", {})) + 1))
    for name, entry in comparison.items():
        seeds = entry.get("seeds", {})
        subs = next((v["substitutions"] for v in seeds.values() if "substitutions" in v), None)
        flagged = f"{subs['flagged']} of {subs['occurrences']}" if subs else "n/a"
        lines.append(f"| {name} | " + " | ".join(f"{v['score']:.3f}" for v in seeds.values()) + f" | {flagged} |")
    return lines + [""]
