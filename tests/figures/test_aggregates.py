"""Percentiles: PostgreSQL's percentile_cont, and the same from a tally of values."""

import pytest

from figures.aggregates import Percentile, percentile_of_counts


def test_percentile_of_counts_interpolates_as_percentile_cont():
    # 1 2 3 3 4 7: the median halfway between the 3rd and 4th (3.0); the 90th percentile at
    # position 0.9 * 5 = 4.5, halfway between 4 and 7 (5.5).
    counts = {1: 1, 2: 1, 3: 2, 4: 1, 7: 1}
    assert percentile_of_counts(counts, 0.5) == 3.0
    assert percentile_of_counts(counts, 0.9) == pytest.approx(5.5)
    assert percentile_of_counts(counts, 0.0) == 1
    assert percentile_of_counts(counts, 1.0) == 7
    assert percentile_of_counts({5: 1}, 0.9) == 5
    assert percentile_of_counts({2: 3, 9: 1}, 0.5) == 2.0  # 2 2 2 9
    assert percentile_of_counts({}, 0.5) is None


def test_a_percentile_is_a_fraction_from_0_to_1():
    with pytest.raises(ValueError, match="from 0 to 1"):
        percentile_of_counts({1: 1}, 1.5)
    with pytest.raises(ValueError, match="from 0 to 1"):
        Percentile("waiting_list_days", 50)
