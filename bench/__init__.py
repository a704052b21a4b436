"""sfn's benchmark suite (issue #5): sfn durably vs moto's ASL interpreter vs the machine's limits.

Run `python -m bench` (`--quick` for a one-minute smoke run, `--scale` for the scale runs).
"""
