"""Property: for random kill points in a 3-Task workflow, every activity whose result was
committed ran once.

Hypothesis picks up to two kill points (a step; whether the worker is SIGKILLed while the
activity runs, as it returns (before or after its commit, by a random few milliseconds), or
after its result was committed; a random delay). A real `sfn worker` is killed at each and a new
one started; the execution must end as if undisturbed, no step may start after its commit (a
step committed before a kill is never started by the workers that come after it), and only
killed processes ran a step twice.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from support.crash import (
    ACTIVITIES,
    FAST,
    chain,
    chain_output,
    check_ledger,
    committed_at,
    kill_tree,
    output_of,
    read_ledger,
    starts,
)
from support.waiting import wait_for_file, wait_until
from support.workers import WorkerProcess, descendants, start_worker

from engine.runtime.engine import Engine

STEPS = ("Charge", "Reserve", "Ship")
PHASES = ("running", "returning", "committed")
BOUND = 45
KILL_POINT = st.tuples(st.integers(0, len(STEPS) - 1), st.sampled_from(PHASES), st.floats(0, 0.03))
KILL_POINTS = st.lists(KILL_POINT, min_size=1, max_size=2, unique_by=lambda point: point[0])


def new_worker(redis_url: str, folder: Path) -> WorkerProcess:
    return start_worker(redis_url, folder / "logs", activities=[ACTIVITIES], env=FAST).wait_ready()


def reach(engine: Engine, execution: str, gate: Path, point: tuple[int, str, float]) -> None:
    """Let the steps before the point's step finish, then wait for its kill moment."""
    index, phase, delay = point
    for name in STEPS[:index]:
        (gate / f"{name}.go").write_text("go")
    name = STEPS[index]
    wait_for_file(gate / f"{name}.running", timeout=BOUND)
    if phase != "running":
        (gate / f"{name}.go").write_text("go")
    if phase == "committed":
        wait_until(
            lambda: committed_at(engine.history(execution), name) is not None,
            timeout=BOUND,
            what=f"{name}'s commit",
        )
    time.sleep(delay)  # a random instant around the point, not a synchronisation


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # each example runs real processes: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(points=KILL_POINTS.map(sorted))
def test_a_committed_activity_never_runs_again_whatever_the_kill_points(
    redis_server, tmp_path_factory, points
) -> None:
    redis_server.start()
    redis_server.client().flushall()
    folder = tmp_path_factory.mktemp("kills")
    ledger, gate = folder / "ledger", folder / "gate"
    gate.mkdir()
    engine = Engine(redis_server.url)
    given = {"ledger": str(ledger)}
    definition = chain(STEPS, **{name: {"gate": str(gate)} for name in STEPS})
    worker = new_worker(redis_server.url, folder)
    try:
        execution = engine.start_execution(definition, given, check_resources=False)
        killed: set[int] = set()
        committed_before: dict[str, float] = {}  # step -> the first kill after its commit
        for point in points:
            reach(engine, execution, gate, point)
            killed |= descendants(worker.pid)
            kill_tree(worker.pid)
            worker.process.wait(timeout=BOUND)
            history, killed_at = engine.history(execution), time.time()
            for name in STEPS:
                if committed_at(history, name) is not None:
                    committed_before.setdefault(name, killed_at)
            worker = new_worker(redis_server.url, folder)
        for name in STEPS:
            (gate / f"{name}.go").write_text("go")
        described = engine.wait(execution, timeout=BOUND)
    finally:
        worker.kill()
    assert described["status"] == "SUCCEEDED", described
    assert output_of(described) == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    check_ledger(entries, engine.history(execution), killed)
    for name, killed_at in committed_before.items():
        again = [run for run in starts(entries, name) if run.at >= killed_at]
        assert not again, f"{name} ran again after its commit and a kill: {entries}"
