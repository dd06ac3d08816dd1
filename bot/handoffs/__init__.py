"""Handoffs: the lifecycle (who may move what, from which state), the use cases and the handoff card."""
