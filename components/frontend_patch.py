"""Pure text logic of the frontend API-client patch (no I/O, no Pulumi).

The patch replaces the one ``this.baseUrl = ...`` statement in the client's constructor with a
managed block rendered from ``templates/frontend_base_url.ts.j2``::

    // >>> hf-rag-space managed: API base URL (edit via pulumi config) >>>
    this.baseUrl = <localhost or loopback host> ? '<dev url>' : '<space url>';
    // original (put back by pulumi destroy): "this.baseUrl = ...;"
    // <<< hf-rag-space managed <<<

The block's last line before the end marker keeps the statement it replaced (a JSON string), so the
file itself can always be restored (`embedded_original`), even after a `pulumi destroy` ran on a machine
without this file or a later stack found the block already there. The block keeps the statement's
indentation and the file's line endings. Later runs find the markers instead of the statement, so
patching twice gives the same bytes, and :func:`restore` puts the original statement back between
whatever surrounds the markers by then.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal

import jinja2

from components.bundle import templating
from components.errors import PatchError

BEGIN_MARKER = "// >>> hf-rag-space managed: API base URL (edit via pulumi config) >>>"
"""First line of the managed block."""
END_MARKER = "// <<< hf-rag-space managed <<<"
"""Last line of the managed block."""

TEMPLATE = "frontend_base_url.ts.j2"
ORIGINAL_PREFIX = "// original (put back by pulumi destroy): "
"""Start of the block's line holding the replaced statement as a JSON string."""
_ORIGINAL_RE = re.compile(r"^[ \t]*" + re.escape(ORIGINAL_PREFIX) + r"(\".*\")[ \t]*\r?$", re.MULTILINE)

_BEGIN_RE = re.compile(r"^[ \t]*//[ \t]*>>>[ \t]*hf-rag-space managed\b.*$", re.MULTILINE)
_END_RE = re.compile(r"^[ \t]*//[ \t]*<<<[ \t]*hf-rag-space managed\b.*$", re.MULTILINE)
_CTOR_RE = re.compile(r"(?<![.\w$])constructor\s*\(")
_ASSIGN_RE = re.compile(r"(?<![.\w$])this\s*\.\s*baseUrl\s*=(?![=>])")
_URL_RE = re.compile(r"^https?://[^/\s'\"`\\<>]+(?:/[^\s'\"`\\<>]*)?$")
_LITERALS_RE = re.compile(r"^\s*\?\s*'((?:[^'\\]|\\.)*)'\s*$\n^\s*:\s*'((?:[^'\\]|\\.)*)';\s*$", re.MULTILINE)

Action = Literal["insert", "unchanged", "update", "rerender"]


@dataclass(frozen=True)
class PatchPlan:
    """Where and how :func:`plan_patch` would change one client file."""

    source: str
    """The file text the plan was made for."""
    start: int
    """Offset of the region's first character (start of its first line)."""
    end: int
    """Offset just past the region's last character (its line ending excluded)."""
    managed: str
    """The managed block that replaces the region (markers included, no final line ending)."""
    action: Action
    """``insert`` (first run), ``unchanged``, ``update`` (other URLs) or ``rerender`` (hand-edited)."""

    @property
    def region(self) -> str:
        """The text the block replaces: the assignment line(s), or the marker block found."""
        return self.source[self.start : self.end]

    @property
    def line(self) -> int:
        """1-based line number of the region's first line."""
        return self.source.count("\n", 0, self.start) + 1

    @property
    def changed(self) -> bool:
        """Whether applying the plan changes the text."""
        return self.action != "unchanged"

    @property
    def note(self) -> str:
        """One line for humans describing the plan."""
        return {
            "insert": f"line {self.line}: replace `this.baseUrl = ...` with the managed block",
            "unchanged": f"line {self.line}: managed block is up to date",
            "update": f"line {self.line}: managed block will point at the new URLs",
            "rerender": f"line {self.line}: managed block was edited by hand; it will be re-rendered",
        }[self.action]


def valid_url(url: str) -> bool:
    """Whether ``url`` is an http(s) URL with a host and nothing that needs escaping in code."""
    return bool(_URL_RE.match(url))


