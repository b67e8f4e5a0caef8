"""Training: one budgeted loop, and a trainer per shipped model."""
