"""Handbooks: render the knowledge base as Markdown pages, one per sector, and build the site."""

from assistant.handbook.render import Page, render_handbooks, section_anchor, procedure_url

__all__ = ["Page", "render_handbooks", "section_anchor", "procedure_url"]
