"""The figures bench.sfn_child derives from histories."""

from bench.sfn_child import rate_after, task_latencies


def test_rate_after_counts_only_tasks_that_ended_after_the_moment() -> None:
    assert rate_after(2.5, [1.0, 2.0, 3.0, 4.0, 5.0]) == 3 / (5.0 - 2.5)


def test_rate_after_is_unknown_without_two_later_tasks() -> None:
    assert rate_after(4.5, [1.0, 5.0]) is None
    assert rate_after(9.0, [1.0, 5.0]) is None


def test_task_latencies_pair_each_scheduled_task_with_its_success() -> None:
    history = [
        {"type": "TaskScheduled", "timestamp": "2026-01-01T00:00:00.000Z"},
        {"type": "TaskSucceeded", "timestamp": "2026-01-01T00:00:00.004Z"},
        {"type": "TaskScheduled", "timestamp": "2026-01-01T00:00:01.000Z"},
        {"type": "TaskSucceeded", "timestamp": "2026-01-01T00:00:01.010Z"},
    ]
    assert [round(s, 3) for s in task_latencies(history)] == [0.004, 0.010]
