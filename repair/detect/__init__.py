"""Detection: which passages are spun and which exact spans were substituted. One module per detector kind; the registry names them."""
