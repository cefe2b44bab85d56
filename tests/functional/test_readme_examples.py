"""Do the README's code examples run as printed?"""

import re

from tests.functional.pyrun import ROOT, hermetic_env, run_python


def _python_blocks(heading: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_moto_example_runs_a_handler_without_docker():
    """Does the "own moto tests" example run its handler for real (its assert passes) with plain moto?"""
    [example] = _python_blocks("Run handlers for real in your own moto tests")
    env = hermetic_env(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    run_python(example, env=env)
