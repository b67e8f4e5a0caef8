"""Merge: calibrated confidences, then one non-overlapping set of edits, applied so that everything else stays byte-identical."""
