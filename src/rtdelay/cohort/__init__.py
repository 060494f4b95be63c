"""rtdelay.cohort (see DESIGN.md)."""
