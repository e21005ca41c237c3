"""The audit trail: every mutation of a case, its parts or a user is recorded here."""
