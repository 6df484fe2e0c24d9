"""The exceptions of the canopy package."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class ScenarioError(ValueError):
    """A scenario or sweep that cannot be read or is not valid.

    ``str()`` holds every problem line exactly as the command line prints
    them; ``problems`` lists them as dicts with ``file``, ``line``,
    ``column`` (None where unknown), ``key`` (None when the problem is not
    about one key) and ``message``.
    """

    problems: List[Dict[str, Any]]

    def __init__(self, message: str, problems: List[Dict[str, Any]]) -> None:
        super().__init__(message)
        self.problems = problems


class RunError(RuntimeError):
    """A run that stopped on a numeric failure.

    ``month`` is the month that failed, ``quantity`` what failed,
    ``message`` the numbers behind it, and ``metrics`` the months before it
    (a ``pyarrow.Table`` with the columns of ``Run.metrics``).
    """

    month: int
    quantity: str
    message: str
    metrics: Optional[Any]

    def __init__(self, text: str, month: int, quantity: str, message: str, metrics: Any) -> None:
        super().__init__(text)
        self.month = month
        self.quantity = quantity
        self.message = message
        self.metrics = metrics