def apply(plan: PatchPlan) -> str:
    """Return the patched text of ``plan``."""
    return plan.source[: plan.start] + plan.managed + plan.source[plan.end :]


def plan_patch(source: str, dev_url: str, space_url: str, last_urls: tuple[str, str] | None = None,
               original: str | None = None) -> PatchPlan:
    """Plan the patch of ``source``: find the managed block or the constructor's base-URL assignment.

    ``last_urls`` (the dev and Space URLs of the previous run, if known) tell a hand edit of the URLs
    from a previous rendering; without them, only blocks that are not our rendering count as edited.
    Raises PatchError (never guesses) when the markers are malformed or there is no single
    ``this.baseUrl = ...`` statement on its own line(s) inside a constructor. ``original`` (the statement
    a state recorded) is written into a block that does not hold it yet; a block's own copy wins.
    """
    for name, url in (("frontendDevUrl", dev_url), ("spaceUrl", space_url)):
        if not valid_url(url):
            raise PatchError(f"{name} must be an http(s) URL without spaces or quotes, got {url!r}")
    block = find_managed(source)
    if block is not None:
        start, end = block
        region = source[start:end]
        indent = _indent_of(region)
        step = _step_from_block(region, indent)
        kept = embedded_original(region)
        wanted = kept if kept is not None else original
        managed = render_block(dev_url, space_url, indent, step, _newline(source, end), wanted)
        if region == managed:
            action: Action = "unchanged"
        elif last_urls is not None:
            last = render_block(*last_urls, indent, step, _newline(source, end), kept)
            action = "update" if region == last else "rerender"
        else:
            action = "update" if _is_rendered(region, indent, step, _newline(source, end)) else "rerender"
        return PatchPlan(source, start, end, managed, action)
    start, end, indent, step = _find_assignment(source)
    managed = render_block(dev_url, space_url, indent, step, _newline(source, end), source[start:end])
    return PatchPlan(source, start, end, managed, "insert")


def patch(source: str, dev_url: str, space_url: str) -> str:
    """Return ``source`` patched (a no-op when the managed block is already up to date)."""
    return apply(plan_patch(source, dev_url, space_url))


def restore(source: str, original: str) -> str:
    """Replace the managed block in ``source`` with ``original``; unchanged if there is no block.

    ``original``'s line endings follow the file's current ones; everything outside the markers is kept.
    """
    block = find_managed(source)
    if block is None:
        return source
    start, end = block
    newline = _newline(source, end)
    own = "\r\n" if "\r\n" in original else "\n"
    text = original
    if "\n" in original and own != newline:
        text = original.replace("\r\n", "\n").replace("\n", newline)
    return source[:start] + text + source[end:]


def find_managed(source: str) -> tuple[int, int] | None:
    """Return the span of the managed block (whole lines, last line ending excluded), or None.

    Raises PatchError when the markers are unpaired, repeated or out of order.
    """
    begins = list(_BEGIN_RE.finditer(source))
    ends = list(_END_RE.finditer(source))
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0].start() < begins[0].end():
        raise PatchError(
            f"expected one {BEGIN_MARKER!r} line followed by one {END_MARKER!r} line, found "
            f"{len(begins)} begin marker(s) (lines {_lines(source, begins)}) and {len(ends)} end "
            f"marker(s) (lines {_lines(source, ends)}); fix or remove them by hand, then run again"
        )
    end = ends[0].end()
    if source[end - 1 : end] == "\r":
        end -= 1
    return begins[0].start(), end


def embedded_original(source: str) -> str | None:
    """The statement the managed block in ``source`` (or a block's own text) replaced, as it keeps it."""
    found = _ORIGINAL_RE.search(source)
    if found is None:
        return None
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def render_block(dev_url: str, space_url: str, indent: str, step: str, newline: str = "\n",
                 original: str | None = None) -> str:
    """Render the managed block (no final line ending) with the given indentation and line ending;
    with ``original``, the block keeps it on its last line before the end marker."""
    template = _env().get_template(TEMPLATE)
    text = template.render(
        begin_marker=BEGIN_MARKER,
        end_marker=END_MARKER,
        dev_url=dev_url,
        space_url=space_url,
        indent=indent,
        step=step,
        original=original,
        original_prefix=ORIGINAL_PREFIX,
    )
    return text.rstrip("\n").replace("\n", newline)


