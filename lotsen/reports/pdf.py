"""The yearly report as a PDF for the municipal board, with charts (reportlab, pure Python).

Built from the same figures as the HTML report (`report_context` in views: the SQL aggregates
of `queries`), in the user's language. The text is set in Bitstream Vera, the TrueType font
that ships inside reportlab (licence: reportlab/fonts/bitstream-vera-license.txt), embedded as
a subset with a Unicode map, so å, ä and ö print and can be searched and copied.

The PDF is not tagged (reportlab cannot); the HTML report is the accessible version, and every
chart here is followed by a table with the same numbers.
"""

import io
from datetime import date

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from lotsen.db_types import utcnow
from lotsen.reports.queries import GroupRow, Month, Summary
from lotsen.timekeeping.calendar import STOCKHOLM

FONT, BOLD = "LotsenSans", "LotsenSans-Bold"
RECEIVED_COLOUR = colors.HexColor("#1f5f8b")  # as the HTML chart (static/css/lotsen.css)
RESOLVED_COLOUR = colors.HexColor("#2e7d32")
LINE_COLOUR = colors.HexColor("#b3261e")
GRID = colors.HexColor("#999999")
WIDTH = A4[0] - 40 * mm  # the text width between the margins


def register_fonts() -> None:
    """Register the TrueType fonts once per process (reportlab keeps a global registry)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD)


def styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=6)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=20, leading=26),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName=BOLD, fontSize=13, leading=17, spaceBefore=10
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=GRID),
    }


def number(value, digits: int = 1) -> str:
    """As the HTML report's `decimal` filter: a dash when there is no value."""
    if value is None:
        return "–"
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits)


def count(value: int) -> str:
    return format_decimal(value, format="#,##0")


def share(value) -> str:
    return "–" if value is None else format_percent(value, format="#,##0 %")


def table(rows: list[list], widths: list[float], numeric_from: int = 1) -> Table:
    """A table with a header row and row headers in the first column."""
    result = Table(rows, colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return result


def wrapped(text: str, style: ParagraphStyle) -> Paragraph:
    """A table cell that wraps (long department names)."""
    return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), style)


# --- Charts -----------------------------------------------------------------------------------


def chart_title(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 12, text, fontName=BOLD, fontSize=10))


