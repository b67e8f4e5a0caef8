"""The encoder-decoder restorer (restorer kind ``seq2seq``, the shipped default).

Read in this order, as the data flows:

* ``windows``: the sentence with every flagged region wrapped in ``[unused0] … [unused1]``,
  as MiniLM WordPiece ids (the encoder's input).
* ``model``: ``Seq2SeqConfig`` and ``EncoderDecoder``: the bottom layers of all-MiniLM-L6-v2
  as encoder, a small BERT decoder started from MiniLM's unused top layers.
* ``decoding``: per region, the decoder scores ``[CLS] <spun words> [unused2] <original> [SEP]``
  and proposes its own originals (greedy after its top first pieces).
* ``candidates``: the copy, the decoder's proposals, pair-prior and thesaurus originals; the
  faithfulness filter (digits and protected words kept) and the prior.
* ``choosing``: a product of experts (decoder, prior, corpus trigrams) picks one candidate;
  its softmax share is the edit's confidence.
* ``restorer``: ``Seq2SeqRestorer`` ties them together and loads a model folder.

``models/restorer/MODEL_CARD.md`` has the measurements.
"""
from repair.restore.seq2seq.model import Seq2SeqConfig
from repair.restore.seq2seq.restorer import Seq2SeqRestorer

__all__ = ["Seq2SeqConfig", "Seq2SeqRestorer"]
