"""Restoration: rewrite flagged spans. One module per restorer kind; the registry names them."""
