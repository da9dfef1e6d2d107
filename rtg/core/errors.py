"""Errors the user causes and can fix, told apart from bugs of the pipeline.

A user error (a kernel that does not build, a kernel that returns a wrong
value, an interpreter that cannot be used) ends its job with one message that
names what to change. Anything else is a bug of the pipeline and keeps its
Python traceback, because that is what whoever fixes it needs.
"""

from __future__ import annotations


class UserError(RuntimeError):
    """Something the user can change caused this; the message says what."""


class BuildError(RuntimeError):
    """A kernel could not be built for a reason the user can fix (source, flags, compiler).

    Its message names what to change; the build job reports it without a
    Python traceback, which stays reserved for bugs of the pipeline.
    """


#: Exception types reported as one message, without a traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, BuildError)


def is_user_error(error: BaseException) -> bool:
    """True for errors whose message is meant for the user (see ``USER_ERRORS``)."""
    return isinstance(error, USER_ERRORS)
