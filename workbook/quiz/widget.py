"""The quiz as ipywidgets: a thin view over `grading.grade` and `progress.record`.

The answer key stays in the kernel: widgets only hold option texts and the learner's choices;
grading runs in Python when Submit is clicked, and feedback and the explanation are sent to the
page only after that.

Example (end a notebook cell with it)::

    from workbook import quiz
    quiz.show("02-handlers")
"""

from __future__ import annotations

import functools
import html
import random
import re
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from .. import progress
from .grading import InvalidResponse, Result, format_number, grade, option_index
from .model import Bank, Question, UnknownQuestion, load_bank

FULL_WIDTH = widgets.Layout(width="100%")


def show(
    module: str,
    ids: Sequence[str] | None = None,
    *,
    bank_dir=None,
    record: bool = True,
) -> QuizView:
    """Show a question bank as cards you can answer; each Submit is graded and saved to your progress.

    ``ids`` shows only those questions, in that order. Option order is shuffled per learner and
    question, the same on every re-run.

    Example::

        from workbook import quiz
        quiz.show("02-handlers")                        # every question of the module
        quiz.show("02-handlers", ids=["handler-string"])  # just one
    """
    bank = load_bank(module, bank_dir)
    if ids is None:
        questions = list(bank.questions)
    else:
        known = {q.id: q for q in bank.questions}
        missing = [i for i in ids if i not in known]
        if missing:
            raise UnknownQuestion(f"{bank.module} has no question {missing[0]!r}; its ids are: {', '.join(known)}")
        questions = [known[i] for i in ids]
    return QuizView(bank, questions, record=record)


def render_markdown(text: str) -> str:
    """Markdown (with fenced code blocks and tables) as HTML; raw HTML in the text is shown as text."""
    convert = _markdown()
    if convert is None:
        return f"<pre style='white-space: pre-wrap'>{html.escape(text)}</pre>"
    return convert(text)


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def plain_label(text: str) -> str:
    """An option's text for a label that shows plain text (radio buttons, checkboxes, drop-downs).

    Banks write options in Markdown, but those labels cannot render it, so the markers of inline code
    and bold go and their contents stay; everything else is left as written.

    Example::

        >>> plain_label("Call `update_alias` so that **prod** points to version 11")
        'Call update_alias so that prod points to version 11'
    """
    return _inline(text, code=lambda code: code, other=lambda part: _STRONG.sub(r"\1", part))


def inline_html(text: str) -> str:
    """An option's text as one line of HTML: inline code and bold rendered, anything else escaped.

    Example::

        >>> inline_html("Read `_HANDLER` <first>")
        'Read <code>_HANDLER</code> &lt;first&gt;'
    """
    return _inline(
        text,
        code=lambda code: f"<code>{html.escape(code)}</code>",
        other=lambda part: _STRONG.sub(r"<b>\1</b>", html.escape(part)),
    )


def _inline(text: str, code: Callable[[str], str], other: Callable[[str], str]) -> str:
    """Apply ``code`` to the contents of each `code span` and ``other`` to the text between them."""
    pieces, position = [], 0
    for match in _CODE_SPAN.finditer(text):
        pieces += [other(text[position : match.start()]), code(match.group(2))]
        position = match.end()
    pieces.append(other(text[position:]))
    return "".join(pieces)


@functools.cache
def _markdown():
    try:
        import mistune  # installed with JupyterLab (nbconvert depends on it)
    except ImportError:
        return None
    return mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])


