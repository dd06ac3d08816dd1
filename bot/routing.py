"""Dispatch is data: each capability keeps a :class:`RouteTable` from command type to a short
function that calls its use case and presents the result, with the right (:data:`bot.rights.RIGHTS`)
the command needs; :mod:`bot.chat.core` merges the tables into one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot import rights
from bot.context import Ctx
from bot.reply import Reply

Route = Callable[[Any, Ctx], Awaitable[Reply]]
# A right's name, or a function of the command for the few whose right depends on what they say
# (``person @kim role lead``, ``release decide``).
Right = str | Callable[[Any], str]
C = TypeVar("C")


class RouteTable:
    """Command type -> (right, route), filled by decorating each route."""

    def __init__(self) -> None:
        self.handlers: dict[type, Route] = {}
        self.rights: dict[type, Right] = {}

    def __call__(self, command_type: type[C], right: str | Callable[[C], str]
                 ) -> Callable[[Callable[[C, Ctx], Awaitable[Reply]]], Callable[[C, Ctx], Awaitable[Reply]]]:
        def register(fn: Callable[[C, Ctx], Awaitable[Reply]]) -> Callable[[C, Ctx], Awaitable[Reply]]:
            assert right in rights.RIGHTS or callable(right), right
            assert command_type not in self.handlers, command_type
            self.handlers[command_type] = fn
            self.rights[command_type] = right
            return fn

        return register

    @classmethod
    def merge(cls, *tables: RouteTable) -> RouteTable:
        merged = cls()
        for table in tables:
            clash = merged.handlers.keys() & table.handlers.keys()
            assert not clash, f"two routes for {clash}"
            merged.handlers.update(table.handlers)
            merged.rights.update(table.rights)
        return merged
