"""The generator is deterministic for a seed and its blocks keep their invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rtdelay.demo import (
    demo_cohort_path,
    demo_complications_path,
    demo_targets,
    generate_demo_cohort,
)
from rtdelay.demo._calibrate_qol import _choose_binary, _ordinal
from rtdelay.demo._calibrate_waiting import month_to_day_range
from rtdelay.demo._evaluate import mean_sd, signed_rank_p
from rtdelay.demo._search import anneal, band_loss


def test_month_to_day_range() -> None:
    # 0.7 months: 0.65*30.4375 = 19.78 -> first day 20; 0.75*30.4375 = 22.83 -> last day 22
    assert month_to_day_range(0.7) == (20, 22)
    assert month_to_day_range(1.6) == (48, 50)


def test_band_loss() -> None:
    assert band_loss(2.53, 2.5, 1) == 0.0
    assert band_loss(2.56, 2.5, 1) > 0.0
    assert band_loss(2.56, 2.5, 1, penalty=5.0) > 5.0


def test_anneal_is_deterministic_and_reaches_zero() -> None:
    def loss(v: int) -> float:
        return float((v - 17) ** 2)

    def propose(v: int, g: np.random.Generator) -> int:
        return v + int(g.choice([-1, 1]))

    a = anneal(0, loss, propose, np.random.default_rng(1), max_iter=5000)
    b = anneal(0, loss, propose, np.random.default_rng(1), max_iter=5000)
    assert a == b == (17, 0.0)


def test_ordinal_block_deterministic() -> None:
    spec = {"PBR": demo_targets()["qol"]["mobility"]["PBR"]}
    runs = [
        _ordinal("mobility", spec, {"PBR": np.arange(14)}, np.random.default_rng(5))
        for _ in range(2)
    ]
    pre, fu = runs[0]["PBR"]
    assert np.array_equal(pre, runs[1]["PBR"][0]) and np.array_equal(fu, runs[1]["PBR"][1])
    assert [round(x, 1) for x in mean_sd(pre) + mean_sd(fu)] == [2.9, 1.7, 2.5, 1.8]
    assert signed_rank_p(pre, fu) == pytest.approx(0.531, abs=0.005)


def test_binary_choice_prefers_printed_asymptotic_p() -> None:
    spec = demo_targets()["qol"]["sphincter_dysfunction"]["NPBR"]
    choice = _choose_binary(75, spec)
    assert round(choice.p_asymptotic, 3) == 0.007


@pytest.mark.slow
def test_full_regeneration_matches_shipped_files(tmp_path: Path) -> None:
    """Same seed, same targets -> byte-identical csv files (takes about 15-20 s; not timed here)."""
    generate_demo_cohort(
        cohort_path=tmp_path / "cohort.csv", complications_path=tmp_path / "complications.csv"
    )
    assert (tmp_path / "cohort.csv").read_bytes() == demo_cohort_path().read_bytes()
    assert (tmp_path / "complications.csv").read_bytes() == demo_complications_path().read_bytes()


def test_print_p_as_published_repairs_only_the_pairing() -> None:
    """A pairing whose signed-rank p prints 0.534 against a published 0.531 is re-paired (one or
    two exchanges of follow-up values) to print 0.531; marginals are kept, and a group that
    already prints as published is left as it was."""
    from rtdelay.demo._calibrate_pairing import print_p_as_published
    from rtdelay.demo._calibrate_qol import QolBlock

    pre = np.array([4, 4, 3, 0, 4, 0, 4, 1, 4, 3, 4, 4, 1, 4], dtype=np.int64)
    fu = np.array([4, 0, 4, 0, 4, 1, 0, 4, 2, 4, 4, 0, 4, 4], dtype=np.int64)
    before = signed_rank_p(pre, fu)
    targets = {"qol": {"mobility": {"PBR": {"p": round(before, 3)}}}}
    pbr = np.ones(pre.size, dtype=bool)
    same = print_p_as_published(targets, pbr, QolBlock({"mobility": (pre, fu)}))
    assert np.array_equal(same.values["mobility"][1], fu)  # already prints as published

    # a published value one exchange away (found here by brute force over all exchanges)
    reachable = []
    for i in range(fu.size):
        for j in range(i + 1, fu.size):
            swapped = fu.copy()
            swapped[[i, j]] = swapped[[j, i]]
            p = signed_rank_p(pre, swapped)
            if round(p, 3) != round(before, 3) and abs(p - round(p, 3)) <= 0.0004:
                reachable.append(round(p, 3))
    target = reachable[0]
    other = {"qol": {"mobility": {"PBR": {"p": target}}}}
    out = print_p_as_published(other, pbr, QolBlock({"mobility": (pre, fu)}))
    new_pre, new_fu = out.values["mobility"]
    assert np.array_equal(new_pre, pre)
    assert sorted(new_fu.tolist()) == sorted(fu.tolist())  # same values, other pairing
    assert 0 < int((new_fu != fu).sum()) <= 4  # one or two exchanges
    assert abs(signed_rank_p(new_pre, new_fu) - target) <= 0.00045
