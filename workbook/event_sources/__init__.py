"""What calls Lambda: the pollers behind event source mappings (SQS, Kinesis, DynamoDB Streams).

:func:`attach` runs when a runtime starts (:func:`workbook.lambda_runtime.install`): from then on
``CreateEventSourceMapping`` starts a poller that reads the source and invokes the function with
batches, as Lambda does (:mod:`.mappings`). The runtime's ``reset``, ``settle`` and ``close`` reach
the pollers through ``runtime.services``.

Example::

    from workbook import sandbox
    sb = sandbox.start()            # attaches the pollers to the sandbox's runtime
    ...
    sb.settle()                     # waits for batches in flight and messages still to poll
"""

from __future__ import annotations

__all__ = ["attach"]


def attach(runtime):
    """Start the mapping pollers of ``runtime`` (idempotent); returns their ``MappingManager``."""
    from .mappings import MappingManager  # imported here: the pure modules (patterns, filters …) stay light

    for service in runtime.services:
        if isinstance(service, MappingManager):
            return service
    manager = MappingManager(runtime)
    runtime.services.append(manager)
    return manager
