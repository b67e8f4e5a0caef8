"""The term glossary: canonical terms mined from the corpus, titles of known people, and document-level acronym consistency."""
