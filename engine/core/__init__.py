"""The interpreter: `advance(machine, snapshot, trigger, env) -> Step`, pure and deterministic."""

from engine.core.interpreter import advance
from engine.core.run import Step

__all__ = ["Step", "advance"]
