"""Build machinery for the book: artifacts, their checks, tables, figures and math rendering."""
