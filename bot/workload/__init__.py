"""Workload: who carries what, who carries too much, and whom to move it to."""
