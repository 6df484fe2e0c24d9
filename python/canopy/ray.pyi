from typing import Any, Mapping, Optional, Union

from . import PathLike, Sweep

def sweep(
    sweep: Union[PathLike, Mapping[str, Any]],
    shards: Optional[int] = ...,
    *,
    runs: Optional[int] = ...,
    seed: Optional[int] = ...,
    set: Optional[Mapping[str, Any]] = ...,
    jobs: int = ...,
    out: Optional[PathLike] = ...,
    report: bool = ...,
    fail_fast: bool = ...,
    progress: bool = ...,
) -> Sweep: ...
