import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

import pyarrow as pa

from ._errors import RunError as RunError
from ._errors import ScenarioError as ScenarioError

__all__ = [
    "RunError",
    "Run",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "builtin_scenarios",
    "load",
    "loads",
    "run",
    "sweep",
]

__version__: str

PathLike = Union[str, os.PathLike[str]]

def builtin_scenarios() -> List[str]: ...

class Scenario:
    # Made by load() and loads(), not by users.
    def __init__(self, native: Any) -> None: ...
    @property
    def name(self) -> str: ...
    def to_toml(self) -> str: ...
    def get(self, key: str) -> Any: ...

def load(
    scenario: Union[PathLike, Scenario],
    *,
    set: Optional[Mapping[str, Any]] = ...,
    months: Optional[int] = ...,
) -> Scenario: ...
def loads(
    text: str,
    *,
    set: Optional[Mapping[str, Any]] = ...,
    months: Optional[int] = ...,
    name: str = ...,
) -> Scenario: ...

class Run:
    # Made by run(), not by users.
    def __init__(self, native: Any) -> None: ...
    @property
    def metrics(self) -> pa.Table: ...
    @property
    def deals(self) -> pa.Table: ...
    @property
    def scorecard(self) -> pa.Table: ...
    @property
    def events(self) -> List[Dict[str, Any]]: ...
    @property
    def summary(self) -> Dict[str, Any]: ...
    def to_pandas(self) -> Any: ...
    def write(self, out: PathLike, *, charts: bool = ..., scorecard: bool = ...) -> None: ...

def run(
    scenario: Union[PathLike, Scenario] = ...,
    *,
    set: Optional[Mapping[str, Any]] = ...,
    months: Optional[int] = ...,
) -> Run: ...

class Sweep:
    runs: pa.Table
    months: Optional[pa.Table]
    bands: Optional[pa.Table]
    points: pa.Table
    failures: pa.Table
    # Made by sweep() and canopy.ray.sweep(), not by users.
    def __init__(self, native: Any, keep: Any = ...) -> None: ...
    def write(self, out: PathLike, *, report: bool = ...) -> None: ...

def sweep(
    sweep: Union[PathLike, Mapping[str, Any]],
    *,
    runs: Optional[int] = ...,
    seed: Optional[int] = ...,
    set: Optional[Mapping[str, Any]] = ...,
    jobs: Optional[int] = ...,
    progress: bool = ...,
    out: Optional[PathLike] = ...,
    report: bool = ...,
    fail_fast: bool = ...,
) -> Sweep: ...
