"""SQL the ORM builds once per process, for the few queries every signed-in request makes.

Compiling a query (the lookups resolved, the SQL written) costs a Python process as much as
running it, for a read of one row by its key: a tenth to a third of a millisecond. ``built_once``
has the ORM build the query once per process and database, with stand-ins for its
parameters, and keeps the SQL; the caller runs it with the real values through
``Manager.raw`` (the model's columns and converters are the ORM's). The query is still the
ORM's: a changed model is a restart, and a restart builds it again.
"""

from collections.abc import Callable, Sequence

from django.db import models, router

_built: dict[tuple[str, str], str] = {}


def built_once(
    name: str,
    model: type[models.Model],
    build: Callable[[], models.QuerySet],
    *,
    stand_ins: Sequence[object],
) -> str:
    """The SQL of ``build()``, a queryset of ``model`` whose parameters are ``stand_ins`` in that
    order, built by the ORM the first time per process and database ``model`` is read from."""
    key = (name, router.db_for_read(model))
    sql = _built.get(key)
    if sql is None:
        queryset = build()
        sql, params = queryset.query.sql_with_params()
        if tuple(params) != tuple(stand_ins):
            raise RuntimeError(f"{name}: parameters {params!r} are not the stand-ins")
        _built[key] = sql
    return sql
