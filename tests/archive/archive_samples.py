"""Clean news paragraphs for the archive tests (written for them, not taken from the corpus)."""

# Three short articles, one paragraph per line. Written for these tests, not taken from the corpus.
ARTICLES = {
    "wire/1": [
        "The foreign minister said on Monday that security forces had been deployed in Almaty after "
        "protesters marched against the government. Talks with opposition leaders will be held next week, "
        "the ministry added.",
        "Officials in Astana said 1,700 families had received assistance from the Red Cross since January, "
        "and that the aid would continue until the end of March.",
        "Kassym-Jomart Tokayev told reporters that the new law would strengthen the economy and protect "
        "workers in the oil industry.",
    ],
    "wire/2": [
        "Shares of Northwind Traders rose 4.5 percent on Tuesday after the company reported higher profits "
        "for the third quarter and raised its forecast for the year.",
        "Analysts at Meridian Capital said the results showed that demand for the company's products remained "
        "strong in Europe and Asia despite rising costs.",
    ],
    "wire/3": [
        "The city council of Portsmouth voted on Thursday to close the old harbour bridge for repairs, "
        "saying that engineers had found serious damage to its steel supports.",
        "Traffic will be diverted through the northern ring road while the work is carried out, which is "
        "expected to take about eight months.",
    ],
}
UNRELATED = (
    "A small bakery in the village has started selling bread made with ancient grains, and local "
    "customers say they like the taste more than they expected."
)
