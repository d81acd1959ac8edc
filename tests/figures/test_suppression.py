"""Small-number suppression (NHS Digital's rule by default) with secondary suppression."""

import pytest

from figures import suppression
from figures.suppression import SUPPRESSED, Rule, count, count_column, count_table

DEFAULT = Rule()


def texts(cells):
    return [cell.text for cell in cells]


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        *((n, "[c]") for n in range(1, 8)),
        (8, "10"),
        (9, "10"),
        (10, "10"),
        (12, "10"),
        (13, "15"),
        (17, "15"),
        (18, "20"),
        (1234, "1,235"),
    ],
)
def test_a_count_from_1_to_7_is_suppressed_and_any_other_rounded_to_5(n, shown):
    cell = count(n, rule=DEFAULT)
    assert cell.text == shown
    assert cell.suppressed == (shown == SUPPRESSED)
    assert cell.value == (None if cell.suppressed else int(shown.replace(",", "")))


def test_the_rule_comes_from_settings(settings):
    settings.FIGURES_SUPPRESSION = {"LOW": 1, "HIGH": 9, "ROUND_TO": 10, "MIN_GROUP": 10}
    rule = suppression.current_rule()
    assert rule == Rule(low=1, high=9, round_to=10, min_group=10)
    assert count(9, rule=rule).suppressed
    assert count(14, rule=rule).text == "10"
    assert count(15, rule=rule).text == "20"


def test_a_row_whose_total_would_reveal_its_one_suppressed_cell_has_a_second_suppressed():
    # Row 0: 3 is hidden; 20 - 9 - 8 would give it away, so the smallest other non-zero
    # cell (8) is hidden too. Each of their columns then has one hidden cell, so the other
    # cell of each (12 and 9) is hidden as well, which leaves row 1 with two hidden.
    table = count_table([[3, 9, 8], [12, 10, 9]], rule=DEFAULT)
    assert [texts(row) for row in table.cells] == [["[c]", "10", "[c]"], ["[c]", "10", "[c]"]]
    assert texts(table.row_totals) == ["20", "30"]  # 20 and 31
    assert texts(table.column_totals) == ["15", "20", "15"]  # 15, 19 and 17
    assert table.total.text == "50"  # 51


def test_a_column_whose_total_would_reveal_its_one_suppressed_cell_has_a_second_suppressed():
    cells, total = count_column([20, 2, 9, 0], rule=DEFAULT)
    # 2 hidden; 31 - 20 - 9 - 0 would give it away: 9 (the smallest non-zero other) too.
    assert texts(cells) == ["20", "[c]", "[c]", "0"]
    assert total.text == "30"


def test_a_lone_suppressed_cell_and_only_zeros_beside_it_hides_its_total():
    cells, total = count_column([0, 4, 0], rule=DEFAULT)
    assert texts(cells) == ["0", "[c]", "0"]
    assert total.suppressed  # 4 itself


def test_a_suppressed_total_with_no_other_hidden_member_hides_a_member():
    # Row totals 5 and 20: the 5 is hidden, so the grand total (25) less 20 would give it
    # away; the row totals constraint hides the 20 too.
    table = count_table([[2, 3], [10, 10]], rule=DEFAULT)
    hidden_rows = [cell.suppressed for cell in table.row_totals]
    assert hidden_rows == [True, True]
    assert table.total.text == "25"


def test_no_suppressed_cell_of_a_table_stands_alone_in_any_row_or_column():
    table = count_table([[1, 40, 22, 0], [30, 2, 18, 9], [0, 0, 5, 60]], rule=DEFAULT)
    grid = [
        [c.suppressed for c in row] + [t.suppressed]
        for row, t in zip(table.cells, table.row_totals, strict=True)
    ]
    grid.append([c.suppressed for c in table.column_totals] + [table.total.suppressed])
    for line in [*grid, *zip(*grid, strict=True)]:
        assert sum(line) != 1


def test_linked_counts_hide_a_part_its_whole_and_other_parts_would_give_away():
    cells = suppression.linked_counts(
        {"all": 30, "yes": 25, "no": 5, "of_yes_a": 20, "of_yes_b": 5},
        [(["yes", "no"], "all"), (["of_yes_a", "of_yes_b"], "yes")],
        rule=DEFAULT,
    )
    # "no" (5) is hidden, so "yes" is too (30 - 25); "of_yes_b" (5) is hidden, and with
    # "yes" hidden beside it, 20 can be shown: neither 5 can be worked out.
    assert {key: cell.text for key, cell in cells.items()} == {
        "all": "30", "yes": "[c]", "no": "[c]", "of_yes_a": "20", "of_yes_b": "[c]",
    }  # fmt: skip


def test_a_rate_over_a_suppressed_group_or_of_a_suppressed_count_is_suppressed():
    assert suppression.rate(30, 40, rule=DEFAULT).text == "75.0%"
    assert suppression.rate(3, 40, rule=DEFAULT).suppressed  # numerator 1 to 7
    assert suppression.rate(6, 6, rule=DEFAULT).suppressed  # group under 8
    assert suppression.rate(0, 40, rule=DEFAULT).text == "0.0%"
    assert suppression.rate(0, 0, rule=DEFAULT).text == "[x]"
    # 12 hidden only to protect another cell: its rate would give it away.
    assert suppression.rate(
        12, 40, rule=DEFAULT, published=(suppression.SUPPRESSED_CELL,)
    ).suppressed
    assert suppression.rate(7, 10, rule=DEFAULT, per=1000).suppressed


def test_a_median_over_a_suppressed_group_is_suppressed():
    assert (
        suppression.statistic(4.25, group_size=8, rule=DEFAULT, unit="days").text == ("4.2 days")
        or suppression.statistic(4.25, group_size=8, rule=DEFAULT, unit="days").text == "4.3 days"
    )
    assert suppression.statistic(4.0, group_size=7, rule=DEFAULT).suppressed
    assert suppression.statistic(4.0, group_size=1, rule=DEFAULT).suppressed
    assert suppression.statistic(None, group_size=0, rule=DEFAULT).text == "[x]"
    assert suppression.statistic(
        4.0, group_size=12, rule=DEFAULT, published=(suppression.SUPPRESSED_CELL,)
    ).suppressed
    assert suppression.statistic(3.5, group_size=20, rule=DEFAULT, decimals=0).text == "4"
