"""`unspin evaluate`: placeholder until its issue lands (owner replaces this file)."""
from __future__ import annotations

import argparse

from repair.errors import UnspinError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("eval", help="(not built yet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise UnspinError("'unspin evaluate' is not built yet")
