"""One notebook open in JupyterLab, as the browser test drives and inspects it.

Every wait is on a condition with an explicit timeout: a kernel that is idle, a Run All whose promise
has settled, widgets that have rendered, diagrams that have been drawn.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

KERNEL_START_MS = 90_000
RUN_ALL_MS = (
    300_000  # lesson 04 invokes ~60 functions and waits for metrics: ~30 s here, much more on a busy CI
)
RENDER_MS = 60_000
ANSWER_MS = 30_000

_KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const session = panel && panel.sessionContext && panel.sessionContext.session;
    const kernel = session && session.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
# Starts a JupyterLab command and records how its promise settles in window.__e2e_result.
_START_COMMAND = """([command, args]) => {
    window.__e2e_result = null;
    window.jupyterapp.commands.execute(command, args).then(
        value => { window.__e2e_result = {ok: true, value: String(value)}; },
        error => { window.__e2e_result = {ok: false, value: String(error)}; });
}"""
_WIDGET_REPR = re.compile(r"^\w+\((children|value|options|description|layout)=")


class NotebookPage:
    """The notebook at ``path`` (relative to the server's root), open in its own JupyterLab workspace."""

    def __init__(self, page: Page, path: str, notebook_file: Path):
        self.page, self.path = page, path
        self.source = json.loads(notebook_file.read_text())
        self.panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    # --- opening and running -----------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Load JupyterLab at ``url`` and wait until this notebook's kernel is idle."""
        self.page.goto(url)
        self.page.wait_for_function(
            "path => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " return !!p && !!p.context && p.context.path === path; }",
            arg=self.path, timeout=KERNEL_START_MS,
        )  # fmt: skip
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook gets the width
        self.wait_for_idle_kernel()

    def wait_for_idle_kernel(self) -> None:
        self.page.wait_for_function(_KERNEL_IDLE, timeout=KERNEL_START_MS)

    def command(self, command: str, timeout: float, **args) -> str:
        """Run a JupyterLab command (as its menu entry does) and wait until it has finished."""
        self.page.evaluate(_START_COMMAND, [command, args])
        self.page.wait_for_function("() => window.__e2e_result !== null", timeout=timeout)
        result = self.page.evaluate("() => window.__e2e_result")
        assert result["ok"], f"{command} failed in {self.path}: {result['value']}"
        return result["value"]

    def run_all(self) -> None:
        """Run → Run All Cells, then wait for the kernel to be idle."""
        self.command("notebook:run-all-cells", RUN_ALL_MS)
        self.wait_for_idle_kernel()

    def run_cell(self, index: int) -> None:
        """Select cell ``index`` and run it (Shift+Enter's command, without moving on)."""
        self.page.evaluate(
            "i => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index
        )
        self.command("notebook:run-cell", RUN_ALL_MS)
        self.wait_for_idle_kernel()

    # --- what the notebook holds -----------------------------------------------------------------

    def cell(self, index: int) -> Locator:
        return self.panel.locator(".jp-Cell").nth(index)

    def cell_index(self, source: str) -> int:
        """The index of the first cell whose source is exactly ``source``."""
        return next(i for i, cell in enumerate(self.source["cells"]) if "".join(cell["source"]) == source)

    def mermaid_blocks(self) -> int:
        return sum(
            "".join(cell["source"]).count("```mermaid")
            for cell in self.source["cells"] if cell["cell_type"] == "markdown"
        )  # fmt: skip

    def cell_source_in_browser(self, index: int) -> str:
        return self.page.evaluate(
            "i => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()",
            index,
        )

    # --- what a learner would see as wrong -------------------------------------------------------

    def error_outputs(self) -> list[str]:
        """The text of every error (traceback) or stderr output."""
        return self.panel.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()

    def wait_for_widgets(self) -> list[str]:
        """Wait until no widget output says "Loading widget…"; the widget outputs still unrendered then."""
        check = """() => Array.from(document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output'))
            .filter(o => o.textContent.includes('Loading widget'))
            .map(o => o.textContent.trim().slice(0, 120))"""
        try:
            self.page.wait_for_function(f"() => ({check})().length === 0", timeout=RENDER_MS)
        except PlaywrightTimeout:
            pass  # reported by the caller, with what is left
        return self.page.evaluate(check)

    def widget_reprs(self) -> list[str]:
        """Plain-text outputs that are a widget's repr (the widget manager did not draw it)."""
        texts = self.panel.locator(".jp-OutputArea-output[data-mime-type='text/plain']").all_inner_texts()
        return [text[:120] for text in texts if _WIDGET_REPR.match(text.strip())]

    def wait_for_diagrams(self) -> list[str]:
        """Wait until every Mermaid block is drawn; the blocks left as code or as errors then."""
        expected = self.mermaid_blocks()
        drawn = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMermaid:not(.jp-mod-warning) img"
        try:
            self.page.wait_for_function(
                "([selector, n]) => document.querySelectorAll(selector).length >= n",
                arg=[drawn, expected], timeout=RENDER_MS,
            )  # fmt: skip
        except PlaywrightTimeout:
            pass  # reported below
        left = self.panel.locator(
            ".jp-RenderedMermaid.jp-mod-warning, .jp-RenderedMarkdown code.language-mermaid"
        )
        problems = [f"left as code or an error: {text[:200]!r}" for text in left.all_inner_texts()]
        count = self.page.locator(drawn).count()
        if count != expected:
            problems.append(f"{count} of {expected} Mermaid blocks drawn")
        return problems

    def diagram_images(self) -> list[str]:
        """The data: URL of every drawn diagram (an SVG)."""
        return self.panel.locator(".jp-RenderedMermaid img").evaluate_all("imgs => imgs.map(i => i.src)")

    def maths(self) -> list[str]:
        """Text of Markdown that MathJax typeset (the course has no formulas: any is an accident)."""
        return self.panel.locator(
            ".jp-MarkdownCell mjx-container, .jp-MarkdownCell .MathJax"
        ).all_inner_texts()

    # --- screenshots -----------------------------------------------------------------------------

    def screenshots(self, folder: Path) -> list[Path]:
        """Screenshots of the whole notebook, one screen at a time, top to bottom, into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        scroller = self.panel.locator(".jp-WindowedPanel-outer").first
        height, view = scroller.evaluate("e => [e.scrollHeight, e.clientHeight]")
        step = max(int(view * 0.9), 1)
        paths = []
        for number, top in enumerate(range(0, max(height - view, 0) + step, step), start=1):
            scroller.evaluate("(e, top) => { e.scrollTop = top; }", top)
            path = folder / f"{number:02d}.png"
            self.page.screenshot(path=path)
            paths.append(path)
        return paths


def clipped_labels(page: Page, svg_url: str) -> list[str]:
    """Labels of the diagram at ``svg_url`` whose text is wider or taller than the box drawn for it.

    The SVG is opened on its own, as the <img> shows it; Mermaid sized each label's box before the
    browser styled the HTML inside it, so styled text (such as <code>) can overflow and be cut off.
    """
    page.goto(svg_url)
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('foreignObject')).filter(box => {
                const content = box.firstElementChild;
                if (!content) return false;
                return content.scrollWidth > box.width.baseVal.value + 1
                    || content.scrollHeight > box.height.baseVal.value + 1;
            }).map(box => box.textContent.trim())"""
    )


