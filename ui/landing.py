"""Citations that land: a click on `[n]` opens the closed Sources panel, scrolls to source
`[n]` once the panel has finished opening, and highlights it.

A plain in-page link is not enough: the browser opens the panel's `<details>` behind
Streamlit's back (the panel stays inert until its header is clicked again), and a chat
scrolled to its bottom follows the growing panel down, landing on the last source. This
script clicks the panel's header instead (Streamlit then opens it itself), waits for the
layout to settle and scrolls until the source stays in view.

Safety: the script is a constant of this module; it reads only the link's `#src-…`
target (built by `ui.citations.anchor` from our own ids) and never inserts any text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import streamlit as st

KEY = "citation_landing"
"""The widget key of the (invisible) component that installs the click handler."""
CITED_CLASS = "advisor-cited"
"""The class the script gives the source a citation landed on."""
ENTRY_PREFIX = "source_"
"""Key prefix of the container around one numbered source (`source_<anchor>`)."""

JS = """
export default function () {
  if (window.__advisorLanding) return;
  window.__advisorLanding = true;
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const chatOf = (node) => node.closest('[data-testid="stAppScrollToBottomContainer"]');

  async function settle(target) {
    // wait until the target, its panel and the scroll keep their place for a few frames
    // (the opened panel has grown; the chat has stopped following new content down)
    const panel = target.closest("details") || target;
    const scroller = chatOf(target);
    let last = "", still = 0;
    for (let i = 0; i < 240 && still < 6; i++) {
      await frame();
      const box = target.getBoundingClientRect();
      const now = [box.top, box.height, panel.getBoundingClientRect().height,
        scroller ? scroller.scrollTop : window.scrollY].map(Math.round).join(":");
      still = box.height > 0 && now === last ? still + 1 : 0;
      last = now;
    }
  }

  async function land(id) {
    const target = document.getElementById(id);
    const panel = target.closest("details");
    const scroller = chatOf(target);
    if (panel && !panel.open) {
      // a chat scrolled to its bottom follows growing content down; scrolled up a little
      // first, it lets the panel grow below the reader instead
      if (scroller) {
        scroller.scrollTop = Math.max(0, scroller.scrollTop - window.innerHeight / 2);
        await settle(target);
      }
      panel.querySelector("summary").click();  // Streamlit opens it: the panel stays usable
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      await settle(target);
      const top = target.getBoundingClientRect().top;
      if (attempt > 0 && top >= 0 && top < window.innerHeight / 3) break;
      target.scrollIntoView({ block: "start", behavior: "instant" });
    }
    document.querySelectorAll(".CITED").forEach((e) => e.classList.remove("CITED"));
    const entry = target.closest('[class*="st-key-PREFIX"]') || target;
    entry.classList.add("CITED");
    history.replaceState(history.state, "", `${location.pathname}${location.search}#${id}`);
  }

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest('a[href^="#src-"]');
    if (!link) return;
    const id = link.getAttribute("href").slice(1);
    if (!document.getElementById(id)) return;
    event.preventDefault();
    land(id);
  }, true);
}
""".replace("CITED", CITED_CLASS).replace("PREFIX", ENTRY_PREFIX)


@cache
def _component() -> Any:
    """The component, registered once per process (registering again only logs a warning)."""
    return st.components.v2.component("career_advisor.citation_landing", js=JS)


def install() -> None:
    """Mount the click handler (once per page; it shows nothing)."""
    _component()(key=KEY)
