"""The registry's spreadsheets: one column spec for the archive, read and written both ways.

columns: the archive as spreadsheet columns, and how a cell is parsed and written.
reading: a roster file (.xlsx or .csv) into a Table of typed cells.
planning: the roster import's dry run, row by row; writes nothing.
importing: the roster import's writes (uploads, confirming a plan, purging).
exports: the export base every .xlsx download builds on, and the registry's exports.
"""
