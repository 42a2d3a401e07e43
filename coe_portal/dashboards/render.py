"""Chart SVG and tables built as strings: a year of points through template loops cost seconds."""

from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

__all__ = ["bar_svg", "line_svg", "table_html"]

MAX_DOTS = 60  # more points than this read as a line; dots would only add weight


def table_html(header, rows):
    head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return mark_safe(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def line_svg(chart, title):
    grey = 'font-size="12" fill="#5b6570"'
    parts = [f'<svg class="chart-svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {chart.width} '
             f'{chart.height}" width="100%" preserveAspectRatio="xMinYMin meet">',
             f'<line x1="{chart.pad}" y1="{chart.axis_bottom}" x2="{chart.right}" y2="{chart.axis_bottom}" '
             'stroke="#d9dee4"/>',
             f'<line x1="{chart.pad}" y1="{chart.pad}" x2="{chart.pad}" y2="{chart.axis_bottom}" stroke="#d9dee4"/>',
             f'<text x="2" y="{chart.pad}" {grey}>{chart.top}</text>',
             f'<text x="2" y="{chart.axis_bottom}" {grey}>0</text>']
    if chart.days:
        bottom = chart.height - 12
        parts += [f'<text x="{chart.pad}" y="{bottom}" {grey}>{chart.first_label}</text>',
                  f'<text x="{chart.right}" y="{bottom}" {grey} text-anchor="end">{chart.last_label}</text>']
    for line in chart.lines:
        parts.append(f'<polyline points="{line["points"]}" fill="none" stroke="{line["colour"]}" '
                     'stroke-width="2.5"/>')
        if len(line["dots"]) <= MAX_DOTS:
            parts += [f'<circle cx="{x}" cy="{y}" r="3" fill="{line["colour"]}"/>' for x, y in line["dots"]]
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_svg(chart, title):
    """Horizontal bars: what templates/dashboards/inc/bar_chart.html drew, without a template loop."""
    ink = 'font-size="13" fill="#1b1f24"'
    parts = [f'<svg class="chart-svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {chart.width} '
             f'{chart.height}" width="100%" preserveAspectRatio="xMinYMin meet">']
    for bar in chart.bars:
        label, value = escape(bar["label"]), escape(bar["value"])
        parts.append(f'<text x="0" y="{bar["text_y"]}" {ink}>{escape(Truncator(bar["label"]).chars(30))}</text>'
                     f'<rect x="{chart.label_width}" y="{bar["y"] + 4}" width="{bar["width"]}" '
                     f'height="{chart.bar_height - 8}" fill="{bar["colour"]}" data-value="{value}">'
                     f"<title>{label}: {value}</title></rect>"
                     f'<text x="{chart.label_width}" dx="{floatformat(bar["width"], 0)}" y="{bar["text_y"]}" {ink} '
                     f'transform="translate(6 0)">{value}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
