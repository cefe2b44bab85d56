"""Layers: a layer's python/ folder is importable from the handler."""

import io
import zipfile

from .lambda_helpers import create_function, create_role, invoke, make_zip


def test_layer_python_folder_is_on_sys_path(sb):
    """Can a handler import a module shipped in a layer's python/ folder?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/greetings.py", "def greet(name):\n    return f'hello {name}'\n")
    layer = sb.client("lambda").publish_layer_version(
        LayerName="greetings", Content={"ZipFile": buffer.getvalue()}, CompatibleRuntimes=["python3.12"]
    )
    create_function(
        sb,
        "layered",
        "from greetings import greet\ndef handler(event, context):\n    return greet('layer')\n",
        Layers=[layer["LayerVersionArn"]],
    )
    assert invoke(sb, "layered")["Payload"] == "hello layer"


def _layer(sb, name: str, files: dict[str, str]) -> str:
    first, *rest = files.items()
    package = make_zip(first[1], first[0], extra=dict(rest))
    layer = sb.client("lambda").publish_layer_version(LayerName=name, Content={"ZipFile": package})
    return layer["LayerVersionArn"]


SHOW = """
import sys
import shared, only_first, deep

def handler(event, context):
    return {"shared": shared.WHO, "only_first": only_first.WHO, "deep": deep.WHO,
            "path": [p for p in sys.path if p.endswith(("python", "site-packages")) and "layers" in p]}
"""


def test_a_later_layer_wins_and_both_layer_folders_are_on_sys_path(sb):
    """Are layers merged in the order listed (a later layer's file wins), site-packages before python/?"""
    first = _layer(sb, "first", {"python/shared.py": "WHO = 'first'", "python/only_first.py": "WHO = 'one'"})

    site = "python/lib/python3.12/site-packages"  # the function's runtime, whatever Python runs it
    second = _layer(sb, "second", {"python/shared.py": "WHO = 'second'", f"{site}/deep.py": "WHO = 'site'"})
    create_function(sb, "merged", SHOW, Layers=[first, second])
    out = invoke(sb, "merged")["Payload"]
    assert (out["shared"], out["only_first"], out["deep"]) == ("second", "one", "site")
    assert [p.rsplit("/", 1)[-1] for p in out["path"]] == ["site-packages", "python"]
    create_function(sb, "reversed", SHOW, Layers=[second, first])
    assert invoke(sb, "reversed")["Payload"]["shared"] == "first"


def test_the_function_code_wins_over_a_layer_module_of_the_same_name(sb):
    """Does the function's own module shadow a layer's module of the same name (task root comes first)?"""
    layer = _layer(sb, "util", {"python/util.py": "WHO = 'layer'"})
    sb.client("lambda").create_function(
        FunctionName="own", Runtime="python3.12", Role=create_role(sb), Handler="handler.handler",
        Layers=[layer], Code={"ZipFile": make_zip("import util\ndef handler(e, c):\n    return util.WHO\n",
                                                  extra={"util.py": "WHO = 'function'"})})
    assert invoke(sb, "own")["Payload"] == "function"
