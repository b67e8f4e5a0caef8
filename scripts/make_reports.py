"""Regenerate the committed evaluation reports under eval/reports/ in one command.

    python scripts/make_reports.py                 # synthetic suite + seeds, shipped models
    python scripts/make_reports.py --suites seeds  # just one
    python scripts/make_reports.py --no-model      # glossary-only system under test
    python scripts/make_reports.py --screenshot    # also report.png via headless Chromium (not committed)
    python scripts/make_reports.py --render-only   # re-render report.md/html from the report.json files

Loads the pipeline once and runs `unspin eval` for each suite with fixed bootstrap settings,
so two runs on the same models give the same scores (only wall times differ). Writes
eval/reports/<suite>/{report.json, report.md, report.html[, stats.npz]}. A suite whose inputs
are missing (no ../shared seeds, no synthetic pairs yet) is skipped with a message; any
failure makes the exit code non-zero after the other suites have run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from repair.cli import apply_environment, build_parser
from repair.cli import evaluate as cli_eval
from repair.errors import UnspinError
from repair.detect.registry import DETECTORS
from repair.evaluate import SEED_SUITE, SUITES, EvalError
from repair.pipeline.config import RepairConfig
from repair.restore.registry import RESTORERS

REPO_ROOT = Path(__file__).resolve().parent.parent
SUITE_ORDER = [*SUITES, SEED_SUITE]


def eval_args(suite: str, out: Path, options: argparse.Namespace) -> argparse.Namespace:
    argv = ["eval", "--suite", suite, "--out", str(out), "--bootstrap", str(options.bootstrap), "--seed", "12345"]
    argv += ["--no-model"] if options.no_model else []
    argv += ["--models", options.models] if options.models else []
    argv += ["--detector", options.detector, "--restorer", options.restorer]
    argv += ["--limit", str(options.limit)] if options.limit else []
    # As `unspin eval` would read them, $UNSPIN_MODELS included.
    return apply_environment(build_parser().parse_args(argv))


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def screenshot(folder: Path) -> None:
    """report.html -> report.png with headless Chromium (apt-get install -y chromium)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("no chromium on PATH; skipping the screenshot", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1200,4000",
             f"--screenshot={folder / 'report.png'}", (folder / "report.html").resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    print(f"wrote {folder / 'report.png'}", file=sys.stderr)


def render_only(options: argparse.Namespace) -> int:
    """Rewrite report.md and report.html from each suite's report.json (no pipeline run)."""
    for suite in options.suites:
        folder = Path(options.out_root) / suite
        if not (folder / "report.json").is_file():
            print(f"skipped {suite}: no {folder / 'report.json'}", file=sys.stderr)
            continue
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        cli_eval.write_outputs(report, str(folder))
        print(f"re-rendered {folder}", file=sys.stderr)
        if options.screenshot:
            screenshot(folder)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", nargs="+", choices=SUITE_ORDER, default=SUITE_ORDER)
    parser.add_argument("--out-root", default=str(REPO_ROOT / "eval" / "reports"))
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--models", help="models folder (default: the shipped models/ or $UNSPIN_MODELS)")
    parser.add_argument("--detector", choices=sorted(DETECTORS), default=RepairConfig.detector, help="detector kind (default %(default)s)")
    parser.add_argument("--restorer", choices=sorted(RESTORERS), default=RepairConfig.restorer, help="restorer kind (default %(default)s)")
    parser.add_argument("--limit", type=int, help="first N pairs only (quick check)")
    parser.add_argument("--screenshot", action="store_true", help="also write report.png (headless Chromium)")
    parser.add_argument("--render-only", action="store_true", help="re-render Markdown/HTML from existing report.json")
    options = parser.parse_args(argv)
    if options.render_only:
        return render_only(options)

    started = time.perf_counter()
    first = eval_args(options.suites[0], Path(options.out_root) / options.suites[0], options)
    print("loading the pipeline ...", file=sys.stderr)
    try:
        repairer = cli_eval.load_repairer(first, use_model=not options.no_model)
    except UnspinError as error:
        print(f"make_reports: cannot load the pipeline: {error}", file=sys.stderr)
        return 2
    print(f"loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    failed = []
    for suite in options.suites:
        tick = time.perf_counter()
        args = eval_args(suite, Path(options.out_root) / suite, options)
        print(f"== {suite} -> {args.out}", file=sys.stderr)
        try:
            run = cli_eval.run_seeds if suite == SEED_SUITE else cli_eval.run_pairs
            code = run(args, repairer=repairer)
        except EvalError as error:
            print(f"skipped {suite}: {error}", file=sys.stderr)
            continue
        except Exception:  # keep going: one broken suite should not hide the others' reports
            traceback.print_exc()
            code = 1
        if code:
            failed.append(suite)
        elif options.screenshot:
            screenshot(Path(args.out))
        print(f"{suite}: {time.perf_counter() - tick:.1f}s", file=sys.stderr)
    print(f"total {time.perf_counter() - started:.1f}s; failed: {failed or 'none'}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
