"""Releases: the knowledge thread, readiness, search and the launch brief export."""
