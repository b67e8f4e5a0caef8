"""Evaluation: metrics, the harness that runs a system over pairs or seeds, reports, and the speed benchmark."""
