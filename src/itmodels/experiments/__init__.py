"""Experiments: one run, many replications, their store, results, analysis, decisions and claims."""
