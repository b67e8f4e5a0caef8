"""Fixtures for the archive tests: a few clean news paragraphs (written for these tests), a
spinner, and a small index built from them in tmp_path."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from repair.archive import build_index, iter_documents

from tests.archive.archive_samples import ARTICLES

def write_jsonl(path: Path, articles: dict[str, list[str]]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for name, paras in articles.items():
            handle.write(json.dumps({"id": name, "title": f"Title of {name}", "text": "\n".join(paras)}) + "\n")
    return path


@pytest.fixture(scope="session")
def spinner():
    from repair.resources.thesaurus import Thesaurus
    from repair.synth.spin import SpinConfig, Spinner

    return Spinner(Thesaurus.load(), SpinConfig(rate=0.3))


@pytest.fixture(scope="session")
def garbler():
    from repair.resources.thesaurus import Thesaurus
    from repair.synth.garble import Garbler

    return Garbler(Thesaurus.load())


@pytest.fixture
def corpus_file(tmp_path) -> Path:
    return write_jsonl(tmp_path / "articles.jsonl", ARTICLES)


@pytest.fixture
def index_path(tmp_path, corpus_file) -> Path:
    path = tmp_path / "archive.db"
    build_index(iter_documents([str(corpus_file)]), path)
    return path
