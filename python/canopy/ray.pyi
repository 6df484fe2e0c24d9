from typing import Any, Mapping, Optional, Sequence, Union

from . import PathLike, Sweep

def sweep(
    sweep: Union[PathLike, Mapping[str, Any]],
    shards: Optional[int] = ...,
    *,
    runs: Optional[int] = ...,
    seed: Optional[int] = ...,
    set: Optional[Mapping[str, Any]] = ...,
    criteria: Optional[Sequence[str]] = ...,
    jobs: int = ...,
    out: Optional[PathLike] = ...,
    report: bool = ...,
    fail_fast: bool = ...,
    progress: bool = ...,
) -> Sweep: ...
