"""The quiz widgets (workbook.quiz.widget), driven from Python: set a value, click Submit, read feedback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets as widgets
import pytest

from workbook import progress, quiz
from workbook.quiz.grading import InvalidResponse
from workbook.quiz.widget import front_end_state as widget_state

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quizzes"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_LEARNER", "ada")
    return tmp_path


def show(ids=None, **kwargs):
    return quiz.show("90-sample", ids, bank_dir=FIXTURES, **kwargs)


def front_end_state(root: widgets.Widget) -> str:
    """Everything the page receives about these widgets, as one JSON text (model ids left out)."""
    state = json.dumps(widget_state(root), default=str)
    return re.sub(r"IPY_MODEL_[0-9a-f]+", "IPY_MODEL", state)


def test_submit_shows_feedback_and_explanation():
    """Does choosing an option and clicking Submit show that option's feedback and the explanation?"""
    card = show(["handler-string"]).card("handler-string")
    card.answer_input.widget.value = 1  # the bank index of "app.py.handle"
    card.submit_button.click()
    assert "Leave out the .py" in card.feedback.value
    assert "module.function" in card.explanation.value


def test_submit_writes_exactly_one_attempt():
    """Does one Submit append exactly one record, with the bank's module, id, version and response?

    Options are stored by their text, so an instructor's reordered copy of the bank regrades them right.
    """
    card = show(["sync-invokers"]).card("sync-invokers")
    for index, box in card.answer_input.checkboxes:
        box.value = index in (0, 2)
    card.submit_button.click()
    [stored] = progress.attempts()
    assert stored["module"] == "90-sample" and stored["item_id"] == "sync-invokers"
    question = card.question
    chosen = sorted(question.options[i].text for i in (0, 2))
    assert (stored["correct"], stored["score"], stored["response"]) == (True, 1.0, chosen)
    assert (stored["bank_version"], stored["attempt"]) == (3, 1)
    assert (stored["learner"], stored["kind"]) == ("ada", "quiz")


def test_answer_key_never_reaches_the_front_end():
    """Before any submission, does no widget state hold a correct flag, feedback, explanation or key?"""
    view = show()
    state = front_end_state(view)
    bank = view.bank
    assert '"correct"' not in state
    secrets = ["Yes, module name then function name.", "module.function", "900", "lambda_handler",
               "Imports run once", "15 is the limit"]  # fmt: skip
    for question in bank.questions:
        secrets.append(question.explanation)
        secrets += [option.feedback for option in question.options]
    for secret in secrets:
        assert secret not in state, secret


def test_no_key_in_state_after_choosing_before_submit():
    """After picking (not submitting) an answer, is the state still free of any verdict?"""
    card = show(["handler-string"]).card("handler-string")
    card.answer_input.widget.value = 0
    state = front_end_state(card)
    assert "Correct" not in state and "Yes, module name" not in state


def test_option_order_is_stable_across_re_runs():
    """Does showing the bank twice give the same option order for the same learner?"""
    labels = [show().card(i).answer_input.widget.options for i in ("handler-string", "handler-string")]
    assert labels[0] == labels[1]


def test_option_order_depends_on_learner(monkeypatch):
    """Do different learners (usually) see a different option order?"""
    orders = set()
    for name in ("ada", "grace", "linus", "barbara", "ken", "margaret"):
        monkeypatch.setenv("WORKBOOK_LEARNER", name)
        orders.add(tuple(b.description for _, b in show(["sync-invokers"]).cards[0].answer_input.checkboxes))
    assert len(orders) > 1


def test_invalid_response_is_explained_and_not_recorded():
    """Does Submit with no option chosen say so and write nothing?"""
    card = show(["handler-string"]).cards[0]
    card.submit_button.click()
    assert "Choose an option first" in card.feedback.value
    assert progress.attempts() == []
    assert not card.submit_button.disabled


