"""Reading a figures page's tables back, as a person reading it would see each cell."""

import csv
import io
from html.parser import HTMLParser

SUPPRESSION_OFF = {"LOW": 1, "HIGH": 0, "ROUND_TO": 1, "MIN_GROUP": 1}
# Small enough for a handful of test records to pass the guard, with suppression and
# rounding still at work on every cell.
SUPPRESSION_SMALL = {"LOW": 1, "HIGH": 2, "ROUND_TO": 5, "MIN_GROUP": 3}


class _Tables(HTMLParser):
    """Every ``<table id="…-table">``: its title (caption before the colon), column labels,
    and each row's label and cell texts, with text meant for screen readers only left out."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._table = None
        self._row = None
        self._cell = None
        self._hidden = 0
        self._in_caption = False
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id", "").endswith("-table"):
            self._table = {"caption": "", "columns": [], "rows": []}
            self.tables[attrs["id"]] = self._table
        elif self._table is None:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self._row = []
        elif tag in ("th", "td"):
            self._cell = ""
        elif tag == "span" and "govuk-visually-hidden" in attrs.get("class", ""):
            self._hidden += 1

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join(self._cell.split())
            if self._in_head:
                self._table["columns"].append(text)
            elif self._row is not None:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._table is None:
            return
        if self._in_caption:
            self._table["caption"] += data
        elif self._cell is not None and not self._hidden:
            self._cell += data


def page_cells(html: str) -> dict[tuple[str, str, str], str]:
    """(table title, row label, column label) -> the cell as the page shows it."""
    parser = _Tables()
    parser.feed(html)
    cells = {}
    for table in parser.tables.values():
        title = " ".join(table["caption"].split()).split(":")[0]
        for row in table["rows"]:
            for column, text in zip(table["columns"][1:], row[1:], strict=True):
                cells[(title, row[0], column)] = text
    return cells


def csv_cells(content: bytes) -> dict[tuple[str, str, str], str]:
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    return {(r["table"], r["row"], r["column"]): r["shown_as"] for r in rows}


def api_cells(answer: dict) -> dict[tuple[str, str, str], str]:
    cells = {}
    for table in answer["tables"]:
        for row in table["rows"]:
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                cells[(table["title"], row["label"], column["label"])] = cell["text"]
    return cells
