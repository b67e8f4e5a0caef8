"""Data synthesis: the clean corpus, the article spinner, machine-translation garbling, and the
training datasets built from them (``corpus``, ``spin``, ``garble``, ``data``)."""
