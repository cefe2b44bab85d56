"""Does the README's front doors example run as printed, against a sandbox with a function called hello?"""

import re
from pathlib import Path

from .lambda_helpers import create_function

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_front_doors_example_runs(sb):
    """Does the example in "Front doors: function URLs and APIs" call both front doors successfully?"""
    section = README.read_text(encoding="utf-8").split("## Front doors: function URLs and APIs\n", 1)[1]
    [example] = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.DOTALL)
    created = create_function(sb, "hello", "def handler(event, context):\n    return 'hi'\n")
    function_arn = created["FunctionArn"]
    namespace = {"sb": sb, "lam": sb.client("lambda"), "function_arn": function_arn}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 (the README's own example)
    assert namespace["url"].startswith("http://127.0.0.1:")
    assert namespace["front_doors"].routes(namespace["api"]["ApiId"])[0].startswith("Mounting hello at http://")
