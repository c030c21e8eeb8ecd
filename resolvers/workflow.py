"""Registry of state fields (a status or stage) whose changes go through a domain rule, whoever makes them.

A GraphQL verb (`closeTicket`), a generic update that sets the field, and a sheet's Status column all end
in the same registered function, so a rule is written once. The function also runs on every other update of the
row, with the state unchanged, because a rule may depend on other fields (a closed ticket keeps its resolution).
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.base import Base
from resolvers.errors import UserError

#: (session, row with the other changes applied, state before (None on create), requested state) -> None or Refused
Transition = Callable[[Session, Base, enum.Enum | None, enum.Enum], None]


@dataclass(frozen=True)
class StateField:
    name: str
    transition: Transition


STATE_FIELDS: dict[type[Base], StateField] = {}


def state_field(model: type[Base], name: str) -> Callable[[Transition], Transition]:
    """Declare `model.name` a workflow state whose every change runs the decorated function."""

    def register(transition: Transition) -> Transition:
        STATE_FIELDS[model] = StateField(name=name, transition=transition)
        return transition

    return register


#: (session, the batch's rows with all changes applied) -> errors tagged with each row's index in the batch.
RowRule = Callable[[Session, list[Any]], list[UserError]]
ROW_RULES: dict[type[Base], list[RowRule]] = {}


def row_rule(model: type[Base]) -> Callable[[RowRule], RowRule]:
    """Declare a rule relating fields of a row (or the row to others) that must hold after any write.

    Rules see the whole batch at once so that they can check it with a constant number of queries.
    """

    def register(rule: RowRule) -> RowRule:
        ROW_RULES.setdefault(model, []).append(rule)
        return rule

    return register
