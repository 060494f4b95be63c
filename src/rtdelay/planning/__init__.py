"""rtdelay.planning (see DESIGN.md)."""
