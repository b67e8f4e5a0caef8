"""`unspin spin`: make synthetic spun text (or machine-translation garble) with its alignment.

    unspin spin FILE|- [--rate R] [--seed N] [--sources restorer|broad] [--noise spin|garble]
                [--format text|json] [-o OUT]
    unspin spin --explain WORD [--context TEXT]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from repair.errors import InputError, UnspinError
from repair.synth.spin import SOURCE_PRESETS, SpinConfig, Spinner


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "spin",
        help="spin clean text with the synthetic spinner (or list a word's substitutions)",
        description="Replace words and phrases with sense-blind thesaurus synonyms, keeping "
        "inflection, like article spinners do. JSON output carries every substitution with its "
        "offsets in the clean and the spun text.",
    )
    parser.add_argument("input", nargs="?", metavar="FILE", help="clean text file, or '-' for stdin")
    parser.add_argument("--explain", metavar="WORD", help="list the substitutions the spinner could make for WORD (a word or phrase)")
    parser.add_argument("--context", default="", help="with --explain: the text just before WORD")
    parser.add_argument("--rate", type=float, default=SpinConfig.rate, help="probability that an eligible word is substituted (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same output (default 0)")
    parser.add_argument("--sources", choices=sorted(SOURCE_PRESETS), default="restorer", help="which thesaurus sources to draw from (default %(default)s)")
    parser.add_argument("--noise", choices=["spin", "garble"], default="spin", help="spinner synonyms or machine-translation garble (default spin)")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="spun text only, or JSON with the alignment")
    parser.add_argument("-o", "--output", default="-", help="output file ('-' = stdout)")
    parser.add_argument("--models", default=None, help="models folder (default: the shipped models/)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from repair.resources.thesaurus import Thesaurus

    if not 0.0 <= args.rate <= 1.0:
        raise UnspinError(f"--rate must be between 0 and 1, got {args.rate}")
    thesaurus = Thesaurus.load(Path(args.models) if args.models else None)
    config = SpinConfig.preset(args.sources, rate=args.rate)
    if args.explain is not None:
        return _write(args, _explain(Spinner(thesaurus, config), args))
    if args.input is None:
        raise UnspinError("give a FILE (or '-' for stdin), or --explain WORD")
    text = _read(args.input)
    if args.noise == "garble":
        from repair.synth.garble import GarbleConfig, Garbler

        result = Garbler(thesaurus, GarbleConfig(rate=args.rate)).garble(text, seed=args.seed)
    else:
        result = Spinner(thesaurus, config).spin(text, seed=args.seed)
    if args.format == "json":
        return _write(args, json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    return _write(args, result.spun)


def _explain(spinner: Spinner, args: argparse.Namespace) -> str:
    candidates = spinner.candidates(args.explain, args.context)
    if args.format == "json":
        rows = [{"text": c.text, "weight": round(c.weight, 4), "source": c.source, "lemma": c.lemma, "tag": c.tag}
                for c in candidates]
        return json.dumps({"word": args.explain, "candidates": rows}, ensure_ascii=False) + "\n"
    if not candidates:
        return f"{args.explain}: no substitutions\n"
    lines = [f"{c.weight:6.3f}  {c.source:8s} {c.text}  ({c.lemma}{'/' + c.tag if c.tag else ''})" for c in candidates]
    return f"{args.explain}: {len(candidates)} substitutions\n" + "\n".join(lines) + "\n"


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {name!r}: {error}") from error


def _write(args: argparse.Namespace, text: str) -> int:
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0
