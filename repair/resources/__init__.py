"""Shared language resources built once and passed to the stages that read them: thesaurus, inflection, corpus n-gram counts."""
