"""Training: one budgeted loop, and a trainer per shipped model (``unspin train detector|restorer``).

Read in this order:

* ``loop``: the one optimiser loop (budget in steps and/or minutes, warm-up then cosine decay,
  seeded batch order, resumable checkpoints); a trainer gives it a loss function.
* ``rows``: reading and sampling dataset splits (``unspin data build`` writes them).
* ``detector`` (the command), with ``detector_data`` (labels, windows, loss),
  ``detector_fit`` (threshold, calibrators, fusion, cascade gate), ``detector_eval`` and
  ``detector_card`` (metrics and the generated model card).
* ``restorer`` (the command), with ``restorer_data`` (labelled windows, loss),
  ``restorer_tune`` (the score combination's grid search) and ``restorer_eval``.

Training sits on top of the stages: it imports them (and ``repair.evaluate``'s metrics), never
the other way round.
"""
