"""HTML to text for crawled news pages: the story's paragraphs as lines, page chrome left out.

Parsing is lexbor's (selectolax); the walk over the tree is an explicit loop, never recursion, and
stops after `max_nodes`. Inputs that would make the parser itself slow (nesting thousands deep,
tags with thousands of distinct attributes) are recognised by a linear pre-scan and converted by a
plain tag-stripping fallback instead.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from operator import itemgetter
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Elements whose content is never story text.
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
        "iframe", "frame", "frameset", "svg", "math", "figcaption", "button", "select", "textarea",
        "input", "label", "object", "embed", "canvas", "video", "audio", "map", "dialog", "menu",
        "head", "title", "meta", "link",
    }
)  # fmt: skip
SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"})
# What each block element contributes before and after its content.
PARAGRAPH = "\n\n"
BREAKS: dict[str, str] = {
    **dict.fromkeys(("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "table", "hr", "figure"), PARAGRAPH),
    **dict.fromkeys(
        ("div", "section", "article", "main", "li", "dt", "dd", "tr", "caption", "address", "details", "summary",
         "center", "fieldset", "hgroup", "br", "picture"),
        "\n",
    ),
    **dict.fromkeys(("td", "th"), " "),
}  # fmt: skip

# Beyond these, lexbor's tree building turns quadratic; the fallback is linear.
MAX_DEPTH = 800
MAX_DISTINCT_ATTRIBUTES = 256
DEFAULT_MAX_NODES = 100_000
# Elements whose end tag may be omitted do not nest in the parser, so they do not count towards depth.
_VOID_OR_OPTIONAL = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp", "tbody", "thead", "tfoot",
        "colgroup", "html", "head", "body", "!doctype",
    }
)  # fmt: skip
# Tags as the pre-scan sees them: quoted values (bounded) may hold '<' or '>', as in the parser.
# Possessive quantifiers: a match never backtracks, so the scan stays linear on unclosed tags.
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^<>"']++|"[^"]{0,4096}+"|'[^']{0,4096}+'|["'])*+)""")
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ATTRIBUTE_SEPARATORS = re.compile(r"[\s=/]+")
_WHITESPACE = re.compile(r"\s+")
_TITLE_SEPARATOR = re.compile(r"\s+[|–—:-]{1,2}\s+")

# Fallback, for bombs only: drop non-text elements, break lines at block tags, strip the rest.
# Every pattern stops at the next '<' or is bounded, so that unclosed tags cannot make it quadratic.
_FALLBACK_DROP = re.compile(r"(?is)<(script|style|noscript|template|svg|head)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)")
_FALLBACK_BLOCK = re.compile(r"(?i)</?(?:p|div|h[1-6]|li|br|tr|section|article|blockquote|ul|ol|table|hr)\b[^<>]*>")
_FALLBACK_TAG = re.compile(r"<[^<>]*>|<")
_FALLBACK_TITLE = re.compile(r"(?is)<title\b[^<>]*>([^<]{0,2000})")


@dataclass(slots=True)
class HtmlText:
    title: str
    text: str


def is_bomb(html: str) -> bool:
    """True when the markup nests deeper than MAX_DEPTH or a tag has too many distinct attributes."""
    if html.count("<") <= MAX_DEPTH and len(html) <= 2 * MAX_DISTINCT_ATTRIBUTES:
        return False
    tags = _TAG.findall(html)
    if html.count("<") <= MAX_DEPTH:  # too few tags to nest that deep: only attributes can tell
        attributes = list(map(itemgetter(2), tags))
        if max(map(len, attributes), default=0) <= 2 * MAX_DISTINCT_ATTRIBUTES:
            return False
        return any(len(a) > 2 * MAX_DISTINCT_ATTRIBUTES and _too_many_attributes(a) for a in attributes)
    depth = 0
    open_names: dict[str, int] = {}
    void = _VOID_OR_OPTIONAL
    for closing, name, attributes in tags:
        if len(attributes) > 2 * MAX_DISTINCT_ATTRIBUTES and _too_many_attributes(attributes):
            return True
        name = name.lower()
        if name in void:
            continue
        if closing:
            # A stray end tag is ignored by the parser; an end tag of an open element pops at least one.
            if open_names.get(name):
                open_names[name] -= 1
                depth -= 1
        elif not attributes.endswith("/"):
            open_names[name] = open_names.get(name, 0) + 1
            depth += 1
            if depth > MAX_DEPTH:
                return True
    return False


def _too_many_attributes(attributes: str) -> bool:
    # Names with or without values; an unquoted value counts as a name, which only errs on the safe side.
    return len(set(_ATTRIBUTE_SEPARATORS.split(_QUOTED.sub(" ", attributes)))) > MAX_DISTINCT_ATTRIBUTES


