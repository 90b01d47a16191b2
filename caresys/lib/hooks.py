"""Functions that apps above a lower one register with it, so that the lower app calls them
without importing the apps above (the layer contract): the registry's scrubbers, scope grants
and calendar listeners, visits' providers of due and done items."""

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

Hook = TypeVar("Hook")


class Hooks(Generic[Hook]):
    """The functions registered, in order, each once however often AppConfig.ready() runs."""

    def __init__(self) -> None:
        self._hooks: list[Hook] = []

    def register(self, hook: Hook) -> Hook:
        if hook not in self._hooks:
            self._hooks.append(hook)
        return hook

    def __iter__(self) -> Iterator[Hook]:
        return iter(self._hooks)

    def call(self, *args: Any) -> None:
        """Call every hook with the same arguments, in the order they were registered."""
        for hook in self._hooks:
            hook(*args)
