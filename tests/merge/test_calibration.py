"""Edit calibration: isotonic maps, the shipped files, the merge stage applying them."""
import json

import pytest

from repair.merge.calibration import (CALIBRATION_FILES, CalibrationError, EditCalibration, IsotonicMap, load_calibration,
                                      pool_adjacent_violators)
from repair.merge.edits import merge_edits
from repair.paths import models_dir
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import resolved_min_confidence
from repair.results import Edit


def test_pool_adjacent_violators_is_monotone_and_pools_violators():
    assert pool_adjacent_violators([0.0, 1.0, 0.0, 1.0]).tolist() == [0.0, 0.5, 0.5, 1.0]
    fitted = pool_adjacent_violators([0.9, 0.1, 0.4, 0.3, 0.8])
    assert all(a <= b for a, b in zip(fitted, fitted[1:]))


def test_isotonic_map_maps_as_fitted_and_is_monotone():
    confidences = [0.1, 0.1, 0.5, 0.5, 0.9, 0.9]
    right = [False, False, True, False, True, True]
    mapping = IsotonicMap.fit(confidences, right)
    assert [mapping(c) for c in (0.1, 0.5, 0.9)] == [0.0, 0.5, 1.0]
    grid = [mapping(i / 100) for i in range(101)]
    assert all(a <= b for a, b in zip(grid, grid[1:]))


def test_merge_calibrates_before_the_threshold():
    calibration = EditCalibration({"model": IsotonicMap((0.0, 1.0), (0.0, 0.5))}, 0.5)
    model = Edit(0, 3, "big", "large", "model", 0.9)
    glossary = Edit(4, 7, "dog", "hound", "glossary", 0.9)  # no map: unchanged
    merged = merge_edits([model, glossary], min_confidence=0.5, calibration=calibration)
    assert merged == [glossary]
    assert merge_edits([model], calibration=calibration)[0].confidence == 0.45


@pytest.mark.parametrize("kind", sorted(CALIBRATION_FILES))
def test_shipped_calibration_loads(kind):
    calibration = load_calibration(models_dir() / "restorer", kind)
    assert 0.0 <= calibration.min_confidence <= 1.0


def test_default_threshold_is_the_shipped_one(shipped_repairer):
    shipped = load_calibration(models_dir() / "restorer", RepairConfig.restorer).min_confidence
    assert RepairConfig().min_confidence is None and shipped_repairer.min_confidence == shipped
    assert shipped_repairer.with_config(min_confidence=0.6).min_confidence == 0.6


def test_without_a_calibration_the_threshold_is_the_floor():
    assert resolved_min_confidence(RepairConfig(), None) == RepairConfig.uncalibrated_min_confidence
    assert resolved_min_confidence(RepairConfig(), EditCalibration({}, 0.7)) == 0.7


@pytest.mark.parametrize("content", ["{", json.dumps({"format": "other"}),
                                     json.dumps({"format": "unspin-edit-calibration", "min_confidence": 0.5,
                                                 "maps": {"model": {"x": [0.2, 0.1], "y": [0.1, 0.2]}}})])
def test_broken_calibration_file_fails(tmp_path, content):
    path = tmp_path / "calibration.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalibrationError):
        EditCalibration.load(path)


def test_sources_without_a_map_keep_their_own_floor():
    # The glossary's 0.6 is on its own scale: the calibrated threshold does not apply to it.
    calibration = EditCalibration({"model": IsotonicMap((0.0, 1.0), (0.0, 1.0))}, 0.83)
    model_sure = Edit(0, 3, "big", "large", "model", 0.9)
    model_unsure = Edit(4, 7, "dog", "hound", "model", 0.8)
    glossary = Edit(8, 11, "CSO", "CSTO", "glossary", 0.6)
    glossary_weak = Edit(12, 15, "CTO", "CSTO", "glossary", 0.4)
    kept = merge_edits([model_sure, model_unsure, glossary, glossary_weak], min_confidence=0.83,
                       calibration=calibration, uncalibrated_min_confidence=0.5)
    assert kept == [model_sure, glossary]
    # Without a floor every source reads the one threshold, as before calibration existed.
    assert merge_edits([model_sure, glossary], min_confidence=0.83, calibration=calibration) == [model_sure]
