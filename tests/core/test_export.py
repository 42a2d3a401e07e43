import pytest

from coe_portal.core.export import safe_cell


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("plain", "plain"), (None, ""), (42, "42"), ("a=b", "a=b"), (-3, "-3"), (-1.5, "-1.5"), (True, "True"),
])
def test_safe_cell_defuses_formulas(value, expected):
    assert safe_cell(value) == expected
