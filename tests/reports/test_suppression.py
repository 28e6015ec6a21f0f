"""Small-cell suppression: primary cells, margins, and secondary suppression against differencing."""

from app.reports.suppression import SuppressedTable, suppress_list, suppress_table


def _recoverable_by_line(result: SuppressedTable) -> bool:
    """True if a line of the table with its margins has exactly one hidden cell (total minus the rest)."""
    rows, cols = len(result.values), len(result.values[0])
    grid = [[*result.values[i], result.row_totals[i]] for i in range(rows)]
    grid.append([*result.column_totals, result.total])
    lines = [[grid[i][j] for j in range(cols + 1)] for i in range(rows + 1)]
    lines += [[grid[i][j] for i in range(rows + 1)] for j in range(cols + 1)]
    return any(sum(v is None for v in line) == 1 for line in lines)


def test_nothing_is_hidden_when_every_cell_reaches_the_threshold() -> None:
    result = suppress_table([[5, 6], [7, 8]], 5)
    assert result.values == [[5, 6], [7, 8]]
    assert result.row_totals == [11, 15]
    assert result.column_totals == [12, 14]
    assert result.total == 26


def test_zero_is_shown() -> None:
    result = suppress_table([[0, 6], [7, 8]], 5)
    assert result.values == [[0, 6], [7, 8]]


def test_one_small_cell_takes_complementary_cells_in_its_row_and_column() -> None:
    # 3 is small. Its row hides 9 (smallest other inner cell), its column hides 7; then row 1 and
    # column 1 each hold one hidden cell, and hiding 8 (their common smallest) closes both.
    result = suppress_table([[3, 9, 10], [7, 8, 20], [12, 30, 40]], 5)
    assert result.values == [[None, None, 10], [None, None, 20], [12, 30, 40]]
    assert result.row_totals == [22, 35, 82]
    assert result.column_totals == [22, 47, 70]
    assert result.total == 139
    assert not _recoverable_by_line(result)


def test_a_small_row_total_is_suppressed_and_protected_too() -> None:
    result = suppress_table([[1, 2], [10, 10]], 5)
    assert result.values[0] == [None, None]
    assert result.row_totals[0] is None  # 3 < 5
    assert not _recoverable_by_line(result)


def test_suppressed_values_cannot_be_recovered_from_totals_on_a_larger_table() -> None:
    result = suppress_table([[4, 12, 15, 9], [20, 2, 30, 11], [17, 18, 0, 25]], 5)
    assert result.values[0][0] is None and result.values[1][1] is None
    assert not _recoverable_by_line(result)


def test_one_dimensional_list_hides_the_next_smallest_value() -> None:
    values, total = suppress_list([12, 3, 7, 40], 5)
    assert values == [12, None, None, 40]
    assert total == 62


def test_one_dimensional_list_with_two_small_values_needs_nothing_more() -> None:
    values, total = suppress_list([12, 3, 2, 40], 5)
    assert values == [12, None, None, 40]
    assert total == 57


def test_one_dimensional_small_total_is_hidden_with_its_cell() -> None:
    values, total = suppress_list([0, 3], 5)
    assert values == [0, None]
    assert total is None


def test_threshold_is_configurable() -> None:
    assert suppress_list([3, 4, 10], 3) == ([3, 4, 10], 17)
    assert suppress_list([3, 4, 10], 11) == ([None, None, None], 17)


def test_an_empty_table_has_empty_margins_and_a_total_of_zero() -> None:
    assert suppress_table([], 5) == SuppressedTable(values=[], row_totals=[], column_totals=[], total=0)


def test_the_complementary_value_is_never_a_zero_a_zero_hides_nothing() -> None:
    # 3 is hidden; hiding the 0 next to it would leave 3 = 43 − 0 − 40 recoverable: the 40 goes.
    assert suppress_list([3, 0, 40], 5) == ([None, 0, None], 43)


# Worked by hand from the module's rule, threshold 5. Lines are visited rows first (the totals
# row last), then columns (the totals column last), and repeated until no line changes.


def test_the_complementary_cell_is_the_smallest_of_the_line_not_the_first() -> None:
    # Row 0 (3, 12, 8 | 23): 3 is small; of 12, 8 and the total, the smallest inner cell is 8.
    # Column 0 (3, 10 | 13) then hides 10 and column 2 (8, 30 | 38) hides 30: row 1 holds two.
    result = suppress_table([[3, 12, 8], [10, 20, 30]], 5)
    assert result == SuppressedTable(
        values=[[None, 12, None], [None, 20, None]], row_totals=[23, 60], column_totals=[13, 32, 38], total=83
    )
    assert not _recoverable_by_line(result)


def test_a_non_zero_cell_is_hidden_rather_than_a_zero_in_a_table() -> None:
    # Row 0 (3, 0, 20 | 23): the 0 is smaller, but a zero hides nothing; 20 goes. Then column 0
    # (3, 10 | 13) hides 10 and column 2 (20, 10 | 30) hides the other 10.
    result = suppress_table([[3, 0, 20], [10, 10, 10]], 5)
    assert result == SuppressedTable(
        values=[[None, 0, None], [None, 10, None]], row_totals=[23, 30], column_totals=[13, 10, 30], total=53
    )
    assert not _recoverable_by_line(result)


def test_an_inner_cell_is_hidden_rather_than_a_total_even_a_zero() -> None:
    # Row 0 (20, 2 | 22): 2 is small; 20 is the only other inner cell. Column 0 (20, 0 | 20) then
    # holds one hidden cell and offers the inner 0 and the total 20: inner cells come first, so the
    # 0 goes (the total stays visible). Column 1 (2, 12 | 14) hides 12.
    result = suppress_table([[20, 2], [0, 12]], 5)
    assert result == SuppressedTable(
        values=[[None, None], [None, None]], row_totals=[22, 12], column_totals=[20, 14], total=34
    )
    assert not _recoverable_by_line(result)


def test_a_small_cell_in_the_last_column_is_protected_along_its_row() -> None:
    # Row 0 (10, 3 | 13): 3 is small and 10 goes with it, else 3 = 13 − 10. Columns 0 and 1 then
    # each hide their other inner cell (20 and 30).
    result = suppress_table([[10, 3], [20, 30]], 5)
    assert result == SuppressedTable(
        values=[[None, None], [None, None]], row_totals=[13, 50], column_totals=[30, 33], total=63
    )
    assert not _recoverable_by_line(result)