class QuizCard:
    """One question card of ``quiz.show(...)``, found by its "Question N of M" header."""

    def __init__(self, notebook: NotebookPage, header: str):
        self.page = notebook.page
        # (a filter's inner locator is matched inside each element, so it starts from the page)
        header_widget = self.page.locator(".widget-html-content").get_by_text(header, exact=True)
        self.card = notebook.panel.locator(".widget-vbox").filter(has=header_widget).last

    def give(self, actions: dict) -> None:
        """Fill in an answer as a learner would: click radio buttons or checkboxes, pick, or type."""
        if "radio" in actions:
            self.card.get_by_role("radio", name=actions["radio"], exact=True).check()
        if "checkboxes" in actions:
            for box in self.card.get_by_role("checkbox").all():
                box.uncheck()
            for label in actions["checkboxes"]:
                self.card.get_by_role("checkbox", name=label, exact=True).check()
        for left, right in actions.get("select", {}).items():
            self.row(left).locator("select").select_option(label=right)
        if "text" in actions:
            self.card.locator("input[type='text']").fill(actions["text"])

    def row(self, left: str) -> Locator:
        """A matching question's row for ``left``: its label and its drop-down."""
        label = self.page.locator(".widget-html-content").get_by_text(left, exact=True)
        return (
            self.card.locator(".widget-hbox").filter(has=label).filter(has=self.page.locator("select")).last
        )

    def drop_down_state(self) -> list[tuple[str, float]]:
        """For each drop-down of a matching question: the text it shows, and how far (in px) the middle
        of its label is from its own middle."""
        return self.card.locator(".widget-hbox:has(> .widget-dropdown)").evaluate_all(
            """rows => rows.map(row => {
                const select = row.querySelector('select');
                const label = row.querySelector('.widget-html-content');
                const middle = e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; };
                const shown = select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : '';
                return [shown, Math.abs(middle(label) - middle(select))];
            })"""
        )

    def submit(self, expected_mark: str) -> str:
        """Click Submit and wait for the mark (✅/❌); the feedback shown."""
        self.card.get_by_role("button", name="Submit").click()
        expect(self.card).to_contain_text(expected_mark, timeout=ANSWER_MS)
        return self.card.inner_text()

    def try_again(self) -> None:
        self.card.get_by_role("button", name="Try again").click()
        expect(self.card.get_by_role("button", name="Submit")).to_be_enabled(timeout=ANSWER_MS)
