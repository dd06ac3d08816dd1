"""The outbox: every proactive message is a row before it is a message, sent once through a Messenger."""
