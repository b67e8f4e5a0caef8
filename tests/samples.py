"""A spun news paragraph and its clean original, shared by the detector and restorer tests; and a
spun document with one lightly spun paragraph, shared by the pipeline and CLI tests."""
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

# Two paragraphs a spinner wrote, and a third where it changed one word ("aver" for "say"):
# alone, that paragraph scores under the passage threshold.
SPUN_TWO_PARAGRAPHS = (
    "The central financial institution mentioned on Tuesday that it would hold curiosity charges regular for the "
    "remainder of the 12 months, citing slowing inflation.\n\n"
    "Analysts had anticipated the choice, however a number of economists warned that the financial institution "
    "could also be compelled to chop charges early subsequent 12 months.\n\n"
)
LIGHTLY_SPUN = "The bank's governor will aver more about the outlook at a news conference in the capital on Wednesday."
CLEAN_TWO_PARAGRAPHS = (
    "The central bank said on Tuesday that it would hold interest rates steady for the rest of the year, citing "
    "slowing inflation.\n\n"
    "Analysts had expected the decision, but several economists warned that the bank may be forced to cut rates "
    "early next year.\n\n"
)
