"""Data synthesis: the article spinner, machine-translation garbling, and the training datasets built from them."""
