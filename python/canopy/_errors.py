"""The exceptions of the canopy package."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class ScenarioError(ValueError):
    """A scenario or sweep that cannot be read or is not valid.

    ``str()`` holds every problem line exactly as the command line prints
    them; ``problems`` lists them as dicts with ``file``, ``line``,
    ``column`` (None where unknown), ``key`` (None when the problem is not
    about one key), ``message``, and ``at``: the argument that gave the
    value (``set={"aegis.initial_usdc": -1}``, ``months=0``) or, for a sweep
    given as a dict, the dict path (``sweep["axis"][0]["values"]``); None
    for a problem at a line of a file.
    """

    problems: List[Dict[str, Any]]

    def __init__(self, message: str, problems: List[Dict[str, Any]]) -> None:
        super().__init__(message)
        self.problems = problems

    def __reduce__(self) -> Any:
        # Pickled (a process pool's worker) and copied with its problems.
        return (type(self), (str(self), self.problems), self.__dict__ or None)


class RunError(RuntimeError):
    """A run that stopped on a numeric failure.

    ``month`` is the month that failed, ``quantity`` what failed,
    ``message`` the numbers behind it, and ``metrics`` the months before it
    (a ``pyarrow.Table`` with the columns of ``Run.metrics``). A sweep's run
    that failed under ``fail_fast`` gives no ``metrics`` (None) but its
    ``point``, ``run``, ``seed`` and the ``command`` that reproduces it
    (None for a single run); ``month`` is None for a run that is invalid.
    """

    month: Optional[int]
    quantity: str
    message: str
    metrics: Optional[Any]
    point: Optional[int]
    run: Optional[int]
    seed: Optional[int]
    command: Optional[str]

    def __init__(
        self,
        text: str,
        month: Optional[int],
        quantity: str,
        message: str,
        metrics: Any,
        *,
        point: Optional[int] = None,
        run: Optional[int] = None,
        seed: Optional[int] = None,
        command: Optional[str] = None,
    ) -> None:
        super().__init__(text)
        self.month = month
        self.quantity = quantity
        self.message = message
        self.metrics = metrics
        self.point = point
        self.run = run
        self.seed = seed
        self.command = command

    def __reduce__(self) -> Any:
        # Pickled (a process pool's worker) and copied with every attribute.
        return (
            type(self),
            (str(self), self.month, self.quantity, self.message, self.metrics),
            self.__dict__,
        )


# Shown as the package's (`canopy.ScenarioError`), where users import them
# from; pickles find them there too.
for _class in (ScenarioError, RunError):
    _class.__module__ = "canopy"
del _class
