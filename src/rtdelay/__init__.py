"""rtdelay: what does waiting for postoperative radiotherapy cost patients with spinal metastases?

The package is organised as DESIGN.md describes; the public entry points live in the
sub-packages (``rtdelay.stats``, ``rtdelay.cohort``, ``rtdelay.scores``, ``rtdelay.study``,
``rtdelay.report``, ``rtdelay.planning``). Importing ``rtdelay`` itself is cheap: it loads
nothing heavy (no matplotlib, no lifelines).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
