"""The sealed tables: which rows the audit chain seals, column by column (one list).

Sealing (:mod:`cxroi.audit.sealing`), verification (:mod:`cxroi.audit.verify`), the
PostgreSQL guards (:mod:`cxroi.audit.guards`) and the tampering tests all read
:data:`SEALED`. A new table to seal is one line here: every column is sealed unless
it is listed in ``unsealed`` (a test checks that the two lists cover the table).

``mutable`` names the columns the app legitimately changes after the insert (revoking a
link, superseding a version, resolving a thread); on a *guarded* table the database
refuses any other UPDATE, and every DELETE. Unguarded tables (a case, a review verdict)
change freely through the app, and each change is sealed as it is flushed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SealedTable:
    name: str
    #: The columns sealed; the primary key ``id`` first.
    columns: tuple[str, ...]
    #: Columns the app may change after the insert (every column, for unguarded tables).
    mutable: tuple[str, ...] = ()
    #: Append-only on PostgreSQL: UPDATE (beyond ``mutable``) and DELETE are refused.
    guarded: bool = True
    #: Columns deliberately not sealed, each covered another way (see the comment).
    unsealed: tuple[str, ...] = ()


SEALED: tuple[SealedTable, ...] = (
    SealedTable(
        "audit_events",
        ("id", "case_id", "actor_id", "actor", "at", "entity", "entity_id", "item_id",
         "action", "field", "old", "new"),
    ),
    SealedTable(
        "case_versions",
        ("id", "case_id", "number", "case_json", "case_hash", "result_json", "result_hash",
         "frozen_at", "signed_off_by_id", "signed_off_by_name", "superseded_at",
         "superseded_reason"),
        mutable=("superseded_at", "superseded_reason"),
    ),
    SealedTable(
        "shared_links",
        ("id", "case_id", "version_id", "token_hash", "scope", "recipient_name",
         "recipient_email", "created_by_id", "created_at", "expires_at", "revoked_at",
         "revoked_by_id", "approver_id", "mailed_at", "mail_error", "idempotency_hash"),
        # an approve link is mailed after its commit: the outcome is set once, then
        mutable=("revoked_at", "revoked_by_id", "mailed_at", "mail_error"),
    ),
    # A use is logged before it is answered; the outcome is then set once.
    SealedTable(
        "link_uses",
        ("id", "link_id", "at", "ip", "user_agent", "action", "outcome"),
        mutable=("outcome",),
    ),
    SealedTable(
        "decisions",
        ("id", "case_id", "version_id", "link_id", "decision", "version_hash", "name",
         "comment", "at", "ip", "user_agent", "verified_email"),
    ),
    SealedTable(
        "comments",
        ("id", "case_id", "item_id", "thread_id", "kind", "body", "author_id", "author_name",
         "created_at", "resolved_at", "resolved_by_name"),
        mutable=("resolved_at", "resolved_by_name"),
    ),
    SealedTable(
        "assumption_reviews",
        ("id", "case_id", "item_id", "status", "fingerprint", "reviewed_fields",
         "reviewer_id", "reviewed_at"),
        guarded=False,
    ),
    # Accounts: who holds which role and address decides who may review, share and
    # approve (separation of duties compares addresses). The password hash is the
    # account's own secret, rehashed as parameters change; its changes are audited.
    SealedTable(
        "users",
        ("id", "email", "name", "role", "active", "created_at"),
        guarded=False,
        unsealed=("password_hash",),
    ),
    # Actuals and metrics after approval: a month is re-entered or re-uploaded (rows are
    # replaced or removed), every change sealed as it is flushed.
    SealedTable(
        "actuals",
        ("id", "case_id", "line_id", "month", "cost", "benefit", "drivers", "updated_at",
         "updated_by_id"),
        guarded=False,
    ),
    SealedTable(
        "metric_values",
        ("id", "case_id", "name", "unit", "month", "value", "updated_at", "updated_by_id"),
        guarded=False,
    ),
    # Finance's adjusted forecast of an approved case: replaced as finance changes it.
    SealedTable(
        "forecast_values",
        ("id", "case_id", "line_id", "month", "value", "updated_at", "updated_by_id"),
        guarded=False,
    ),
    # The CX council's records (dates sealed as ISO text): a meeting and its agenda notes
    # (a note is rewritten as the meeting goes), the actions log (an action's status moves)
    # and the decisions log. Each change is sealed as it is flushed.
    SealedTable(
        "council_meetings",
        ("id", "month", "held_on", "created_at"),
        guarded=False,
    ),
    SealedTable(
        "council_notes",
        ("id", "meeting_id", "item", "body"),
        guarded=False,
    ),
    SealedTable(
        "council_actions",
        ("id", "meeting_id", "action", "owner", "due_date", "status", "case_id", "created_at"),
        guarded=False,
    ),
    SealedTable(
        "council_decisions",
        ("id", "meeting_id", "what", "decided_on", "decided_by", "case_id", "created_at"),
        guarded=False,
    ),
    # The approver directory: edited and switched off or on, never deleted.
    SealedTable(
        "approvers",
        ("id", "name", "email", "limit_amount", "currency", "active", "created_at",
         "updated_at"),
        guarded=False,
    ),
    # One-time decision codes (only their HMAC): a try, a use or a replacement is set
    # after the insert; nothing else changes and none is deleted.
    SealedTable(
        "decision_codes",
        ("id", "link_id", "code_hash", "email", "created_at", "expires_at", "tries",
         "used_at", "replaced_at"),
        mutable=("tries", "used_at", "replaced_at"),
    ),
    # Archiving (when, by whom) is sealed with the row; why is in its audit event.
    # The document is sealed through its SHA-256 (case_hash; verify recomputes it); the
    # result, metrics and list columns are the engine's output for it, stored for speed.
    SealedTable(
        "cases",
        ("id", "owner_id", "status", "case_hash", "title", "currency", "created_at",
         "archived_at", "archived_by_id"),
        guarded=False,
        unsealed=("description", "lock_version", "updated_at", "updated_by_id", "computed_at",
                  "npv", "npv_unadjusted", "irr", "roi", "bcr", "payback_months",
                  "discounted_payback_months", "total_costs", "total_benefits", "pv_costs",
                  "pv_benefits", "npv_per_pv_cost", "prob_npv_positive", "document", "result"),
    ),
)  # fmt: skip

BY_NAME: dict[str, SealedTable] = {t.name: t for t in SEALED}
