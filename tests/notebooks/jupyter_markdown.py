r"""What JupyterLab does to a Markdown cell that a kernel-side test cannot see: maths and Mermaid.

**Maths.** JupyterLab first takes out what it will typeset as LaTeX (``removeMath`` in
``@jupyterlab/rendermime``'s ``latex.ts``, ported in :func:`find_math`), then renders the rest with
marked, then runs MathJax over the cell again. marked turns ``\$`` into a bare ``$``, so two escaped
dollars in one run of text still become a formula; a dollar survives both passes only as ``\\$``
(marked leaves ``\$``, which MathJax shows as ``$``). Hence :func:`bare_dollars`.

**Mermaid.** :func:`mermaid_problems` parses the part of Mermaid's grammar the course uses (flowcharts
and sequence diagrams, quoted labels) and reports what it cannot parse, and HTML other than ``<br/>``
in a label: Mermaid sizes a label before the browser styles its tags, so ``<code>…</code>`` is clipped.
The browser test (``make e2e``) is the ground truth that every diagram renders.
"""

from __future__ import annotations

import re

# --- maths ------------------------------------------------------------------------------------------

_MATH_SPLIT = re.compile(
    r"(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|@@\d+@@|\\\\[()[\]])", re.IGNORECASE
)
_FENCED_BLOCK = re.compile(r"^(?P<fence>`{3,}|(?:~T){3,})[^`\n]*\n[\s\S]*?^(?P=fence)`*$", re.MULTILINE)
_CODE_SPAN = re.compile(r"(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)", re.MULTILINE)


def hide_code(markdown: str) -> str:
    """``markdown`` with every ``$`` in a fenced block or code span replaced by ``~D``, as JupyterLab
    does before looking for maths (it also writes ``~`` as ``~T``)."""
    if "`" not in markdown and "~~~" not in markdown:
        return markdown
    text = markdown.replace("~", "~T")
    text = _FENCED_BLOCK.sub(lambda match: match.group(0).replace("$", "~D"), text)
    return _CODE_SPAN.sub(lambda match: match.group(0).replace("$", "~D"), text)


def _unhide(text: str) -> str:
    return re.sub(r"~([TD])", lambda match: "~" if match.group(1) == "T" else "$", text)


def find_math(markdown: str) -> list[str]:
    r"""The pieces of ``markdown`` that JupyterLab's first pass takes out to typeset as LaTeX.

    >>> find_math("costs $0.20 and $0.30")
    ['$0.20 and $']
    >>> find_math(r"`$0.20` and `$0.30`, or \$0.20 and \$0.30")
    []
    """
    blocks = _MATH_SPLIT.split(hide_code(markdown).replace("\r\n", "\n").replace("\r", "\n"))
    found: list[str] = []
    start = end = last = None
    braces = 0
    i = 1
    while i < len(blocks):
        block = blocks[i]
        if start is not None:
            if block == end:
                if braces:
                    last = i
                else:
                    found.append("".join(blocks[start : i + 1]))
                    start = end = last = None
            elif re.search(r"\n.*\n", block):  # a blank line ends the search for the closing delimiter
                if last is not None:
                    found.append("".join(blocks[start : last + 1]))
                    i = last
                start = end = last = None
                braces = 0
            elif block == "{":
                braces += 1
            elif block == "}" and braces:
                braces -= 1
        elif block in ("$", "$$"):
            start, end, braces = i, block, 0
        elif block in ("\\\\(", "\\\\["):
            start, end, braces = i, "\\\\)" if block.endswith("(") else "\\\\]", 0
        elif block[1:6] == "begin":
            start, end, braces = i, "\\end" + block[6:], 0
        i += 2
    if start is not None and last is not None:
        found.append("".join(blocks[start : last + 1]))
    return [_unhide(piece) for piece in found]


def bare_dollars(markdown: str) -> list[str]:
    r"""The dollar signs outside code that are not written ``\\$``, each with the text around it.

    >>> bare_dollars(r"It costs \$0.20 a day, or \\$0.30, or `$0.40`")
    ['It costs \\$0.20 a day,']
    """
    text = hide_code(markdown)
    return [
        _unhide(text[max(match.start() - 12, 0) : match.start() + 12]).strip()
        for match in re.finditer(r"(?<!\\\\)\$", text)
    ]


# --- Mermaid ----------------------------------------------------------------------------------------

