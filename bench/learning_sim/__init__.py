"""A simulated call centre for bench/bench_learning.py: hidden customers, agents on a
simulated clock, the dialler's real services in between (see bench/bench_learning.py)."""
