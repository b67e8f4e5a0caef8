"""Collect the inputs of a batch: files named on the command line and files found in folders.

Folders are walked depth-first in sorted order, following directory symlinks once; a link
back to a folder already visited (a loop) becomes a skipped item naming the link. A problem
found here (missing file, named pipe, unreadable folder) becomes an ``InputItem`` with an
``error``, so it is reported in input order like any other outcome.
"""
from __future__ import annotations

import errno
import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from repair.errors import InputError
from repair.io.files import check_regular_file

Status = Literal["done", "failed", "skipped"]
STDIN = "-"


@dataclass(frozen=True)
class InputItem:
    """A file to process, its path relative to the output root, or why it cannot be processed."""

    path: str
    rel: str
    error: str = ""
    status: Status = "failed"


def collect_inputs(
    paths: Sequence[str],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    skip: Sequence[Path] = (),
) -> list[InputItem]:
    """Expand files and folders (recursively, following symlinks once) into input items.

    A single folder argument mirrors its contents directly; with several arguments each
    keeps its own name as the top of its subtree. ``skip`` lists paths never to enter
    (the output folder, the manifest). Include globs filter files found in folders; explicit
    file arguments are always taken.
    """
    items: list[InputItem] = []
    single_dir = len(paths) == 1 and os.path.isdir(paths[0])
    skip_ids = {file_id(p) for p in skip if os.path.exists(p)}
    for raw in paths:
        if raw == STDIN:
            items.append(InputItem(STDIN, "stdin"))
        elif os.path.isdir(raw):
            prefix = "" if single_dir else Path(raw).resolve().name
            items.extend(walk(Path(raw), prefix, include, exclude, skip_ids))
        else:
            items.append(explicit_file(raw))
    return items


def matches(rel: str, patterns: Sequence[str]) -> bool:
    """Glob match against the relative path or the file name (so "*.txt" works at any depth)."""
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def explicit_file(raw: str) -> InputItem:
    """A file named on the command line, with its problem found up front (no model needed)."""
    try:
        check_regular_file(Path(raw))
    except InputError as error:
        return InputItem(raw, Path(raw).name, str(error))
    return InputItem(raw, Path(raw).name)


def file_id(path: Path | str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def walk(root: Path, prefix: str, include, exclude, skip_ids: set) -> Iterator[InputItem]:
    """Depth-first walk in sorted order; directory symlinks are followed unless they lead to a
    folder already visited (a loop), which is reported as a skipped item naming the link."""
    seen = {file_id(root)}
    stack = [(root, prefix)]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            yield InputItem(str(folder), rel_folder, f"{folder}: cannot list folder ({error.strerror})")
            continue
        subfolders = []
        for entry in entries:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            item_or_folder = classify(entry, rel, seen, skip_ids)
            if isinstance(item_or_folder, InputItem):
                wanted = item_or_folder.error or not include or matches(rel, include)
                if wanted and not matches(rel, exclude):
                    yield item_or_folder
            elif item_or_folder is not None and not matches(rel, exclude):
                subfolders.append((Path(entry.path), rel))
        stack.extend(reversed(subfolders))


def classify(entry: os.DirEntry, rel: str, seen: set, skip_ids: set) -> InputItem | bool | None:
    """An InputItem for a file or a problem, True for a folder to enter, None to ignore."""
    if entry.name.endswith(".unspin-part"):
        return None
    try:
        info = entry.stat(follow_symlinks=True)
    except OSError as error:
        return InputItem(entry.path, rel, f"{entry.path}: {describe_os_error(error)}")
    key = (info.st_dev, info.st_ino)
    if key in skip_ids:
        return None
    if not entry.is_dir(follow_symlinks=True):
        return InputItem(entry.path, rel)
    if key in seen:
        target = os.path.realpath(entry.path)
        return InputItem(entry.path, rel, f"{entry.path}: symbolic link loop (leads back to {target}); not followed", "skipped")
    seen.add(key)
    return True


def describe_os_error(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT:
        return "broken symbolic link (target missing)"
    return error.strerror or str(error)
