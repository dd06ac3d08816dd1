"""Reminders: the nudge policy (pure), channel digests, and the scheduled pass that records their deliveries."""
