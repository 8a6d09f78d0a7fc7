"""The report text cut into plain runs and confirmed claims, for highlighting (organizer and public pages)."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt


def segments(report) -> list[tuple[str, object]]:
    """The report text cut into plain runs and confirmed claims, for highlighting."""
    out, pos = [], 0
    for claim in sorted((c for c in report.claims if c.state == "confirmed"), key=lambda c: c.start):
        if claim.start >= len(report.text):
            break  # a carried rectification item (rectification/): placed after the text, not a passage
        if claim.start > pos:
            out.append((report.text[pos:claim.start], None))
        out.append((report.text[claim.start:claim.end], claim))
        pos = claim.end
    if pos < len(report.text):
        out.append((report.text[pos:], None))
    return out


# Block tags a report may use; a top-level heading becomes h2 (the page's own h1 is the title).
HEADING = {"h1": "h2", "h2": "h3", "h3": "h4", "h4": "h5", "h5": "h6", "h6": "h6"}
_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML in a report is shown as text, never run


@dataclass(frozen=True)
class Block:
    tag: str  # h2…h6, p, li, blockquote-p, pre
    runs: tuple[tuple[str, object], ...]  # (text, claim or None), as `segments` gives them
    list_kind: str = ""  # "ul" or "ol" for list items: the list this item opens or continues
    first_in_list: bool = False


def report_blocks(report) -> list[Block]:
    """The report's Markdown as blocks (headings, paragraphs, list items) with the claims highlighted.

    The Markdown is only parsed for its block structure (markdown-it-py, HTML disabled); each block's
    text is taken from the stored report text by its offsets, so the claim offsets stay exact and the
    markers (#, -, 1.) are left out. Inline markup (**, `) is shown as written.
    """
    text = report.text
    claims = sorted((c for c in report.claims if c.state == "confirmed"), key=lambda c: c.start)
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    blocks: list[Block] = []
    stack: list[str] = []
    list_stack: list[list] = []  # [kind, items so far]
    for token in _MARKDOWN.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_stack.append(["ul" if token.type == "bullet_list_open" else "ol", 0])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif token.nesting == 1:
            stack.append(token.tag)
        elif token.nesting == -1 and stack:
            stack.pop()
        elif token.type in ("inline", "fence", "code_block") and token.map:
            container = stack[-1] if stack else "p"
            if token.type != "inline":
                tag = "pre"
            elif container in HEADING:
                tag = HEADING[container]
            elif "li" in stack:
                tag = "li"
            else:
                tag = "p"
            spans = _content_spans(text, line_starts, token)
            runs = tuple(run for i, (start, end) in enumerate(spans)
                         for run in _runs(text, claims, start, end, last=i == len(spans) - 1))
            kind, first = "", False
            if tag == "li" and list_stack:
                kind, first = list_stack[-1][0], list_stack[-1][1] == 0
                list_stack[-1][1] += 1
            blocks.append(Block(tag, runs, kind, first))
    return blocks


def _content_spans(text: str, line_starts: list[int], token) -> list[tuple[int, int]]:
    """Where each line of the block's content lies in the text (markers and indentation left out)."""
    first, last = token.map
    spans = []
    lines = token.content.split("\n") if token.type == "inline" else []
    for number in range(first, min(last, len(line_starts) - 1)):
        start, end = line_starts[number], line_starts[number + 1]
        source = text[start:end].rstrip("\r\n")
        content = lines[number - first] if number - first < len(lines) else source.strip()
        at = source.find(content) if content else -1
        if at < 0:  # an escape the parser resolved: keep the whole source line
            at, content = 0, source
        spans.append((start + at, start + at + len(content)))
    return spans or [(line_starts[first], line_starts[first])]


def _runs(text: str, claims, start: int, end: int, last: bool) -> list[tuple[str, object]]:
    out, pos = [], start
    for claim in claims:
        if claim.end <= start or claim.start >= end:
            continue
        if claim.start > pos:
            out.append((text[pos:claim.start], None))
        out.append((text[max(claim.start, pos):min(claim.end, end)], claim))
        pos = min(claim.end, end)
    if pos < end:
        out.append((text[pos:end], None))
    if not last:
        out.append(("\n", None))
    return out
