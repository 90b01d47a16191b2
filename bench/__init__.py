"""Benchmarks: `make bench` (bench/run.py) prints `name: value` lines."""
