"""rtdelay.study (see DESIGN.md)."""
