"""Helpers for tests that run real processes: Redis servers, `sfn worker`s, the `sfn` CLI."""
