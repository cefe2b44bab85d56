"""The checks of each lab: one module per lab, ``mNN_slug.py``, found automatically.

How to write a lab's checks (see ``m01_serverless_concepts.py`` for a complete one):

1. Create ``workbook/checks/labs/m02_handlers.py`` with ``lab = Lab("02-handlers", "Lab 02 · …")``.
   The slug must be the notebook's file name (``solutions/02-handlers.solution.ipynb``).
2. Declare each step, in the order the learner does them, with
   ``@lab.step(id, title, hints=[…], solution="…")`` on its check function. Give two or three hints,
   from a nudge to nearly the answer, and the step's code from the solution notebook as ``solution``
   (it must parse as Python; a test checks that).
   ``exercise=False`` marks a step the notebook does for the learner: shown, but not scored.
3. A check function takes ``aws`` (a :class:`workbook.checks.Aws`) and, when the step asks the learner for
   a value, that value as an argument with default None (``def report(aws, report=None)``). It

   - raises ``NotAttempted("…")`` when there is nothing to check yet (``aws.function(name)`` and
     ``aws.role(name)`` already do when the resource is missing; a None value should too);
   - raises ``Failed("…")`` with what is wrong and what was expected, in the learner's terms
     ("your handler returned None; the event asked for …");
   - returns a short success message (or None).

   Anything else it raises becomes a "could not check" row; the learner never sees a traceback.
   Use boto3 only (``aws.client("dynamodb")``, ``aws.invoke(name, event)``, ``aws.reports(name)``,
   ``aws.function_log_lines(name)``, ``aws.role_policies(name)``), never moto or the runtime directly.
   Follow STYLE_GUIDE.md's "How to write a fair check": private inputs from ``aws.fresh``, roles through
   ``aws.least_privilege_role``, functions through ``aws.expect_role`` and ``aws.expect_configuration``,
   the context changed with ``aws.configured``; declare ``answers=`` (the notebook variables the step asks
   for) and ``watches=`` (the resources its result depends on) so that ``python -m workbook grade`` can check
   the step outside the kernel, after the cells that matter.
4. In the solution notebook, put a check cell after each task:
   ``checks.step("02-handlers", "deploy").check()`` (or ``.check(value)``), and ``checks.run("02-handlers")``
   at the end. Starter lines must leave every name the later cells use defined (``# STARTER: report = None``)
   so the generated lab runs top to bottom and its checks say "not done yet".
5. Tests: one failing (or not-attempted) and one passing case per check in
   ``tests/functional/test_checks_mNN.py``; whole graded submissions in ``tests/functional/grading/`` (each kind
   of wrong work fails its step, two differently written right solutions get full marks); the grade tests
   already cover "every solution grades 100%, every generated lab runs and grades 0%".
"""
