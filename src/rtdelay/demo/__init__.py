"""rtdelay.demo (see DESIGN.md)."""
