"""Layout fixes the theme cannot express: narrow screens and the source headings.

Colours live in ui/.streamlit/config.toml ([theme.light] and [theme.dark]), so the app follows
the system's light or dark mode. This CSS is a constant written here, never model or document
text.
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
/* Tables (the roles comparison, Markdown tables) scroll inside their own box. */
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
[data-testid="stTable"], [data-testid="stDataFrame"] { max-width: 100%; overflow-x: auto; }
/* Long words and links wrap instead of widening the page; in a table cell a word is only
   broken when it cannot fit at all, so columns are not squeezed to a letter ("Focu s"). */
[data-testid="stMarkdownContainer"] { overflow-wrap: anywhere; }
[data-testid="stMarkdownContainer"] :is(th, td) { overflow-wrap: break-word; }
/* In a source's preview, a card's own headings read as bold lines under the source title. */
[class*="st-key-source_"] blockquote :is(h1, h2, h3, h4, h5, h6) {
  font-size: 1rem; font-weight: 600; padding: 0.25rem 0 0; margin: 0; }
/* Saved chats in the sidebar: every title starts at the left edge, active or not. */
[class*="st-key-open_"] button { justify-content: flex-start; text-align: left;
  padding: 0.25rem 0.75rem; border: 1px solid transparent; }
[class*="st-key-open_"] button[kind="secondary"] { border-color: inherit; }
[class*="st-key-open_"] button > div { justify-content: flex-start; }
[class*="st-key-open_"] button [data-testid="stMarkdownContainer"] { text-align: left; }
/* A source's heading (the target of its [n] link) reads like a bold line, not a title. */
h3[id^="src-"] { font-size: 1rem; font-weight: 600; padding: 0.25rem 0 0; scroll-margin-top: 4rem; }
/* The source a clicked [n] landed on (ui/landing.py gives it the class). */
.advisor-cited { background: rgba(250, 204, 21, 0.18); border-radius: 0.5rem;
  box-shadow: 0 0 0 0.4rem rgba(250, 204, 21, 0.18); }
.st-key-citation_landing { display: none; }
h3[id^="src-"] [data-testid="stHeaderActionElements"] { display: none; }
/* Follow-up and action buttons wrap their label on a phone instead of being cut. */
@media (max-width: 640px) {
  [data-testid="stButton"] button, [data-testid="stPopover"] button { max-width: 100%; }
  [data-testid="stButton"] button { justify-content: flex-start; }
  [data-testid="stButton"] button p { white-space: normal; }
  [data-testid="stButton"] button [data-testid="stMarkdownContainer"] { text-align: left; }
}
</style>
"""


def apply() -> None:
    """Add the layout CSS to the page (once per run; it takes no space)."""
    st.html(CSS)
