"""Bar charts drawn in Python are the SVG the bar chart template draws."""

import re

from django.template.loader import render_to_string

from coe_portal.dashboards.charts import BarChart
from coe_portal.dashboards.render import bar_svg


def _normalised(html):
    return re.sub(r">\s+<", "><", html).strip()


class TestBarSvg:
    def test_it_draws_what_the_template_draws(self):
        rows = [("Finance", 12), ('R&D <"labs">', 7), ("A department with a very long name indeed", 0),
                ("(no department)", 12345), ("Quarter", 2.5)]
        chart = BarChart(rows)
        expected = render_to_string("dashboards/inc/bar_chart.html", {"chart": chart, "title": 'Funnel <"x">'})
        assert _normalised(str(bar_svg(chart, 'Funnel <"x">'))) == _normalised(expected)

    def test_it_escapes_labels_and_truncates_long_ones(self):
        svg = str(bar_svg(BarChart([("<script>x</script>" * 3, 1)]), "t"))
        assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg and "…</text>" in svg
