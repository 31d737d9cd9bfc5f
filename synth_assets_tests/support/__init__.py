"""Helpers the tests share: databases, runs, processes and the test-only persona."""
