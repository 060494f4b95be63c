"""Loading the analysis libraries when the server starts, not when the first analysis runs.

An analysis needs scipy's statistics, matplotlib and its PDF and SVG backends, python-docx and
every module of rtdelay's statistics, study and report packages. Imported on first use, they
add several seconds to the first analysis after the server starts (measured: the demo
analysis took 10.2 s cold and 5.4-5.7 s when run again in the same process or after
this warm-up). The job worker
thread imports them once when it starts, before it takes its first job, so that a user who
uploads a cohort just after the server started does not wait for them.
"""

from __future__ import annotations

import importlib
import logging
import time

__all__ = ["ANALYSIS_PACKAGES", "LIBRARIES", "warm_up"]

log = logging.getLogger("rtdelay.web")

#: rtdelay packages whose public names an analysis uses (each loads its modules lazily).
ANALYSIS_PACKAGES = ("rtdelay.cohort", "rtdelay.stats", "rtdelay.study", "rtdelay.planning",
                     "rtdelay.report")

#: Libraries the report writers import only when they first save a figure or a Word table.
LIBRARIES = ("matplotlib.figure", "matplotlib.backends.backend_agg",
             "matplotlib.backends.backend_pdf", "matplotlib.backends.backend_svg", "docx")


def warm_up() -> float:
    """Import what an analysis needs; return the seconds it took.

    Every public name of :data:`ANALYSIS_PACKAGES` is looked up (which imports the module
    behind it), then :data:`LIBRARIES`. A library that is missing is left for the analysis to
    report. Importing an already imported module costs nothing, so calling this again is cheap.

    Examples
    --------
    >>> seconds = warm_up()
    >>> import sys
    >>> "scipy.stats" in sys.modules and "matplotlib.backends.backend_pdf" in sys.modules
    True
    """
    start = time.perf_counter()
    for package in ANALYSIS_PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            getattr(module, name)
    for library in LIBRARIES:
        try:
            importlib.import_module(library)
        except ImportError:  # the analysis itself says what is missing
            log.warning("could not load %s before the first analysis", library)
    seconds = time.perf_counter() - start
    log.info("analysis libraries loaded in %.1f s", seconds)
    return seconds
