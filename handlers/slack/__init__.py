"""Slack: bolt over aiohttp, the inbox that acks first, listeners, modals, Block Kit, the outbox's Slack side."""
