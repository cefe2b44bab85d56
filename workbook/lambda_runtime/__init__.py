"""The local Lambda data plane (being built): runs learners' handlers in worker processes."""


class _NoRuntime:
    """Placeholder until the runtime lands: invoke is moto's own behaviour."""

    def reset(self) -> None:
        pass

    def settle(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        pass


def install(endpoint_url: str, region: str):
    return _NoRuntime()
