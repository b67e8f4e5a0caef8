"""A spun news paragraph and its clean original, shared by the detector and restorer tests."""
from __future__ import annotations

SPUN = (
    "The overseas minister mentioned on Monday that safety forces had been deployed to the capital after "
    "protesters marched in opposition to the government. Officers stated the scenario remained tense, and the "
    "authorities additionally promised to offer help to households affected by the violence. Talks with "
    "opposition leaders will probably be held subsequent week, the ministry added."
)
CLEAN = (
    "The foreign minister said on Monday that security forces had been deployed to the capital after "
    "protesters marched against the government. Officials said the situation remained tense, and the "
    "government also promised to provide assistance to families affected by the violence. Talks with "
    "opposition leaders will be held next week, the ministry added."
)
