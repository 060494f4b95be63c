"""data= and nan_policy for the rank tests (issue 11: one calling convention).

Expected values: the same test on the arrays with the missing values removed by hand
(R: wilcox.test drops NA by default, as ``nan_policy="omit"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtdelay.errors import InputError
from rtdelay.stats import mann_whitney, wilcoxon_signed_rank


def test_mann_whitney_data_and_nan_policy() -> None:
    frame = pd.DataFrame({"a": [1.1, np.nan, 3.8, 2.0], "b": [4.2, 5.0, 6.1, np.nan]})
    got = mann_whitney("a", "b", data=frame)
    ref = mann_whitney([1.1, 3.8, 2.0], [4.2, 5.0, 6.1])
    assert got.statistic == ref.statistic and got.p_value == ref.p_value
    assert got.extra["n_omitted"] == 2
    with pytest.raises(InputError, match="x is missing at index 1"):
        mann_whitney("a", "b", data=frame, nan_policy="raise")
    with pytest.raises(InputError, match="nan_policy"):
        mann_whitney([1.0, 2.0], [3.0, 4.0], nan_policy="drop")


def test_signed_rank_data_and_nan_policy() -> None:
    frame = pd.DataFrame({"pre": [1.0, 2.0, np.nan, 4.0, 5.0], "post": [1.5, 2.9, 3.2, 5.1, 4.0]})
    got = wilcoxon_signed_rank("pre", "post", data=frame)
    ref = wilcoxon_signed_rank([1.0, 2.0, 4.0, 5.0], [1.5, 2.9, 5.1, 4.0])
    assert got.statistic == ref.statistic and got.p_value == ref.p_value
    assert got.extra["n_omitted"] == 1
    with pytest.raises(InputError, match="before is missing at index 2"):
        wilcoxon_signed_rank("pre", "post", data=frame, nan_policy="raise")
    with pytest.raises(InputError, match="not in data"):
        wilcoxon_signed_rank("pre", "nope", data=frame)