class QuizView(widgets.VBox):
    """A bank's title, one :class:`QuestionCard` per question, and the running score."""

    def __init__(self, bank: Bank, questions: Sequence[Question], record: bool = True):
        self.bank = bank
        self.results: dict[str, Result] = {}
        self.score_line = widgets.HTML()
        learner = progress.learner()
        self.cards = [
            QuestionCard(bank, question, number, len(questions), learner, self._scored, record)
            for number, question in enumerate(questions, start=1)
        ]
        title = widgets.HTML(f"<h3>Knowledge check: {html.escape(bank.title)}</h3>")
        super().__init__([title, *self.cards, self.score_line], layout=FULL_WIDTH)
        self._update_score()

    @property
    def score(self) -> float:
        """The sum of the latest score of every answered question."""
        return sum(result.score for result in self.results.values())

    def card(self, question_id: str) -> QuestionCard:
        """The card showing this question."""
        return next(card for card in self.cards if card.question.id == question_id)

    def _scored(self, question: Question, result: Result) -> None:
        self.results[question.id] = result
        self._update_score()

    def _update_score(self) -> None:
        total = len(self.cards)
        self.score_line.value = (
            f"<b>Score: {format_number(self.score)} / {total}</b> · {len(self.results)} of {total} answered"
            " <small>(your latest answer to each question counts)</small>"
        )


