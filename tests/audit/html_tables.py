"""Read an HTML table the way a person reads it: its cells' text, by row."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_id: str | None):
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # >0 inside the wanted table
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.found = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif not self.found and (self.table_id is None or attrs.get("id") == self.table_id):
                self.depth, self.found = 1, True
        elif self.depth == 1 and tag == "tr":
            self.row = []
        elif self.depth == 1 and tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.depth == 1 and tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_id: str | None = None) -> list[list[str]]:
    """The rows (header rows included) of the table ``table_id`` (or the first)."""
    parser = _Tables(table_id)
    parser.feed(html)
    assert parser.found, f"no table {table_id!r} on the page"
    return parser.rows


def section_html(html: str, element_id: str) -> str:
    """The HTML from the element with ``element_id`` to the end of its section."""
    start = html.index(f'id="{element_id}"')
    end = html.find("</section>", start)
    return html[start : end if end != -1 else None]