def hint(indent: str = "    ") -> str:
    """The instructions shown when no unique spot is found: which markers to add, and where."""
    return (
        "add these two marker lines around the one statement that sets the API base URL inside the "
        "client's constructor, then run again:\n"
        f"{indent}{BEGIN_MARKER}\n{indent}this.baseUrl = 'http://localhost:8000';\n{indent}{END_MARKER}"
    )


# --- internals -------------------------------------------------------------------------------------


@cache
def _env() -> jinja2.Environment:
    """The project's template environment (templating.py), plus a JavaScript string filter."""
    env = templating.environment().overlay()
    env.filters["js_string"] = _js_string
    env.filters["json_string"] = lambda value: json.dumps(value, ensure_ascii=True)
    return env


def _js_string(value: str) -> str:
    """A single-quoted JavaScript string literal."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def _js_unquote(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), body)


def _is_rendered(region: str, indent: str, step: str, newline: str) -> bool:
    """Whether ``region`` is exactly our rendering for some pair of URLs (as opposed to hand-edited)."""
    found = _LITERALS_RE.search(region.replace("\r\n", "\n"))
    if found is None:
        return False
    dev, space = (_js_unquote(g) for g in found.groups())
    return render_block(dev, space, indent, step, newline, embedded_original(region)) == region


def _newline(source: str, pos: int) -> str:
    """The line ending used at ``pos`` (end of a line), else the file's first one, else LF."""
    if source.startswith("\r\n", pos):
        return "\r\n"
    if source.startswith("\n", pos):
        return "\n"
    first = source.find("\n")
    return "\r\n" if first > 0 and source[first - 1] == "\r" else "\n"


