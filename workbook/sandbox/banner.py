"""The short notice a notebook shows when its sandbox starts."""

from __future__ import annotations


def in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def show(endpoint_url: str, account_id: str, region: str) -> None:
    if not in_notebook():
        return
    from IPython.display import Markdown, display

    display(
        Markdown(
            f"**Local AWS sandbox ready** · endpoint `{endpoint_url}` · account `{account_id}` · "
            f"region `{region}` · fake credentials, nothing leaves this machine."
        )
    )
