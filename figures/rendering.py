"""The two renderings of a ``Report`` besides the page: rows for a CSV and a dict for the
API. Both carry each cell's published text and value, exactly what the page shows."""

from figures.report import Report

CSV_HEADER = ["figure_set", "period", "table", "row", "column", "value", "shown_as"]


def report_as_csv_rows(report: Report) -> list[list[str]]:
    period = report.filters.in_words()
    rows = [CSV_HEADER]
    for table in report.tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                value = "" if cell.value is None else str(cell.value)
                rows.append(
                    [report.title, period, table.title, row.label, column.label, value, cell.text]
                )
    return rows


def report_as_dict(report: Report) -> dict:
    filters = report.filters
    return {
        "key": report.key,
        "title": report.title,
        "filters": {
            "from": f"{filters.first_month:%Y-%m}",
            "to": f"{filters.last_month:%Y-%m}",
            "area": filters.area or None,
            "pathway": filters.pathway or None,
            "in_words": filters.in_words(),
        },
        "summary": list(report.summary),
        "notes": list(report.notes),
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "row_heading": table.row_heading,
                "columns": [
                    {"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns
                ],
                "rows": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "is_total": row.is_total,
                        "cells": [
                            {"value": cell.value, "text": cell.text, "status": cell.status}
                            for cell in row.cells
                        ],
                    }
                    for row in table.rows
                ],
                "notes": list(table.notes),
            }
            for table in report.tables
        ],
    }