def test_try_again_allows_a_second_attempt():
    """After Try again, does a new Submit record attempt number 2?"""
    card = show(["max-timeout"]).cards[0]
    card.answer_input.text.value = "15"
    card.submit_button.click()
    assert card.submit_button.disabled and "limit in minutes" in card.feedback.value
    card.try_again_button.click()
    assert card.feedback.value == "" and not card.submit_button.disabled
    card.answer_input.text.value = "900"
    card.submit_button.click()
    assert [a["attempt"] for a in progress.attempts()] == [1, 2]
    assert "Correct" in card.feedback.value


def test_running_score_counts_latest_answers():
    """Does the bank's score line add up the latest score of each answered question?"""
    view = show(["context-reused", "sync-invokers"])
    tf, multi = view.cards
    tf.answer_input.widget.value = True
    tf.submit_button.click()
    for index, box in multi.answer_input.checkboxes:
        box.value = index == 0
    multi.submit_button.click()
    assert view.score == 1.5
    assert "Score: 1.5 / 2" in view.score_line.value


def test_multiple_tells_how_many_to_select():
    """Does a multiple-answer card say 'Select 2.'?"""
    card = show(["sync-invokers"]).cards[0]
    assert any("Select 2." in str(getattr(child, "value", "")) for child in card.children)


def test_matching_flow():
    """Can a matching question be answered with its drop-downs, with partial credit recorded?"""
    card = show(["phase-of-step"]).cards[0]
    card.answer_input.dropdowns["import boto3"].value = "Init"
    card.answer_input.dropdowns["create a client at module level"].value = "Init"
    card.answer_input.dropdowns["the handler body"].value = "Shutdown"
    card.submit_button.click()
    assert progress.attempts()[0]["score"] == pytest.approx(2 / 3)


def test_ordering_starts_wrong_and_buttons_move_items():
    """Does an ordering card start out of order, and do ↑/↓ buttons reorder it?"""
    card = show(["lifecycle-order"]).cards[0]
    order = card.answer_input
    assert order.order != ["Init", "Invoke", "Shutdown"]
    before = list(order.order)
    order.buttons[1].click()  # ↓ on the first row
    assert order.order == [before[1], before[0], before[2]]


def test_prompt_markdown_renders_code_blocks():
    """Is a fenced code block in a prompt rendered as <pre><code>?"""
    card = show(["handler-string"]).cards[0]
    html = " ".join(str(getattr(child, "value", "")) for child in card.children)
    assert "<pre><code" in html and "def handle(event, context):" in html


def test_unknown_id_names_the_known_ones():
    """Does asking for an id that is not in the bank list the ids that are?"""
    with pytest.raises(KeyError, match="handler-string"):
        show(["no-such-question"])


def test_record_false_writes_nothing():
    """With record=False (a demo), is nothing written to the log?"""
    card = show(["context-reused"], record=False).cards[0]
    card.answer_input.widget.value = False
    card.submit_button.click()
    assert "Not yet" in card.feedback.value and progress.attempts() == []


def test_state_inspection_sees_feedback_once_submitted():
    """Does the state inspection used above see feedback once it is sent (so its silence means something)?"""
    card = show(["handler-string"]).cards[0]
    card.answer_input.widget.value = 0
    card.submit_button.click()
    assert "Yes, module name then function name." in front_end_state(card)


@pytest.mark.parametrize("question_id", [q.id for q in quiz.load_bank("90-sample", FIXTURES).questions])
def test_keyed_answer_through_the_widgets_is_correct(question_id):
    """Can the keyed answer of each type be given through its widgets (ordering by ↑ clicks) and pass?"""
    from workbook.quiz.selftest import keyed_response

    card = show([question_id]).cards[0]
    result = card.answer(keyed_response(card.question))
    assert result is not None and result.correct
    assert progress.attempts()[-1]["correct"] is True