def _fallback(html: str) -> HtmlText:
    found = _FALLBACK_TITLE.search(html)
    title = htmllib.unescape(_FALLBACK_TAG.sub("", found.group(1))) if found else ""
    text = _FALLBACK_DROP.sub(" ", html)
    text = _FALLBACK_BLOCK.sub("\n", text)
    text = htmllib.unescape(_FALLBACK_TAG.sub("", text))
    return HtmlText(_WHITESPACE.sub(" ", title).strip(), text)


class HtmlToText:
    """Extracts title and story text from a page; `is_boilerplate(class_and_id)` says which elements to skip."""

    def __init__(self, is_boilerplate: Callable[[str], bool], max_nodes: int = DEFAULT_MAX_NODES) -> None:
        self.is_boilerplate = is_boilerplate
        self.max_nodes = max_nodes

    def __call__(self, html: str) -> HtmlText:
        if is_bomb(html):
            return _fallback(html)
        tree = LexborHTMLParser(html)
        body = tree.body
        if body is None:
            return HtmlText(_page_title(tree, None), "")
        root = _content_root(tree, body)
        return HtmlText(_page_title(tree, root if root is not body else None), self._text(root))

    def _text(self, root: LexborNode) -> str:
        out: list[str] = []
        root_id = root.mem_id
        root_length = len(root.text(deep=True))
        guarded = 0  # bounded: each guard reads a subtree's text
        pre = 0
        visited = 0
        node = root.child
        while node is not None:
            visited += 1
            if visited > self.max_nodes:
                break
            if node.is_text_node:
                value = node.text_content or ""
                # Printable text without double spaces has no whitespace run to collapse.
                if pre or (value.isprintable() and "  " not in value):
                    out.append(value)
                else:
                    out.append(" " if value.isspace() else _WHITESPACE.sub(" ", value))
            elif node.is_element_node:
                tag = node.tag or ""
                skip = tag in SKIP_TAGS
                if not skip:
                    attributes = node.attributes
                    if attributes:
                        skip, checked = self._skip(node, attributes, root_length, guarded < 64)
                        guarded += checked
                if not skip:
                    out.append(BREAKS.get(tag, ""))
                    if tag == "pre":
                        pre += 1
                    child = node.child
                    if child is not None:
                        node = child
                        continue
                    if tag == "pre":
                        pre -= 1
            # Leave the node: its next sibling, or climb, closing each element on the way up.
            while True:
                following = node.next
                if following is not None:
                    node = following
                    break
                node = node.parent
                if node is None or node.mem_id == root_id:
                    node = None
                    break
                tag = node.tag or ""
                out.append(BREAKS.get(tag, ""))
                if tag == "pre":
                    pre -= 1
        return "".join(out)

    def _skip(self, node: LexborNode, attributes: dict, root_length: int, may_guard: bool) -> tuple[bool, int]:
        if "hidden" in attributes or (attributes.get("aria-hidden") or "").lower() == "true":
            return True, 0
        if (attributes.get("role") or "").lower() in SKIP_ROLES:
            return True, 0
        names = " ".join(v for v in (attributes.get("class"), attributes.get("id")) if v)
        if not names or not self.is_boilerplate(names):
            return False, 0
        if not may_guard:
            return True, 0
        # A wrapper holding most of the page ('post has-comments') is not a widget: keep walking into it.
        return len(node.text(deep=True)) * 2 <= root_length, 1


def _content_root(tree: LexborHTMLParser, body: LexborNode) -> LexborNode:
    """The element holding the story: articleBody, the longest <article>, <main>, else <body>."""
    body_length = len(body.text(deep=True))
    for selector in ('[itemprop="articleBody"]', "article", "main", '[role="main"]'):
        candidates = tree.css(selector)
        if not candidates:
            continue
        best = max(candidates, key=lambda n: len(n.text(deep=True)))
        length = len(best.text(deep=True))
        if length >= 1000 or length * 5 >= body_length > 0:
            return best
    return body


def _page_title(tree: LexborHTMLParser, root: LexborNode | None) -> str:
    for selector in ('meta[property="og:title"]', 'meta[name="og:title"]', 'meta[name="twitter:title"]'):
        meta = tree.css_first(selector)
        content = _WHITESPACE.sub(" ", (meta.attributes.get("content") or "") if meta else "").strip()
        if content:
            return content
    if root is not None:
        heading = root.css_first("h1")
        if heading is not None and heading.text(deep=True).strip():
            return _WHITESPACE.sub(" ", heading.text(deep=True)).strip()
    head_title = tree.css_first("title")
    if head_title is not None and head_title.text().strip():
        return _strip_site_name(_WHITESPACE.sub(" ", head_title.text()).strip())
    heading = tree.css_first("h1")
    return _WHITESPACE.sub(" ", heading.text(deep=True)).strip() if heading is not None else ""


def _strip_site_name(title: str) -> str:
    """'Xi to visit Russia | Greek Reporter' -> 'Xi to visit Russia' (a short last part is the site)."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and len(parts[-1].split()) <= 4 and len(" ".join(parts[:-1]).split()) >= 3:
        return title[: title.rfind(parts[-1])].rstrip(" |–—:-")
    return title
