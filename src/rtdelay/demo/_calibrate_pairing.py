"""Last step of the quality-of-life block: within-group P values printed as published.

The annealed search of :mod:`rtdelay.demo._calibrate_qol` accepts a signed-rank p anywhere
in a band of +-0.005 around the printed value when the printed value itself is not reached; on
the shipped cohort three p values stayed there (PBR pain 0.011 for 0.012, NPBR mobility 0.085
for 0.086, PBR mobility 0.534 for 0.531). Exchanging the follow-up values of two patients of
the same group changes only the pairing: every mean and SD and the between-group test stay as
they are, so a deterministic search over one or two exchanges is enough.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from rtdelay.demo._calibrate_qol import QolBlock
from rtdelay.demo._evaluate import signed_rank_p
from rtdelay.demo._search import band_loss

__all__ = ["REPAIR_LIMIT", "print_p_as_published"]

REPAIR_LIMIT = 200_000
"""Most pairings :func:`print_p_as_published` tries for one group (about 15 s at worst)."""


def _repair(
    pre: NDArray[np.int64], fu: NDArray[np.int64], target: float
) -> NDArray[np.int64] | None:
    """Follow-up values of one group re-paired by one or two exchanges so that the signed-rank
    p lies inside the band that prints as ``target`` (shrunk to 0.9 of its half width, as the
    search's bands); None when no such exchange is found within :data:`REPAIR_LIMIT` tries.

    Deterministic: single exchanges ``(i, j)``, ``i < j``, then pairs of them, in lexicographic
    order; the first that prints as published is taken. An exchange of two follow-up values
    changes no mean, SD or between-group test, only the pairing.
    """
    swaps = [(i, j) for i in range(fu.size) for j in range(i + 1, fu.size) if fu[i] != fu[j]]

    def hit(new: NDArray[np.int64]) -> bool:
        return band_loss(signed_rank_p(pre, new), target, 3, margin=0.9) == 0.0

    tries = 0
    for i, j in swaps:
        new = fu.copy()
        new[[i, j]] = new[[j, i]]
        tries += 1
        if hit(new):
            return new
    for a, (i, j) in enumerate(swaps):
        once = fu.copy()
        once[[i, j]] = once[[j, i]]
        for k, m in swaps[a + 1 :]:
            if len({i, j, k, m}) < 4 or once[k] == once[m]:
                continue
            new = once.copy()
            new[[k, m]] = new[[m, k]]
            tries += 1
            if hit(new):
                return new
            if tries >= REPAIR_LIMIT:
                return None
    return None


def print_p_as_published(targets: dict[str, Any], pbr: NDArray[np.bool_], q: QolBlock) -> QolBlock:
    """Last step of the QoL block: a within-group signed-rank p of an ordinal measure that the
    search left inside its +-0.005 calibration band but printing differently (e.g. 0.534 for a
    published 0.531) is brought to print as published by re-pairing a few follow-up values
    (:func:`_repair`). Nothing else changes (means, SDs, between-group tests); no random draw
    is used, so the blocks generated after this one are unchanged.
    """
    values = dict(q.values)
    idx = {"NPBR": np.flatnonzero(~pbr), "PBR": np.flatnonzero(pbr)}
    for measure in ("nrs", "kps", "mobility"):
        if measure not in values:
            continue
        pre, fu = (v.copy() for v in values[measure])
        for g, spec in targets["qol"].get(measure, {}).items():
            if not isinstance(spec, dict) or "p" not in spec or spec.get("p_below"):
                continue
            rows = idx[g]
            target = float(spec["p"])
            if round(signed_rank_p(pre[rows], fu[rows]), 3) == round(target, 3):
                continue
            repaired = _repair(pre[rows], fu[rows], target)
            if repaired is not None:
                fu[rows] = repaired
        values[measure] = (pre, fu)
    return QolBlock(values, q.binary)
