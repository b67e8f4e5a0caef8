"""The public pipeline: text -> detect -> glossary -> restore -> merge -> report, and its settings."""
