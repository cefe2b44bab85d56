"""Instructors: run lab notebooks headless and grade their steps, outside the learners' kernels.

How one notebook is graded:

1. This process owns the sandbox. The notebook runs top to bottom in a fresh kernel *attached* to it
   (``sandbox.start()`` in the notebook attaches instead of starting a sandbox of its own), so that nothing
   the notebook does in its kernel can change the grade: the checks run here, through boto3, with private
   inputs that never reach the kernel. The notebook's own check cells skip their self-check (it would only
   repeat this work) and just keep the answers they are given.
2. After each cell that changed the sandbox (a request that writes) or an answer a step asks for (``log``,
   ``report``, …, read from the kernel as data), the checks of the steps not passed yet run again. A step
   counts as done if its check passed at any point; the report says after which cell. So tidying up at the
   end (deleting the function, ``sb.stop()``) keeps the credit.
3. The notebook may change the sandbox's settings (``sb.time_scale``, ``sb.cpu``), and its later cells keep
   what it set. The checks run at the grader's time scale (as it was when grading began; a check may choose
   its own within), so that a notebook cannot slow them down, and the notebook's is put back after each;
   they keep the notebook's CPU mode, the one its answers were measured with. When the notebook ends, the
   grader's settings are restored, so the next notebook starts as this one did.
4. Cell errors do not stop the run. A cell that runs longer than the timeout is interrupted and reported as
   "cell N timed out after S s"; a kernel that dies ends the run, and the steps done before keep their credit.

Command line::

    python -m workbook grade submissions/01-serverless-concepts-ada.ipynb labs/02-handlers.lab.ipynb
    python -m workbook grade --csv grades.csv submissions/*.ipynb

Prints one JSON document (a list, one entry per notebook) on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync

from . import GRADED_VARIABLE, answers, registry
from .model import Lab, Outcome, Status

CSV_COLUMNS = ("notebook", "module", "step", "title", "status", "passed", "exercise", "cell", "feedback")
ANSWERS_TIMEOUT = 15  # seconds the kernel has to hand over the answers after a cell
INTERRUPTED_TIMEOUT = 5  # the same after a cell was interrupted: a kernel that obeyed answers at once


def not_graded(notebook: str | Path, module: str | None, error: str | None = None) -> dict:
    """A notebook's result before (or instead of) grading: no steps, score 0, and why when ``error``."""
    return {"notebook": str(notebook), "module": module, "score": 0.0, "passed": 0, "total": 0,
            "steps": [], "cell_errors": [], "stopped": None, "error": error}  # fmt: skip


def grade_notebook(path: str | Path, *, module: str | None = None, timeout: int = 120) -> dict:
    """Execute the notebook at ``path`` in a fresh kernel and grade its lab's steps as it runs.

    Returns ``{"notebook", "module", "score", "passed", "total", "steps", "cell_errors", "stopped",
    "error"}``; each step has ``status``, ``feedback`` and ``cell`` (after which cell it passed, or was last
    checked). ``error`` is None when the notebook could be graded; ``stopped`` says why the run ended early.

    Example::

        grade_notebook("solutions/01-serverless-concepts.solution.ipynb")["score"]   # 1.0
    """
    import nbformat

    path = Path(path)
    result = not_graded(path, module)
    lab = registry.get_lab(module) if module else registry.lab_for_file(path.stem)
    if lab is None:
        result["error"] = f"cannot tell which lab {path.name} is; name it NN-slug.ipynb or pass --module"
        return result
    result["module"] = lab.module
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:
        result["error"] = f"cannot read the notebook: {exc}"
        return result

    sb = _own_sandbox()
    sb.reset()
    run = GradedRun(notebook, lab, sb, timeout=timeout, folder=path.parent.resolve())
    try:
        run.execute()
    except Exception as exc:
        result["error"] = f"the notebook could not be run: {exc.__class__.__name__}: {exc}"
    result.update(run.result())
    return result


def _own_sandbox():
    """This process's sandbox (started if need be): the one the notebooks' kernels attach to."""
    from workbook import sandbox
    from workbook.sandbox.attach import AttachedSandbox

    sb = sandbox.start()
    if isinstance(sb, AttachedSandbox):
        raise RuntimeError("grading needs a sandbox of its own: run it in a terminal, not in a graded kernel")
    return sb


