"""Report plots, drawn with matplotlib's object API (``Figure``, no pyplot state) and embedded as
base64 PNG, so a report's HTML is one file that opens anywhere, offline."""
from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib costs ~0.5 s to import; only report rendering needs it
    from matplotlib.figure import Figure

SYSTEM_COLORS = {"system": "#1f77b4", "do-nothing": "#7f7f7f", "glossary-only": "#ff7f0e"}


def figure_png(draw: Callable[[Figure], None], size: tuple[float, float] = (6.4, 3.6)) -> str:
    """Draw on a fresh figure and return it as a base64 PNG data URI."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=100, layout="constrained")
    draw(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plot_distribution(report: dict) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        left, right = figure.subplots(1, 2)
        distribution = report["distribution"]
        for name, counts in distribution["counts"].items():
            left.stairs(counts, distribution["edges"], label=name, color=SYSTEM_COLORS.get(name), linewidth=2)
        left.set_yscale("symlog", linthresh=1)
        left.set_xlabel(distribution["metric"])
        left.set_ylabel("pairs")
        left.set_title("Score per pair")
        left.legend(fontsize="small")
        for name, counts in distribution.get("gains", {}).items():
            right.stairs(counts, distribution["gain_edges"], label=name, color=SYSTEM_COLORS.get(name), linewidth=2)
        right.axvline(0, color="black", linewidth=0.8)
        right.set_yscale("symlog", linthresh=1)
        right.set_xlabel(f"{distribution['metric']} gain over the source")
        right.set_ylabel("pairs (changed only)")
        right.set_title("Gain per pair (right = better)")
        if distribution.get("gains"):
            right.legend(fontsize="small")

    return draw


def plot_categories(report: dict) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        systems = [name for name in report["systems"] if name != "do-nothing"]
        categories = report.get("categories", {})
        grouped_bars(axes, list(categories), systems,
                     lambda c, s: categories[c]["chrf"][s] - categories[c]["chrf"]["do-nothing"])
        axes.axhline(0, color="black", linewidth=0.8)
        axes.set_ylabel("chrF gain over do-nothing")
        axes.set_title("Gain by category")

    return draw


def plot_kinds(report: dict) -> Callable[[Figure], None]:
    """Horizontal bars: restoration per substitution kind, then seen vs held-out types."""

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        groups = list(report.get("kinds", {}).items()) + [(f"[{k}]", v) for k, v in report.get("held_out", {}).items()]
        systems = [name for name in report["systems"] if name != "do-nothing"]  # do-nothing restores nothing
        height = 0.8 / max(len(systems), 1)
        for index, system in enumerate(systems):
            positions = [i + index * height for i in range(len(groups))]
            values = [entry["restoration"].get(system, 0.0) for _, entry in groups]
            axes.barh(positions, values, height, label=system, color=SYSTEM_COLORS.get(system))
        labels = [f"{name} ({entry['spans']})" for name, entry in groups]
        axes.set_yticks([i + height * (len(systems) - 1) / 2 for i in range(len(groups))], labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xlabel("restored % (spans in brackets)")
        axes.set_title("Restoration by substitution kind")
        axes.legend(fontsize="small", loc="lower right")

    return draw


def grouped_bars(axes, groups: Sequence[str], systems: Sequence[str], value: Callable[[str, str], float]) -> None:
    width = 0.8 / max(len(systems), 1)
    for index, system in enumerate(systems):
        positions = [i + index * width for i in range(len(groups))]
        axes.bar(positions, [value(g, system) for g in groups], width, label=system, color=SYSTEM_COLORS.get(system))
    axes.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(groups))], groups, rotation=20)
    if systems:
        axes.legend(fontsize="small")


def plot_detection(report: dict, threshold: float) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        left, right = figure.subplots(1, 2)
        for name, entry in report.get("detection", {}).items():
            curve = entry["curve"]
            left.plot(curve["threshold"], curve["precision"], label=f"precision ({name})")
            left.plot(curve["threshold"], curve["recall"], label=f"recall ({name})", linestyle="--")
            scores = entry["passage_scores"]
            right.stairs(scores["changed"], scores["edges"], label="changed pairs", color="#d62728", linewidth=2)
            right.stairs(scores["unchanged"], scores["edges"], label="unchanged pairs", color="#2ca02c", linewidth=2)
        for axes in (left, right):
            axes.axvline(threshold, color="black", linewidth=0.8, linestyle=":")
        left.set_xlabel("span score threshold")
        left.set_ylabel("%")
        left.set_ylim(0, 105)
        left.set_title("Word detection vs threshold")
        left.legend(fontsize="small")
        right.set_xlabel("passage score")
        right.set_ylabel("pairs")
        right.set_title("Passage scores")
        right.legend(fontsize="small")

    return draw


def plot_seeds(report: dict) -> Callable[[Figure], None]:
    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        entries = report["seeds"]
        colors = ["#2ca02c" if e["role"] == "clean" else "#d62728" for e in entries]
        axes.bar([f"{e['id']}\n{e['role']}" for e in entries], [e["score"] for e in entries], color=colors)
        axes.axhline(float(report.get("context", {}).get("threshold", 0.5)), color="black", linestyle=":", linewidth=1)
        axes.set_ylim(0, 1)
        axes.set_ylabel("passage score")
        axes.set_title("Detector score per seed (dotted: threshold)")

    return draw


def plot_reliability(report: dict) -> Callable[[Figure], None]:
    """Reliability diagram: share of edits right against mean confidence per bin; the diagonal is perfect."""

    def draw(figure: Figure) -> None:
        axes, counts = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
        axes.plot([0, 1], [0, 1], color="black", linewidth=0.8, linestyle=":", label="perfectly calibrated")
        for name, entry in report.get("calibration", {}).items():
            filled = [b for b in entry["bins"] if b["edits"]]
            color = SYSTEM_COLORS.get(name)
            ece = f"{entry['ece']:.3f}" if entry["ece"] is not None else "n/a"
            axes.plot([b["confidence"] for b in filled], [b["right"] for b in filled], marker="o", color=color,
                      label=f"{name} (ECE {ece})")
            counts.stairs([b["edits"] for b in entry["bins"]], [b["low"] for b in entry["bins"]] + [1.0], color=color,
                          linewidth=2)
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.set_ylabel("share of edits right")
        axes.set_title("Reliability of edit confidence")
        axes.legend(fontsize="small", loc="upper left")
        counts.set_xlabel("edit confidence")
        counts.set_ylabel("edits")

    return draw
