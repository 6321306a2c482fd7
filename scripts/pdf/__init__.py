"""The PDF edition of the book, made from the BUILT site (any engine: MkDocs, ProperDocs, Zensical).

    python -m pdf SITE_DIR            (with scripts/ on the path; `make pdf` runs it)

One module per job:
  config    reads mkdocs.yml: titles, URLs, licence, and the chapters in navigation order
  rewrite   one built page's <article> made into a chapter of the whole book (ids, links, tabs, details)
  assemble  cover, table of contents and chapters as one HTML document, with the site's own CSS
  printer   prints that document with headless Chromium (Playwright): outline, tags, page numbers
  metadata  makes the PDF's dates a function of SOURCE_DATE_EPOCH, so one commit gives one file
"""

PDF_NAME = "backprop-in-matrix-notation.pdf"  # in the root of the site; docs/index.md links to it