def monthly_bars(trend: list[Month]) -> Drawing:
    """Received and resolved cases per month, as grouped bars."""
    drawing = Drawing(WIDTH, 190)
    chart_title(drawing, _("Inkomna och besvarade ärenden per månad"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, WIDTH - 60, 120
    chart.data = [[m.received for m in trend], [m.resolved for m in trend]]
    chart.categoryAxis.categoryNames = [m.first_day.strftime("%m") for m in trend]
    chart.bars[0].fillColor, chart.bars[1].fillColor = RECEIVED_COLOUR, RESOLVED_COLOUR
    chart.bars.strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = FONT, 8
    chart.valueAxis.labelTextFormat = lambda value: count(int(value))
    drawing.add(chart)
    drawing.add(
        legend(
            [(RECEIVED_COLOUR, _("Inkomna")), (RESOLVED_COLOUR, _("Besvarade"))],
            x=40,
            y=12,
        )
    )
    return drawing


def median_line(trend: list[Month]) -> Drawing:
    """The median handling time per month, in working days (gaps where none was resolved)."""
    drawing = Drawing(WIDTH, 170)
    chart_title(drawing, _("Median handläggningstid per månad (arbetsdagar)"))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 25, WIDTH - 60, 115
    chart.data = [[m.median_handling_days for m in trend]]
    chart.categoryAxis.categoryNames = [m.first_day.strftime("%m") for m in trend]
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = LINE_COLOUR, 2
    chart.valueAxis.valueMin = 0
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = FONT, 8
    chart.valueAxis.labelTextFormat = lambda value: number(value)
    drawing.add(chart)
    return drawing


def category_bars(categories: list[GroupRow]) -> Drawing:
    """Received cases per category, as horizontal bars (longest list first at the top)."""
    rows = list(reversed(categories))
    height = 40 + 18 * len(rows)
    drawing = Drawing(WIDTH, height + 20)
    chart_title(drawing, _("Inkomna ärenden per kategori"))
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 170, 20, WIDTH - 190, height - 20
    chart.data = [[row.received for row in rows]]
    chart.categoryAxis.categoryNames = [shorten(row.name or _("Utan kategori")) for row in rows]
    chart.bars[0].fillColor = RECEIVED_COLOUR
    chart.bars.strokeColor = None
    chart.valueAxis.valueMin = 0
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = FONT, 8
    chart.valueAxis.labelTextFormat = lambda value: count(int(value))
    drawing.add(chart)
    return drawing


def shorten(text: str, length: int = 32) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def legend(items: list[tuple], x: float, y: float) -> Legend:
    result = Legend()
    result.x, result.y = x, y
    result.fontName, result.fontSize = FONT, 8
    result.alignment = "right"
    result.columnMaximum = 1
    result.deltax = 90
    result.colorNamePairs = items
    return result


# --- The document -----------------------------------------------------------------------------


def key_figures(summary: Summary, style: dict) -> list:
    rows = [
        [_("Nyckeltal"), _("Antal")],
        [_("Inkomna ärenden"), count(summary.received)],
        [_("Besvarade eller stängda"), count(summary.resolved)],
        [_("Öppna"), count(summary.open)],
        [_("Besvarade inom servicegarantin"), share(summary.within_target_share)],
    ]
    return [
        Paragraph(_("Nyckeltal"), style["heading"]),
        table(rows, [WIDTH * 0.7, WIDTH * 0.3]),
    ]


def handling_times(summary: Summary, style: dict) -> list:
    rows = [[_("Mått"), _("Median"), _("90:e percentilen")]]
    for label, spread in (
        (_("Första svar (arbetstimmar)"), summary.first_response_hours),
        (_("Handläggningstid (arbetstimmar)"), summary.handling_hours),
        (_("Handläggningstid (arbetsdagar)"), summary.handling_days),
        (_("Handläggningstid (kalenderdagar)"), summary.calendar_days),
    ):
        rows.append([label, number(spread.median), number(spread.p90)])
    return [
        Paragraph(_("Handläggningstider"), style["heading"]),
        Paragraph(
            _(
                "Median och 90:e percentilen av tiden till första svar och av "
                "handläggningstiden för de besvarade ärendena."
            ),
            style["body"],
        ),
        table(rows, [WIDTH * 0.5, WIDTH * 0.25, WIDTH * 0.25]),
    ]


def backlog_table(summary: Summary, style: dict) -> list:
    rows = [[_("Ålder (arbetsdagar)"), _("Antal")]]
    rows += [[label, count(number_open)] for label, number_open, *_rest in summary.backlog]
    return [
        Paragraph(_("Öppna ärenden efter ålder"), style["heading"]),
        table(rows, [WIDTH * 0.7, WIDTH * 0.3]),
    ]


def trend_section(trend: list[Month], style: dict) -> list:
    rows = [
        [
            _("Månad"),
            _("Inkomna"),
            _("Besvarade eller stängda"),
            wrapped(_("Median handläggningstid (arbetsdagar)"), style["small"]),
        ]
    ]
    for month in trend:
        rows.append(
            [
                month.first_day.strftime("%Y-%m"),
                count(month.received),
                count(month.resolved),
                number(month.median_handling_days),
            ]
        )
    return [
        Paragraph(_("Utveckling per månad"), style["heading"]),
        KeepTogether([monthly_bars(trend), Spacer(1, 4 * mm), median_line(trend)]),
        Spacer(1, 4 * mm),
        table(rows, [WIDTH * 0.25] * 4),
    ]


def group_section(
    heading: str, rows: list[GroupRow], empty_name: str, style: dict, chart=None
) -> list:
    header = [
        _("Namn"),
        _("Inkomna"),
        _("Besvarade eller stängda"),
        _("Öppna"),
        _("Inom servicegarantin"),
    ]
    body = [
        [
            wrapped(row.name or empty_name, style["body"]),
            count(row.received),
            count(row.resolved),
            count(row.open),
            share(row.within_target_share),
        ]
        for row in rows
    ]
    header_cells = [wrapped(text, style["small"]) for text in header]
    flowables = [Paragraph(heading, style["heading"])]
    if chart is not None:
        flowables += [chart, Spacer(1, 4 * mm)]
    widths = [WIDTH * 0.36] + [WIDTH * 0.16] * 4
    return [*flowables, table([header_cells, *body], widths)]


def yearly_report_pdf(year: int, context: dict) -> bytes:
    """The yearly report of `year` as PDF bytes. `context` is the HTML report's
    (`views.report_context`): summary, trend, departments and categories."""
    register_fonts()
    style = styles()
    summary: Summary = context["summary"]
    buffer = io.BytesIO()
    title = _("Årsrapport %(year)s", year=year)
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Lotsen",
        subject=_("Handläggningstider"),
        lang="sv",
    )
    story = [
        Paragraph(title, style["title"]),
        Paragraph(
            _(
                "Lotsgruppens ärenden som kom in under %(year)s. Tiderna räknas i arbetstid "
                "enligt kommunens kontorstider.",
                year=year,
            ),
            style["body"],
        ),
    ]
    if not summary.received:
        story.append(Paragraph(_("Det finns inga ärenden för året."), style["body"]))
    else:
        story += key_figures(summary, style)
        story += handling_times(summary, style)
        story += backlog_table(summary, style)
        story += trend_section(context["trend"], style)
        story += group_section(
            _("Per avdelning"), context["departments"], _("Utan avdelning"), style
        )
        story += group_section(
            _("Per kategori"),
            context["categories"],
            _("Utan kategori"),
            style,
            chart=category_bars(context["categories"]),
        )
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(_("Skapad %(date)s i Lotsen.", date=local_today().isoformat()), style["small"])
    )
    document.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def local_today() -> date:
    return utcnow().astimezone(STOCKHOLM).date()


def page_number(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    text = _("Sida %(number)s", number=canvas.getPageNumber())
    canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, text)
    canvas.restoreState()
