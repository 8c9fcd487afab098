"""report.html read back with python's html.parser: its elements, attributes and text, and the checks
every report must pass (well-formed, self-contained, no markup from the candidate)."""
import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements of inline SVG that may close themselves (<rect/>); HTML's void elements never need closing.
SVG_LEAVES = {"rect", "circle", "line", "path", "text", "title", "stop", "polygon", "polyline", "ellipse"}


class Page(HTMLParser):
    """Every element as (tag, attrs dict, its own text), nesting checked as it is read."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.errors = []
        self.stack = []
        self.text = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed at the end: {[e[0] for e in self.stack]}")

    def handle_starttag(self, tag, attrs):
        el = [tag, dict(attrs), []]
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.elements.append([tag, dict(attrs), []])
        if tag not in VOID and tag not in SVG_LEAVES and tag != "pattern":
            self.errors.append(f"<{tag}/> is not an element that may close itself")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.stack:
            self.stack[-1][2].append(data)

    def all_text(self):
        return "".join(self.text)

    def find(self, tag=None, **attrs):
        """Elements of that tag (any when None) whose attributes hold the given values (class_ for class:
        a word of the class list)."""
        out = []
        for t, a, txt in self.elements:
            if tag and t != tag:
                continue
            ok = True
            for k, v in attrs.items():
                k = k.rstrip("_").replace("_", "-")
                if k == "class":
                    ok = ok and v in a.get("class", "").split()
                else:
                    ok = ok and a.get(k) == v
            if ok:
                out.append((t, a, "".join(txt)))
        return out


def self_contained_problems(page, doc_urls):
    """What would make the page reach outside itself: an external src, a stylesheet or script link, a CSS
    url() that is not a fragment, a <script> at all; a link (<a href>) out is allowed only to the rule
    catalog's own documentation pages (doc_urls), which a reader follows, the page never loads."""
    bad = []
    for tag, a, parts in page.elements:
        txt = "".join(parts)
        for k, v in a.items():
            v = v or ""
            if k in ("src", "srcset", "poster", "data", "action", "formaction", "background"):
                bad.append(f"<{tag} {k}={v!r}>")
            if k in ("href", "xlink:href") and not v.startswith("#"):
                if not (tag == "a" and v in doc_urls):
                    bad.append(f"<{tag} {k}={v!r}>")
            if re.search(r"url\(\s*['\"]?(?!#)", v):
                bad.append(f"<{tag} style={v!r}>")
            if k.startswith("on"):
                bad.append(f"<{tag} {k}=...> (an event handler)")
        if tag in ("script", "link", "iframe", "object", "embed", "img", "base"):
            bad.append(f"<{tag}>")
        if tag == "style" and re.search(r"url\(\s*['\"]?(?!#)|@import", txt):
            bad.append("a <style> that loads something")
    return bad
