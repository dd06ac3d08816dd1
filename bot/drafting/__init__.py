"""Drafting customer messaging: the prompt and its checks, redaction, and the service that runs after the ack."""
