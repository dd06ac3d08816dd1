"""Handoff's platform-neutral core.

Nothing in this package imports a chat SDK, a web framework or a database library: it speaks
in domain objects (:mod:`bot.domain`), commands (:mod:`bot.commands`) and platform-neutral
replies (:mod:`bot.reply`), and reaches storage and the outside world through the ports in
:mod:`bot.ports`.
"""
