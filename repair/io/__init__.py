"""File I/O and batch processing: reading and writing files lives here, never in the stages.

Reading order: ``files`` (bytes, encodings, atomic writes) and ``formats`` (text units of
plain, Markdown, HTML, JSONL, CSV) -> ``options`` (``BatchOptions``, ``RepairerFactory``) ->
``inputs`` (walk folders) -> ``outcomes`` and ``manifest`` (what happened, the resume state) ->
``plan`` (targets, groups) -> ``process`` (what a worker does with a group) -> ``engines``
(local worker pool, Ray) -> ``batch`` (``run_batch``, the supervisor that commits outputs).
"""
