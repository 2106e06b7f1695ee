"""Pages of the case workflows."""
