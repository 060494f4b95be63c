"""rtdelay.report (see DESIGN.md)."""
