"""Excel in and out (FORMATS §1–3, §6): one module per direction of data, one column map shared by both.

``reading`` opens a file safely, ``columns`` holds the column maps, ``parsers`` the cell parsers,
``areas``/``roster``/``facts`` validate → plan → apply, ``export`` writes streaming workbooks.
See docs/excel.md.
"""
