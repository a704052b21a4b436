"""sfn: a durable workflow engine for the Amazon States Language, on Redis and RQ.

The public API is re-exported lazily so that `import engine` (and `sfn --help`) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "activity": "engine.activities:activity",
    "ActivityContext": "engine.activities:ActivityContext",
    "load_activities": "engine.activity_loading:load_activities",
    "integration": "engine.activities:integration",
    "TaskFailure": "engine.integrations:TaskFailure",
    "load_definition": "engine.definition:load_definition",
    "validate": "engine.definition:validate",
    "Engine": "engine.runtime.engine:Engine",
    "ExecutionAlreadyExists": "engine.runtime.store:ExecutionAlreadyExists",
    "ExecutionDoesNotExist": "engine.runtime.store:ExecutionDoesNotExist",
}


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


__all__ = sorted(_EXPORTS)
