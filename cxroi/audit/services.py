"""``record_change``: the one way to write the audit trail (append-only).

Every service that changes a row calls it inside its own transaction, so a change
and its record commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from cxroi.extensions import db
from models import AuditEvent, User


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def record_change(
    *,
    actor: User | str | None,
    entity: str,
    entity_id: int | None,
    action: str,
    case_id: int | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    item_id: str | None = None,
) -> AuditEvent:
    """Add one audit row to the session (the caller's transaction commits it)."""
    if isinstance(actor, User):
        actor_id, actor_name = actor.id, actor.email
    else:
        actor_id, actor_name = None, actor or "system"
    event = AuditEvent(
        case_id=case_id,
        actor_id=actor_id,
        actor=actor_name,
        entity=entity,
        entity_id=entity_id,
        item_id=item_id,
        action=action,
        field=field,
        old=_text(old),
        new=_text(new),
    )
    db.session.add(event)
    return event


def record_field_changes(
    *,
    actor: User | str | None,
    entity: str,
    entity_id: int | None,
    case_id: int | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    fields: Iterable[str] | None = None,
    item_id: str | None = None,
) -> int:
    """One ``update`` row per field whose value changed; returns how many.

    ``item_id`` names the assumption, line or scenario of the case document changed.
    """
    count = 0
    for name in fields if fields is not None else sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            record_change(
                actor=actor,
                entity=entity,
                entity_id=entity_id,
                item_id=item_id,
                action="update",
                case_id=case_id,
                field=name,
                old=old,
                new=new,
            )
            count += 1
    return count


def events_for_case(case_id: int) -> list[AuditEvent]:
    """The case's trail, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )
