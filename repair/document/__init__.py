"""Whole-document decisions: a fast gate that lets clean documents skip the heavy models, and a
spinner profile that decides every occurrence of a spun word together."""