class QuestionCard(widgets.VBox):
    """One question: prompt, input, Submit, feedback, explanation and Try again."""

    def __init__(
        self,
        bank: Bank,
        question: Question,
        number: int,
        total: int,
        learner: str,
        on_scored: Callable[[Question, Result], None] | None = None,
        record: bool = True,
    ):
        self.bank, self.question, self.record, self.on_scored = bank, question, record, on_scored
        self.result: Result | None = None
        self.attempts = 0
        rng = random.Random(f"{learner}|{bank.module}|{question.id}")  # stable per learner and question
        self.answer_input = _INPUTS[question.type](question, rng)
        self.submit_button = widgets.Button(description="Submit", button_style="primary")
        self.try_again_button = widgets.Button(description="Try again", layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.feedback = widgets.HTML(layout=FULL_WIDTH)
        self.explanation = widgets.HTML(layout=FULL_WIDTH)
        self.submit_button.on_click(lambda _: self.submit())
        self.try_again_button.on_click(lambda _: self.try_again())
        header = widgets.HTML(f"<b>Question {number} of {total}</b>")
        children = [header, widgets.HTML(render_markdown(question.prompt), layout=FULL_WIDTH)]
        if question.type == "multiple":
            children.append(widgets.HTML(f"<i>Select {question.correct_count}.</i>"))
        children += [
            self.answer_input.widget,
            widgets.HBox([self.submit_button, self.try_again_button, self.status]),
            self.feedback,
            self.explanation,
        ]
        card_layout = widgets.Layout(border="1px solid #ccc", padding="8px", margin="6px 0")
        super().__init__(children, layout=card_layout)

    def submit(self) -> Result | None:
        """Grade the current answer, show feedback and the explanation, and record the attempt."""
        response = self.answer_input.response()
        try:
            result = grade(self.question, response)
        except InvalidResponse as exc:
            self.feedback.value = f"<span style='color:#b9770e'>{html.escape(str(exc))}</span>"
            return None
        self.result = result
        self.attempts += 1
        note = self._record(response, result) if self.record else ""
        self._show(result, note)
        if self.on_scored is not None:
            self.on_scored(self.question, result)
        return result

    def _record(self, response, result: Result) -> str:
        """Save the attempt to the progress log; a note for the status line when that fails."""
        try:
            stored = progress.record(
                self.bank.module, self.question.id, _as_stored(self.question, response),
                result.correct, result.score,
                kind="quiz", bank_version=self.bank.version, feedback=result.feedback,
            )  # fmt: skip
        except (OSError, ValueError) as exc:  # an unusable home; a response the log refuses
            return f" <small>(not saved to your progress: {html.escape(str(exc))})</small>"
        self.attempts = stored["attempt"]
        return ""

    def _show(self, result: Result, note: str) -> None:
        """Show the mark, feedback and explanation, and lock the input until Try again."""
        mark = "✅ Correct" if result.correct else f"❌ Not yet — score {format_number(result.score)}"
        feedback = render_markdown(result.feedback.replace("\n", "\n\n"))  # one paragraph per line
        self.feedback.value = f"<b>{mark}</b>{feedback}"
        why = render_markdown(self.question.explanation)
        self.explanation.value = f"<details open><summary>Why</summary>{why}</details>"
        self.status.value = f"attempt {self.attempts}{note}"
        self.answer_input.set_enabled(False)
        self.submit_button.disabled = True
        self.try_again_button.layout.display = None

    def answer(self, response) -> Result | None:
        """Fill in ``response`` (in the format `grade` takes) through the widgets, then Submit.

        Example::

            view = quiz.show("02-handlers")
            view.cards[0].answer(1)
        """
        self.answer_input.set_response(response)
        self.submit_button.click()
        return self.result

    def try_again(self) -> None:
        """Hide the feedback and let the learner change the answer and submit again."""
        self.feedback.value = ""
        self.explanation.value = ""
        self.answer_input.set_enabled(True)
        self.submit_button.disabled = False
        self.try_again_button.layout.display = "none"


# --- one input per question type: .widget, .response(), .set_response(), .set_enabled() -----------------


class _ChoiceInput:
    """single and true_false: radio buttons whose values are the bank's option indices (or True/False)."""

    def __init__(self, question: Question, rng: random.Random):
        if question.type == "true_false":
            choices = [("True", True), ("False", False)]
        else:
            choices = [(plain_label(option.text), index) for index, option in enumerate(question.options)]
            if question.shuffle:
                rng.shuffle(choices)
        self.question = question
        self.widget = widgets.RadioButtons(options=choices, value=None, layout=FULL_WIDTH)

    def response(self):
        return self.widget.value

    def set_response(self, response) -> None:
        if self.question.type == "single" and response is not None:
            response = option_index(self.question, response)
        self.widget.value = response

    def set_enabled(self, enabled: bool) -> None:
        self.widget.disabled = not enabled


class _MultipleInput:
    """multiple: one checkbox per option; the indices live here, in the kernel."""

    def __init__(self, question: Question, rng: random.Random):
        indices = list(range(len(question.options)))
        if question.shuffle:
            rng.shuffle(indices)
        self.question = question
        self.checkboxes = [
            (index, widgets.Checkbox(description=plain_label(question.options[index].text), value=False,
                                     indent=False, layout=FULL_WIDTH))
            for index in indices
        ]  # fmt: skip
        self.widget = widgets.VBox([box for _, box in self.checkboxes])

    def response(self):
        return sorted(index for index, box in self.checkboxes if box.value)

    def set_response(self, response) -> None:
        chosen = {option_index(self.question, item) for item in response}
        for index, box in self.checkboxes:
            box.value = index in chosen

    def set_enabled(self, enabled: bool) -> None:
        for _, box in self.checkboxes:
            box.disabled = not enabled


class _MatchingInput:
    """matching: each left beside a drop-down of every right (shuffled, each shown once).

    Every drop-down starts on a "choose…" placeholder: an unanswered left, None in the response.
    """

    PLACEHOLDER = ("choose…", "")  # not None: to ipywidgets a None value means "no option shown"

    def __init__(self, question: Question, rng: random.Random):
        rights = sorted({pair.right for pair in question.pairs} | set(question.extra_right))
        rng.shuffle(rights)
        pairs = list(question.pairs)
        rng.shuffle(pairs)
        choices = [self.PLACEHOLDER] + [(plain_label(right), right) for right in rights]
        self.dropdowns = {
            pair.left: widgets.Dropdown(options=choices, value="", layout=widgets.Layout(width="52%"))
            for pair in pairs
        }
        row = widgets.Layout(align_items="center", width="100%")
        label = widgets.Layout(width="46%", margin="0 2% 0 0")
        self.widget = widgets.VBox(
            [widgets.HBox([widgets.HTML(inline_html(left), layout=label), box], layout=row)
             for left, box in self.dropdowns.items()]
        )  # fmt: skip

    def response(self):
        return {left: box.value or None for left, box in self.dropdowns.items()}

    def set_response(self, response) -> None:
        for left, box in self.dropdowns.items():
            box.value = response.get(left) or ""

    def set_enabled(self, enabled: bool) -> None:
        for box in self.dropdowns.values():
            box.disabled = not enabled


class _OrderingInput:
    """ordering: the items in a shuffled (never already correct) order, each with ↑ and ↓ buttons."""

    def __init__(self, question: Question, rng: random.Random):
        self.order = list(question.items)
        rng.shuffle(self.order)
        if self.order == list(question.items):
            self.order = self.order[1:] + self.order[:1]
        self.labels = [widgets.HTML(layout=widgets.Layout(width="80%")) for _ in self.order]
        self.buttons = []
        rows = []
        for position, label in enumerate(self.labels):
            up = widgets.Button(description="↑", layout=widgets.Layout(width="36px"), tooltip="move up")
            down = widgets.Button(description="↓", layout=widgets.Layout(width="36px"), tooltip="move down")
            up.on_click(lambda _, p=position: self.move(p, -1))
            down.on_click(lambda _, p=position: self.move(p, +1))
            self.buttons += [up, down]
            rows.append(widgets.HBox([up, down, label]))
        self.widget = widgets.VBox(rows)
        self._refresh()

    def move(self, position: int, step: int) -> None:
        """Swap the item at ``position`` with its neighbour above (-1) or below (+1)."""
        other = position + step
        if 0 <= other < len(self.order):
            self.order[position], self.order[other] = self.order[other], self.order[position]
            self._refresh()

    def response(self):
        return list(self.order)

    def set_response(self, response) -> None:
        """Reach ``response`` by clicking ↑ and ↓, as a learner would."""
        for target, item in enumerate(response):
            while self.order.index(item) > target:
                self.buttons[2 * self.order.index(item)].click()  # that row's ↑

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons:
            button.disabled = not enabled

    def _refresh(self) -> None:
        for position, (label, item) in enumerate(zip(self.labels, self.order, strict=True), start=1):
            label.value = f"{position}. {inline_html(item)}"


class _TextInput:
    """numeric and short_answer: a text box (numbers are parsed in the kernel, with the unit allowed)."""

    def __init__(self, question: Question, rng: random.Random):
        placeholder = "a number" if question.type == "numeric" else "your answer"
        self.text = widgets.Text(value="", placeholder=placeholder)
        unit = widgets.HTML(html.escape(question.unit)) if question.unit else None
        self.widget = widgets.HBox([self.text, unit] if unit else [self.text])

    def response(self):
        return self.text.value

    def set_response(self, response) -> None:
        self.text.value = str(response)

    def set_enabled(self, enabled: bool) -> None:
        self.text.disabled = not enabled


_INPUTS = {
    "single": _ChoiceInput,
    "true_false": _ChoiceInput,
    "multiple": _MultipleInput,
    "matching": _MatchingInput,
    "ordering": _OrderingInput,
    "numeric": _TextInput,
    "short_answer": _TextInput,
}


def front_end_state(root: widgets.Widget) -> list[dict]:
    """The state of every widget reachable from ``root``: all that the page (and a saved notebook's
    widget metadata) ever receives. Tests use it to check that no answer key is in there."""
    seen: dict[str, dict] = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if widget.model_id in seen:
            continue
        seen[widget.model_id] = widget.get_state()
        for name in widget.keys:
            value = getattr(widget, name)
            values = value if isinstance(value, (list, tuple)) else [value]
            stack += [v for v in values if isinstance(v, widgets.Widget)]
    return list(seen.values())


def _as_stored(question: Question, response):
    """Options are stored by their text, so an instructor's copy of a bank may reorder them."""
    if question.type == "single":
        return question.options[response].text
    if question.type == "multiple":
        return sorted(question.options[i].text for i in response)
    return response
