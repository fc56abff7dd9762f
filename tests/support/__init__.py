"""Helpers shared by the test suites: servers, Prism, the spec corpus, sample data."""