def _indent_of(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def _default_step(indent: str) -> str:
    return "\t" if "\t" in indent else "  "


def _step_from_block(region: str, indent: str) -> str:
    """The continuation indent of a rendered block (its 4th line), so a re-render is byte-identical."""
    lines = region.splitlines()
    if len(lines) > 3:
        inner = _indent_of(lines[3])
        if inner.startswith(indent) and len(inner) > len(indent):
            return inner[len(indent) :]
    return _default_step(indent)


def _lines(source: str, matches: list[re.Match[str]]) -> str:
    return ", ".join(str(source.count("\n", 0, m.start()) + 1) for m in matches) or "none"


def _line_no(source: str, pos: int) -> int:
    return source.count("\n", 0, pos) + 1


def _find_assignment(source: str) -> tuple[int, int, str, str]:
    """Locate the constructor's ``this.baseUrl = ...;``: (start, end, indent, continuation step)."""
    code = mask_code(source)
    ctors = list(_constructors(code))
    assigns = [m.start() for m in _ASSIGN_RE.finditer(code)]
    if not ctors:
        raise PatchError(f"found no class constructor; {hint()}")
    inside = [a for a in assigns if any(s < a < e for _, s, e in ctors)]
    if not inside:
        where = f" (found one outside a constructor, line {_line_no(source, assigns[0])})" if assigns else ""
        raise PatchError(f"found no `this.baseUrl = ...` inside a constructor{where}; {hint()}")
    if len(assigns) > 1:
        lines = ", ".join(str(_line_no(source, a)) for a in assigns)
        raise PatchError(f"found {len(assigns)} `this.baseUrl = ...` assignments (lines {lines}); {hint()}")
    pos = inside[0]
    ctor_start = next(c for c, s, e in ctors if s < pos < e)
    stmt_end = _statement_end(code, pos)
    line_start = source.rfind("\n", 0, pos) + 1
    line_end = source.find("\n", stmt_end)
    line_end = len(source) if line_end < 0 else line_end
    if line_end > 0 and source[line_end - 1] == "\r":
        line_end -= 1
    before, after = code[line_start:pos], code[stmt_end:line_end]
    if before.strip() or after.strip():
        raise PatchError(
            f"line {_line_no(source, pos)}: `this.baseUrl = ...` shares its line with other code, "
            f"so it cannot be replaced line by line; put it on its own line, or {hint()}"
        )
    indent = source[line_start:pos]
    ctor_line = source.rfind("\n", 0, ctor_start) + 1
    ctor_indent = _indent_of(source[ctor_line:ctor_start])
    step = indent[len(ctor_indent) :] if indent.startswith(ctor_indent) else ""
    return line_start, line_end, indent, step or _default_step(indent)


def _constructors(code: str) -> Iterator[tuple[int, int, int]]:
    """Yield (keyword offset, body start, body end) for each ``constructor(...) { ... }``."""
    for m in _CTOR_RE.finditer(code):
        close = _matching(code, m.end() - 1)
        if close < 0:
            continue
        brace = close + 1
        while brace < len(code) and code[brace].isspace():
            brace += 1
        if brace < len(code) and code[brace] == "{":
            body_end = _matching(code, brace)
            if body_end > 0:
                yield m.start(), brace, body_end


def _matching(code: str, open_pos: int) -> int:
    """Offset of the bracket closing the one at ``open_pos`` (in masked code), or -1."""
    depth = 0
    for i in range(open_pos, len(code)):
        ch = code[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


_CONTINUES_AFTER = ("=", "?", ":", "|", "&", "+", "-", "*", "/", ",", "(", "[", "{", ".")
_CONTINUES_BEFORE = ("?", ":", "|", "&", "+", "-", "*", "/", ".", ",", "(", "[")


def _statement_end(code: str, pos: int) -> int:
    """Offset just past the statement starting at ``pos``: its ``;``, or the end of its last line (ASI)."""
    depth = 0
    i = pos
    while i < len(code):
        ch = code[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return i
        elif ch == ";" and depth == 0:
            return i + 1
        elif ch == "\n" and depth == 0:
            so_far = code[pos:i].rstrip()
            rest = code[i + 1 :].lstrip()
            if not so_far.endswith(_CONTINUES_AFTER) and not rest.startswith(_CONTINUES_BEFORE):
                return len(code[:i].rstrip(" \t\r"))
        i += 1
    return len(code)


_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_KEYWORDS = ("return", "typeof", "case", "do", "else", "in", "of", "void", "yield", "await")


def mask_code(source: str) -> str:
    """Return ``source`` with comments, string/template/regex contents blanked (same length, lines kept).

    Only code remains, so plain regexes and bracket matching on the result ignore text in strings.
    """
    out = list(source)
    n = len(source)
    i = 0
    stack: list[int] = []  # brace depth at each `${` of an enclosing template literal
    depth = 0

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] not in "\r\n":
                out[k] = " "

    def template(k: int) -> int:
        """Scan template text from k (after ` or }); return the offset after the closing ` or ${."""
        start = k
        while k < n:
            if source[k] == "\\":
                k += 2
            elif source[k] == "`":
                blank(start, k)
                return k + 1
            elif source.startswith("${", k):
                blank(start, k)
                stack.append(depth)
                return k + 2
            else:
                k += 1
        blank(start, n)
        return n

    while i < n:
        ch = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif ch in "'\"":
            j = i + 1
            while j < n and source[j] != ch and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
        elif ch == "`":
            i = template(i + 1)
        elif ch == "/" and _regex_allowed(source, out, i):
            j = i + 1
            in_class = False
            while j < n and source[j] != "\n":
                c = source[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "[":
                    in_class = True
                elif c == "]":
                    in_class = False
                elif c == "/" and not in_class:
                    break
                j += 1
            blank(i + 1, j)
            i = j + 1
        elif ch == "{":
            depth += 1
            i += 1
        elif ch == "}":
            if stack and stack[-1] == depth:
                stack.pop()
                out[i] = " "
                i = template(i + 1)
            else:
                depth -= 1
                i += 1
        else:
            i += 1
    return "".join(out)


def _regex_allowed(source: str, masked: list[str], pos: int) -> bool:
    """Whether a ``/`` at ``pos`` starts a regex literal (judged by the previous code token)."""
    k = pos - 1
    while k >= 0 and masked[k].isspace():
        k -= 1
    if k < 0:
        return True
    prev = masked[k]
    if prev in _REGEX_AFTER:
        return True
    if prev.isalpha():
        j = k
        while j >= 0 and (masked[j].isalnum() or masked[j] in "_$"):
            j -= 1
        return source[j + 1 : k + 1] in _REGEX_KEYWORDS
    return False
