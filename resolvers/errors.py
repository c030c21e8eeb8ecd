"""Errors a user can cause, as values: every write path returns them instead of raising to the top."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class ErrorCode(enum.Enum):
    VALIDATION = "validation"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


@dataclass(frozen=True)
class UserError:
    """One problem with a request: which input field (attribute names), what is wrong, and its kind."""

    message: str
    code: ErrorCode = ErrorCode.VALIDATION
    field: tuple[str, ...] | None = None
    #: Which item of a batch write the error is about (0-based); None for single writes and whole-batch errors.
    row: int | None = None


class Refused(Exception):
    """Aborts a domain operation; the caller rolls back and hands the errors to the user."""

    def __init__(self, errors: Iterable[UserError]):
        self.errors = list(errors)
        super().__init__("; ".join(error.message for error in self.errors))

    @classmethod
    def one(cls, message: str, code: ErrorCode = ErrorCode.VALIDATION, field: str | None = None) -> "Refused":
        return cls([UserError(message=message, code=code, field=(field,) if field else None)])