class Credit:
    """What a run has earned so far: for each step the first passing outcome (and its cell), else the last."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self.outcomes: dict[str, tuple[Outcome, int | None]] = {}

    def passed(self, step_id: str) -> bool:
        found = self.outcomes.get(step_id)
        return found is not None and found[0].passed

    def checked(self, step_id: str) -> bool:
        return step_id in self.outcomes

    def record(self, outcome: Outcome, cell: int | None) -> None:
        if not self.passed(outcome.step):
            self.outcomes[outcome.step] = (outcome, cell)

    def steps(self) -> list[dict]:
        rows = []
        for step in self.lab.steps:
            untouched = (step.outcome(Status.NOT_ATTEMPTED, "not done yet"), None)
            outcome, cell = self.outcomes.get(step.id, untouched)
            rows.append({**outcome.to_dict(), "cell": cell})
        return rows


class Settings:
    """The sandbox settings a notebook may change: time scale and CPU mode, kept as grading began.

    Checks run at the kept time scale (:meth:`kept_for_checks`); the CPU mode stays the notebook's, since a
    check that measures a function compares its measurements with answers the notebook measured.
    """

    FOR_CHECKS = ("time_scale",)

    def __init__(self, sb):
        self.sb = sb
        self.kept = self.now()

    def now(self) -> dict:
        return {"time_scale": self.sb.time_scale, "cpu": self.sb.cpu}

    def apply(self, settings: dict) -> None:
        for name, value in settings.items():
            if getattr(self.sb, name) != value:
                setattr(self.sb, name, value)

    @contextlib.contextmanager
    def kept_for_checks(self):
        """Run the block at the time scale kept when grading began; then put back the notebook's."""
        notebook = {name: getattr(self.sb, name) for name in self.FOR_CHECKS}
        self.apply({name: self.kept[name] for name in self.FOR_CHECKS})
        try:
            yield
        finally:
            self.apply(notebook)


class Checker:
    """Runs a lab's checks in this process after the cells that may have changed something."""

    def __init__(self, lab: Lab, sb, settings: Settings | None = None):
        from .context import Aws

        self.lab, self.sb = lab, sb
        self.settings = settings or Settings(sb)
        self.aws = Aws(endpoint_url=sb.endpoint_url, region=sb.region)
        self.credit = Credit(lab)
        self.names = sorted({name for step in lab.steps for name in step.answers})
        self._seen = sb.changes.snapshot()
        self._fingerprints = {step.id: _fingerprint(step, None) for step in lab.steps}
        self._watched: dict[str, str] = {}  # step -> fingerprint of its watched resources when last checked
        self._answers: dict | None = None

    def after_cell(self, cell: int, answers_json: str | None, answered_at: float) -> None:
        """Check every step not passed yet whose inputs changed in ``cell`` (a write, or its answers)."""
        if answers_json is not None:
            try:
                self._answers = json.loads(answers_json)
            except ValueError:
                pass
        wrote = self.sb.changes.snapshot()["write"] > self._seen["write"]
        states: dict[tuple, str] = {}  # the watched resources, described once per cell
        for step in self.lab.steps:
            if self.credit.passed(step.id):
                continue
            fingerprint = _fingerprint(step, self._answers)
            if fingerprint == self._fingerprints[step.id]:
                if not wrote:
                    continue
                if step.watches:
                    if step.watches not in states:
                        states[step.watches] = self.aws.fingerprint(step.watches)
                    if states[step.watches] == self._watched.get(step.id):
                        continue  # what it looks at is as it was when it last failed
            self._fingerprints[step.id] = fingerprint
            if step.watches:
                if step.watches not in states:
                    states[step.watches] = self.aws.fingerprint(step.watches)
                self._watched[step.id] = states[step.watches]
            self._check(step, cell, answered_at)
        self._seen = self.sb.changes.snapshot()

    def finish(self, cell: int | None) -> None:
        """Check the steps nothing triggered during the run, once, as the sandbox is now."""
        for step in self.lab.steps:
            if not self.credit.checked(step.id):
                self._check(step, cell, time.monotonic())

    def _check(self, step, cell: int | None, answered_at: float) -> None:
        outcome = None
        for raw_args, raw_named in _candidates(step, self._answers):
            try:
                args = [answers.value(v) for v in raw_args]
                named = {key: answers.value(v) for key, v in raw_named.items()}
            except Exception as exc:  # an answer that cannot be decoded is "could not check", not a crash
                outcome = step.outcome(Status.ERROR, f"could not read the answer: {exc.__class__.__name__}")
                continue
            try:
                with self.settings.kept_for_checks():
                    outcome = step.run(self.aws, *args, answered_at=answered_at, **named)
            finally:
                for value in [*args, *named.values()]:
                    if isinstance(value, answers.RemoteFunction):
                        value.close()
            if outcome.passed:
                break
        self.credit.record(outcome, cell)


