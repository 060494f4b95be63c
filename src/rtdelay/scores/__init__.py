"""rtdelay.scores (see DESIGN.md)."""
