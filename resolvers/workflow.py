"""Registries of the domain rules the one write path (`resolvers/crud.py`) runs, whoever writes.

- State fields (a status or stage): a GraphQL verb (`shipSalesOrder`), a generic update that sets the field, and a
  sheet's Status column all end in the same registered transition, so a rule is written once. The transition also
  runs on every other update of the row, with the state unchanged, because a rule may depend on other fields (a
  closed ticket keeps its resolution; a shipped order's lines and customer no longer change).
- Row rules relate fields of a row, or the row to others, after any create or update (a batch at a time).
- Delete rules say which rows may not be deleted (the lines of a confirmed order).
- After-write hooks keep what Onebook derives from written rows (an order's total from its lines; the journal entry
  a payment posts), in the same transaction.
"""

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from models.base import Base
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.validation import SYSTEM_COLUMNS, label

if TYPE_CHECKING:
    from resolvers.permissions import Actor

#: (session, row with the other changes applied, the row as it was (None on create), requested state, actor) -> None;
#: raises Refused to refuse the step. It may set other fields of the row and write what the step entails.
Transition = Callable[[Session, Any, Mapping[str, Any] | None, enum.Enum, "Actor"], None]


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


#: (session, the batch's rows with all changes applied, actor) -> errors tagged with each row's index in the batch.
RowRule = Callable[[Session, list[Any], "Actor"], list[UserError]]
ROW_RULES: dict[type[Base], list[RowRule]] = {}
DELETE_RULES: dict[type[Base], list[RowRule]] = {}


def row_rule(model: type[Base]) -> Callable[[RowRule], RowRule]:
    """Declare a rule relating fields of a row (or the row to others) that must hold after any write.

    Rules see the whole batch at once so that they can check it with a constant number of queries.
    """

    def register(rule: RowRule) -> RowRule:
        ROW_RULES.setdefault(model, []).append(rule)
        return rule

    return register


def delete_rule(model: type[Base]) -> Callable[[RowRule], RowRule]:
    """Declare a rule that must hold for every row about to be deleted (the rows as they are)."""

    def register(rule: RowRule) -> RowRule:
        DELETE_RULES.setdefault(model, []).append(rule)
        return rule

    return register


#: (session, the rows written (as they are now, or as they were for deletes), actor) -> None; may raise Refused.
AfterWrite = Callable[[Session, list[Any], "Actor"], None]
AFTER_WRITE: dict[type[Base], list[AfterWrite]] = {}


def after_write(*models: type[Base]) -> Callable[[AfterWrite], AfterWrite]:
    """Run the decorated function after rows of these models are created, updated or deleted."""

    def register(hook: AfterWrite) -> AfterWrite:
        for model in models:
            AFTER_WRITE.setdefault(model, []).append(hook)
        return hook

    return register


def refuse_step(model: type[Base], number: str, was: enum.Enum, to: enum.Enum, allowed: Iterable[enum.Enum]) -> Refused:
    """The INVALID_STATE refusal of a step the workflow has no arrow for, naming the steps there are."""
    steps = [state.value.replace("_", " ") for state in allowed]
    hint = f"from {was.value.replace('_', ' ')} it can become {' or '.join(steps)}" if steps else "that is final"
    was_text, to_text = was.value.replace("_", " "), to.value.replace("_", " ")
    return Refused.one(
        f"{label(model)} {number} is {was_text}; it can't become {to_text} ({hint})",
        ErrorCode.INVALID_STATE,
        "status",
    )


def keep_unchanged(model: type[Base], row: Any, before: Mapping[str, Any], *, may_change: set[str]) -> None:
    """Refuse changes to a document past its draft, except to `may_change`, its state and the fields Onebook keeps."""
    state = STATE_FIELDS[model].name
    for column in model.__table__.c:
        name = column.name
        if name in SYSTEM_COLUMNS or name in may_change or name == state or column.info.get("derived"):
            continue
        if getattr(row, name) != before[name]:
            raise Refused.one(
                f"{label(model)} {row.number} is {before[state].value.replace('_', ' ')}; its"
                f" {name.replace('_', ' ')} can't change any more",
                ErrorCode.INVALID_STATE,
                name,
            )


def workflow_step(
    model: type[Base],
    row: Any,
    before: Mapping[str, Any] | None,
    status: enum.Enum,
    *,
    arrows: Mapping[enum.Enum, tuple[enum.Enum, ...]],
    may_change: set[str] = frozenset(),
) -> enum.Enum | None:
    """The checks every document's transition starts with; returns the state it leaves when this is a step to take.

    A new document starts in the workflow's first state; past that state its fields stay as they are (but
    `may_change`); staying where it is takes no step (None); a step without an arrow is refused.
    """
    initial = next(iter(arrows))
    if before is None:
        if status is not initial:
            message = f"a new {label(model)} starts as {initial.value.replace('_', ' ')}"
            raise Refused.one(message, ErrorCode.VALIDATION, "status")
        return None
    was = before["status"]
    if was is not initial:
        keep_unchanged(model, row, before, may_change=may_change)
    if status is was:
        return None
    if status not in arrows[was]:
        raise refuse_step(model, row.number, was, status, arrows[was])
    return was
