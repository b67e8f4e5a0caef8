"""The term glossary: canonical terms mined from clean text, put back where a spinner changed them.

- ``terms``: the term record and what mining and matching share (how a name is read);
- ``mine``: counting and term selection over the corpus (``scripts/build_glossary.py``);
- ``match``: ``Glossary.load`` / ``Glossary.find``, edits back to the canonical wording;
- ``acronyms``: names and acronyms that disagree, in a paragraph and through a document;
- ``titles``: the titles of known people ("Chancellor Wang Yi" -> "Foreign Minister Wang Yi");
- ``quality``: false edits on clean text and precision on spun text (``stats.json``).
"""