def _candidates(step, answers: dict | None) -> list[tuple[list, dict]]:
    """The answers to try for ``step``: what was last passed to its .check(...), then its named variables."""
    if not step.answers:
        return [([], {})]
    found = []
    passed = (answers or {}).get("passed", {}).get(step.id)
    if passed:
        found.append((list(passed[0]), dict(passed[1])))
    named = (answers or {}).get("named", {})
    values = [named.get(name) for name in step.answers]
    if any(value is not None for value in values):
        found.append((values, {}))
    unique = list({json.dumps(c, sort_keys=True): c for c in found}.values())
    return unique or [([], {})]


def _fingerprint(step, answers: dict | None) -> str:
    return json.dumps(_candidates(step, answers), sort_keys=True)


class GradedRun:
    """One notebook executed cell by cell in a kernel attached to ``sb``, with its lab checked as it goes."""

    def __init__(self, notebook, lab: Lab, sb, *, timeout: int, folder: Path):
        self.notebook, self.lab, self.sb, self.timeout, self.folder = notebook, lab, sb, timeout, folder
        self.checker: Checker | None = None
        self.timed_out: set[int] = set()
        self.stopped: str | None = None
        self.last_cell: int | None = None

    def execute(self) -> None:
        settings = Settings(self.sb)
        try:
            with tempfile.TemporaryDirectory(prefix="workbook-grade-") as scratch:
                # The kernel's check cells only hand over answers (GRADED_VARIABLE); whatever else the
                # notebook records in a progress log stays out of the instructor's.
                env = {**os.environ, "WORKBOOK_HOME": scratch, GRADED_VARIABLE: "1", **self.sb.share()}
                self.checker = Checker(self.lab, self.sb, settings)
                run_sync(self._run)(env)
        finally:
            settings.apply(settings.kept)  # the next notebook starts at the grader's settings

    async def _run(self, env: dict) -> None:
        client = GradingClient(
            self,
            self.notebook,
            timeout=self.timeout,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            resources={"metadata": {"path": str(self.folder)}},
            # the reply of an interrupted cell is not awaited: a kernel that ignores it ends the run
            error_on_timeout={"ename": "CellTimeoutError", "evalue": "", "traceback": []},
        )
        async with client.async_setup_kernel(env=env):
            await client.async_wait_for_reply(await _maybe_async(client.kc.kernel_info()))
            executed = 0
            for index, cell in enumerate(self.notebook.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                number = index + 1
                self.last_cell = number
                client.current_cell = number
                executed += 1
                try:
                    await client.async_execute_cell(cell, index, execution_count=executed)
                except DeadKernelError:
                    self.stopped = (
                        f"the kernel died while running cell {number}; the cells after it did not run"
                    )
                    await asyncio.to_thread(self.checker.after_cell, number, None, time.monotonic())
                    break
                answered_at = time.monotonic()
                interrupted = number in self.timed_out
                replied, found = await self._answers(client, INTERRUPTED_TIMEOUT if interrupted else ANSWERS_TIMEOUT)
                if interrupted and not replied:
                    self.stopped = (
                        f"cell {number} timed out after {self.timeout} s and did not stop when interrupted; "
                        "the cells after it did not run"
                    )
                    client.shutdown_kernel = "immediate"  # it would not hear a polite shutdown request either
                    await asyncio.to_thread(self.checker.after_cell, number, None, answered_at)
                    break
                await asyncio.to_thread(self.checker.after_cell, number, found, answered_at)
        await asyncio.to_thread(self.checker.finish, self.last_cell)

    async def _answers(self, client, within: float) -> tuple[bool, str | None]:
        """(did the kernel reply, the answers the lab's steps ask for as JSON or None)."""
        expressions = {}
        if self.checker.names:  # some step asks for a value; else the reply only says that the kernel is idle
            expressions["a"] = (
                "__import__('workbook.checks.answers', fromlist=['export'])"
                f".export(globals(), {self.checker.names!r}, {self.lab.module!r})"
            )
        try:
            msg_id = await _maybe_async(
                client.kc.execute("", silent=True, store_history=False, user_expressions=expressions)
            )
            reply = await asyncio.wait_for(client.async_wait_for_reply(msg_id), within)
        except Exception:
            return False, None
        if reply is None:
            return False, None
        found = (reply.get("content", {}).get("user_expressions") or {}).get("a") or {}
        if found.get("status") != "ok":
            return True, None
        try:
            text = ast.literal_eval(found["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError, TypeError):
            return True, None
        return True, text if isinstance(text, str) else None

    def result(self) -> dict:
        steps = self.checker.credit.steps() if self.checker else []
        counted = [s for s in steps if s["exercise"]]
        passed = sum(s["passed"] for s in counted)
        return {
            "score": round(passed / len(counted), 4) if counted else 0.0,
            "passed": passed,
            "total": len(counted),
            "steps": steps,
            "cell_errors": self._cell_errors(),
            "stopped": self.stopped,
        }

    def _cell_errors(self) -> list[dict]:
        errors = []
        for number, cell in enumerate(self.notebook.cells, start=1):
            if number in self.timed_out:
                errors.append({"cell": number, "error": f"cell {number} timed out after {self.timeout} s"})
                continue
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if output.get("output_type") == "error":
                    errors.append({"cell": number, "error": f"{output.get('ename')}: {output.get('evalue')}"})
        if self.stopped and "died" in self.stopped:
            died = f"the kernel died while running cell {self.last_cell}"
            errors.append({"cell": self.last_cell, "error": died})
        return errors


async def _maybe_async(value):
    return await value if asyncio.iscoroutine(value) else value


class GradingClient(NotebookClient):
    """nbclient's client, noting which cells ran into the timeout."""

    start_attempts = 3

    async def async_start_new_kernel(self, **kwargs):
        self._start_kwargs = kwargs
        await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        """Start the client; a kernel that died before its first reply is replaced. Kernels started side
        by side (a class graded at once, a parallel test run) can race for the same free TCP port."""
        for attempt in range(1, self.start_attempts + 1):
            try:
                return await super().async_start_new_kernel_client()
            except RuntimeError:
                if attempt == self.start_attempts:
                    raise
                self.km = self.create_kernel_manager()  # nbclient dropped the dead kernel's manager
                await self.async_start_new_kernel(**self._start_kwargs)

    def __init__(self, run: GradedRun, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.run, self.current_cell = run, None

    async def _async_handle_timeout(self, timeout, cell=None):
        if self.current_cell is not None:
            self.run.timed_out.add(self.current_cell)
        return await super()._async_handle_timeout(timeout, cell)


def write_csv(results: list[dict], target: str | Path) -> None:
    """One row per notebook and step (a notebook that could not be graded gets one row with its error)."""
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for result in results:
            where = {"notebook": result["notebook"], "module": result["module"]}
            if not result["steps"]:
                not_graded = {"status": "not graded", "passed": False, "feedback": result["error"]}
                writer.writerow({**where, **not_graded})
            for step in result["steps"]:
                writer.writerow({**{key: step.get(key) for key in CSV_COLUMNS}, **where})


def main(argv: list[str] | None = None) -> int:
    """Grade each notebook named in ``argv``; 0 when every one could be graded, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m workbook grade",
        description="Execute lab notebooks in fresh kernels and grade their steps (JSON on stdout).",
    )
    parser.add_argument(
        "notebooks", nargs="+", type=Path, help="lab notebooks, e.g. labs/02-handlers.lab.ipynb"
    )
    parser.add_argument("--csv", type=Path, help="also write one row per step to this CSV file")
    parser.add_argument("--module", help="grade as this lab (default: from each file name, e.g. 02-handlers)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell before it is interrupted")
    args = parser.parse_args(argv)

    if args.module:
        try:
            registry.get_lab(args.module)
        except registry.UnknownLab as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    results = []
    for notebook in args.notebooks:
        print(f"grading {notebook} …", file=sys.stderr, flush=True)
        if not notebook.is_file():
            result = not_graded(notebook, args.module, "no such file")
        else:
            result = grade_notebook(notebook, module=args.module, timeout=args.timeout)
        summary = result["error"] or f"{result['passed']}/{result['total']} steps pass"
        if result.get("stopped"):
            summary += f" ({result['stopped']})"
        print(f"  {summary}", file=sys.stderr, flush=True)
        results.append(result)

    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.csv:
        write_csv(results, args.csv)
        print(f"wrote {args.csv}", file=sys.stderr)
    return 0 if all(r["error"] is None for r in results) else 1
