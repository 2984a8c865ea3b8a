"""The error loyalty services raise: the field it concerns, a code, a message."""

from __future__ import annotations


class LoyaltyError(ValueError):
    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code