MERMAID_BLOCK = re.compile(r"^```mermaid[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_QUOTED = r'"[^"]*"'
_PLAIN = r"[A-Za-z0-9 _.,:'!?-]+"  # what Mermaid takes without quotes, and nothing doubtful
# The node shapes, opening and closing brackets around a label (longest openings first).
_SHAPES = [("[[", "]]"), ("[(", ")]"), ("((", "))"), ("([", "])"), ("{{", "}}"), ("[", "]"), ("(", ")"),
           ("{", "}"), (">", "]")]  # fmt: skip
_LABEL = rf"(?:{_QUOTED}|{_PLAIN})"
_NODE = rf"{_ID}(?:{'|'.join(re.escape(o) + _LABEL + re.escape(c) for o, c in _SHAPES)})?"
_ARROW = (  # -->, -.->, ==> … with an optional |label|, or a label inside: -- label -->
    r"(?:<?(?:-->|---|-\.->|-\.-|==>|===|--[ox])(?:\|" + _LABEL + r"\|)?"
    + r"|--\s" + _LABEL + r"\s-->|-\.\s" + _LABEL + r"\s\.->|==\s" + _LABEL + r"\s==>)"
)  # fmt: skip
_FLOW_STATEMENT = re.compile(rf"{_NODE}(?:\s*{_ARROW}\s*{_NODE})*")
_FLOW_OTHER = re.compile(
    rf"(?:subgraph\s+{_ID}(?:\[{_LABEL}\])?|end|direction\s+(?:LR|RL|TB|TD|BT)"
    rf"|classDef\s+\S+\s+\S.*|class\s+{_ID}(?:,{_ID})*\s+\S+|style\s+{_ID}\s+\S.*|linkStyle\s+\S.*)"
)
_SEQ_TEXT = r"[^;#\n]*"  # a ; ends a statement and a # starts an entity in a message
_SEQ_ARROW = r"(?:-->>|->>|-->|->|--x|-x|--\)|-\)|<<->>|<<-->>)"
_SEQ_LINE = re.compile(
    rf"(?:(?:participant|actor)\s+{_ID}(?:\s+as\s+{_SEQ_TEXT})?|autonumber"
    rf"|{_ID}\s*{_SEQ_ARROW}\s*[+-]?{_ID}\s*:{_SEQ_TEXT}"
    rf"|Note\s+(?:left of|right of|over)\s+{_ID}(?:\s*,\s*{_ID})?\s*:{_SEQ_TEXT}"
    rf"|(?:loop|alt|else|opt|par|and|critical|break|rect)(?:\s{_SEQ_TEXT})?|end"
    rf"|(?:activate|deactivate)\s+{_ID})"
)
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)[^>]*>")


def mermaid_blocks(markdown: str) -> list[str]:
    """The body of every ```mermaid block in ``markdown``."""
    return MERMAID_BLOCK.findall(markdown)


def mermaid_problems(diagram: str) -> list[str]:
    """What in ``diagram`` falls outside the Mermaid the course uses, one sentence per problem.

    >>> mermaid_problems('flowchart LR\\n    A["a<br/>b"] -->|"x"| B{"c"}')
    []
    >>> mermaid_problems('flowchart LR\\n    A[call f(x)] --> B')
    ['line 2 is not a flowchart statement the course uses: A[call f(x)] --> B']
    """
    lines = [line.strip() for line in diagram.splitlines()]
    kind = lines[0].split() if lines else []
    problems = [
        f"line {number} has HTML <{tag}> in a label; only <br/> keeps its size (Mermaid sizes before styling)"
        for number, line in enumerate(lines, start=1)
        for tag in sorted({tag.lower() for tag in _HTML_TAG.findall(line)} - {"br"})
    ]
    if kind[:1] in (["flowchart"], ["graph"]) and kind[1:] in (["LR"], ["RL"], ["TD"], ["TB"], ["BT"]):
        pattern, name = _FLOW_STATEMENT, "flowchart statement"
        other = _FLOW_OTHER
    elif kind == ["sequenceDiagram"]:
        pattern, name, other = _SEQ_LINE, "sequence diagram line", None
    else:
        return problems + [
            f"the first line must be 'flowchart LR|TD|…' or 'sequenceDiagram', not {lines[:1]}"
        ]
    for number, line in enumerate(lines[1:], start=2):
        if not line or line.startswith("%%"):
            continue
        if pattern.fullmatch(line) or (other is not None and other.fullmatch(line)):
            continue
        problems.append(f"line {number} is not a {name} the course uses: {line}")
    return problems
