"""`make bench`: measured speed and cost of the runtime (see bench/__main__.py)."""
