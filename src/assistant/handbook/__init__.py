"""Handbooks: render the knowledge base as Markdown pages, one per sector (`render`), and build the site
(`site`). Query-time code uses only `anchors` (section URLs), so this package imports nothing on its own."""
