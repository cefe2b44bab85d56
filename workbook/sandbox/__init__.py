"""The local AWS account every notebook starts with.

Example::

    from workbook import sandbox
    sb = sandbox.start()
    lam = sb.client("lambda")
"""

from .core import DEFAULT_REGION, Sandbox, SandboxError, current, start

__all__ = ["DEFAULT_REGION", "Sandbox", "SandboxError", "current", "start"]
