"""rtdelay: what does waiting for postoperative radiotherapy cost patients with spinal metastases?

The package is organised as DESIGN.md describes; the public entry points live in the
sub-packages (``rtdelay.stats``, ``rtdelay.cohort``, ``rtdelay.scores``, ``rtdelay.study``,
``rtdelay.report``, ``rtdelay.planning``) and in ``rtdelay.analysis``, the one analysis service
every front end calls. Importing ``rtdelay`` itself is cheap: it loads nothing heavy.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
