"""Model storage: one config base with a ``model_type``, one weights layout, one pretrained-base lookup."""