MARKDOWN_BANK = """\
module: 92-markdown
title: Markdown in options
version: 1
questions:
  - id: radio
    type: single
    prompt: Which call moves the alias?
    tags: [aliases]
    explanation: An alias is a pointer you move.
    options:
      - text: "Call `update_alias` so that **prod** points to version 11"
        correct: true
        feedback: Yes.
      - text: 'Read `event["Records"][0]` <first>'
        correct: false
        feedback: No.
      - text: Delete the alias
        correct: false
        feedback: No.
  - id: boxes
    type: multiple
    prompt: Which statements are true?
    tags: [context]
    explanation: Both come from the context object.
    options:
      - text: "`context.function_version` names the version"
        correct: true
        feedback: Yes.
      - text: "`context.aws_request_id` is the request id"
        correct: true
        feedback: Yes.
      - text: "`logs:*` is least privilege"
        correct: false
        feedback: No.
  - id: pairs
    type: matching
    prompt: Match them.
    tags: [context]
    explanation: Properties of the context.
    pairs:
      - left: the request
        right: "`context.aws_request_id`"
        feedback: The request id.
      - left: the version
        right: "`context.function_version`"
        feedback: The version.
  - id: steps
    type: ordering
    prompt: Put them in order.
    tags: [runtime]
    explanation: Read the setting, then import.
    items: ["Read the handler setting (`_HANDLER`)", "Import the module <app>", "Call **the handler**"]
    feedback: Setting, import, call.
"""


@pytest.fixture
def markdown_bank(tmp_path):
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "92-markdown.yaml").write_text(MARKDOWN_BANK, encoding="utf-8")
    return quiz.show("92-markdown", bank_dir=folder)


def test_option_labels_show_no_markdown_markers(markdown_bank):
    """Radio buttons, checkboxes and drop-downs show plain text: are backticks and ** gone, the words kept?"""
    radio = [label for label, _ in markdown_bank.card("radio").answer_input.widget.options]
    boxes = [box.description for _, box in markdown_bank.card("boxes").answer_input.checkboxes]
    dropdown = next(iter(markdown_bank.card("pairs").answer_input.dropdowns.values()))
    labels = radio + boxes + [label for label, _ in dropdown.options]
    assert "Call update_alias so that prod points to version 11" in radio
    assert 'Read event["Records"][0] <first>' in radio
    assert "logs:* is least privilege" in boxes
    assert "context.aws_request_id" in labels
    assert not any("`" in label or "**" in label for label in labels), labels


def test_answers_are_still_graded_by_the_bank_text(markdown_bank):
    """Do plain labels change only what is shown: is the keyed answer still correct, stored by its text?"""
    from workbook.quiz.selftest import keyed_response

    for card in markdown_bank.cards:
        assert card.answer(keyed_response(card.question)).correct, card.question.id
    stored = {attempt["item_id"]: attempt["response"] for attempt in progress.attempts()}
    assert stored["radio"] == "Call `update_alias` so that **prod** points to version 11"


def test_ordering_items_render_inline_code_and_escape_the_rest(markdown_bank):
    """Do ordering rows show `code` as <code> and **bold** as <b>, with any HTML in the text escaped?"""
    rows = " ".join(label.value for label in markdown_bank.card("steps").answer_input.labels)
    assert "<code>_HANDLER</code>" in rows and "<b>the handler</b>" in rows
    assert "&lt;app&gt;" in rows and "`" not in rows


def test_answer_accepts_an_options_text():
    """Can a card be answered with an option's text (as attempts are stored), not only its index?"""
    card = show(["handler-string"]).card("handler-string")
    result = card.answer(card.question.options[1].text)
    assert result is not None and not result.correct
    assert "Leave out the .py" in card.feedback.value


def test_answer_with_an_unknown_options_text_says_so():
    """Is an option text that is not in the question a one-line InvalidResponse, not a widget error?"""
    card = show(["handler-string"]).card("handler-string")
    with pytest.raises(InvalidResponse, match="no option"):
        card.answer("not an option")


def test_matching_drop_downs_start_on_a_placeholder():
    """Does every matching drop-down show "choose…" (not an empty box) until a right is picked, and
    does picking it again leave that left unanswered?"""
    card = show(["phase-of-step"]).cards[0]
    boxes = card.answer_input.dropdowns
    assert {(box.index, box.label) for box in boxes.values()} == {(0, "choose…")}
    assert card.answer_input.response() == dict.fromkeys(boxes)
    box = boxes["import boto3"]
    box.value = "Init"
    box.index = 0  # the learner picks "choose…" again
    assert (box.label, card.answer_input.response()["import boto3"]) == ("choose…", None)
