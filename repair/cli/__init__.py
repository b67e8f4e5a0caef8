"""``unspin`` command line: one thin module per subcommand, each with add_parser() and run().

Exit codes: 0 success, 1 some input failed (others were still processed), 2 usage error
(bad option, missing model), 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys

from repair.version import __version__
from repair.cli import bench, data, detect, evaluate, fix, index, profile, spin, trace, train
from repair.errors import UnspinError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Plain list: the order is the order shown in --help.
COMMANDS = [detect, fix, profile, evaluate, spin, data, train, bench, index, trace]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unspin",
        description="Find text garbled by article spinners or machine translation and restore the canonical wording.",
    )
    parser.add_argument("--version", action="version", version=f"unspin {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def apply_environment(args: argparse.Namespace) -> argparse.Namespace:
    """The one place that reads the environment: $UNSPIN_MODELS stands in for a missing --models."""
    if getattr(args, "models", "") is None:
        args.models = os.environ.get("UNSPIN_MODELS") or None
    return args


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = apply_environment(parser.parse_args(argv))
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("unspin: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UnspinError as error:
        print(f"unspin: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
