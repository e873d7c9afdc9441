"""Citation repair and safe Markdown: nothing an answer says can make the browser fetch."""

from __future__ import annotations

from advisor.safety import repair_citations, safe_markdown
from tests.exfil_forms import active

CANARY = "https://canary.invalid/x.png"


def test_invalid_citations_are_removed() -> None:
    text, cited = repair_citations("A [1]. B [4]. C [2][3] and [0].", 3)
    assert text == "A [1]. B. C [2][3] and."
    assert cited == {1, 2, 3}


def test_images_html_and_unsafe_links_are_neutralised() -> None:
    hostile = (
        f"![tracker]({CANARY}) <img src='{CANARY}'> <script>alert(1)</script>"
        "[click](javascript:alert(1)) [data](data:text/html;base64,xyz) "
        f"<!-- {CANARY} --> ![ref][r]\n[r]: {CANARY}\n<javascript:alert(2)>"
    )
    safe = safe_markdown(hostile)
    assert active(hostile) and active(safe) == []  # a CommonMark renderer finds nothing to fetch
    assert "<" not in safe and "javascript:" not in safe.lower() and "data:text" not in safe
    assert "tracker" in safe and "click" in safe and "](" not in safe
    assert "&lt;img src=" in safe  # raw HTML is shown as text, not dropped


def test_http_links_and_plain_text_survive() -> None:
    text = "See [PyTorch](https://pytorch.org/) — learn it first [1]. Cost: free; data: tables."
    assert safe_markdown(text) == text


def test_sanitising_survives_citation_repair() -> None:
    text, _ = repair_citations("see javascript:alert(1) [7]", 3)
    assert "javascript:alert" not in safe_markdown(text)
