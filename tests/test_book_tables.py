"""book.tables: every header cell of a generated table has text (a th without text fails axe's empty-table-header)."""

import numpy as np
import pytest

from book.tables import matrix_table, md_table


def test_a_table_with_named_headers_is_written():
    assert md_table(["quantity", "value"], [["J", "1"]], align="lr").splitlines() == [
        "| quantity | value |", "| :-- | --: |", "| J | 1 |"]


@pytest.mark.parametrize("headers", (["", "sum", "mean"], ["quantity", " "], ["a", "b", "\t"]))
def test_an_empty_header_is_refused(headers):
    with pytest.raises(ValueError, match="is empty"):
        md_table(headers, [["x"] * len(headers)])


def test_a_matrix_table_names_its_corner():
    table = matrix_table(np.eye(2), ["row 1", "row 2"], ["column 1", "column 2"], corner="W")
    assert table.splitlines()[0] == "| W | column 1 | column 2 |"
    with pytest.raises(ValueError, match="header 1 .* is empty"):
        matrix_table(np.eye(2), ["row 1", "row 2"], ["column 1", "column 2"], corner="")
    with pytest.raises(TypeError):  # the corner has no default any more: a caller must name it
        matrix_table(np.eye(2), ["row 1", "row 2"], ["column 1", "column 2"])  # type: ignore[call-arg]
