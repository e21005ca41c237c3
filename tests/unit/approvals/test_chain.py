from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

from cxroi.approvals.chain import GENESIS, canonical_event, seal, verify_chain

KEY = b"the audit key"


def _chain(n: int) -> list[tuple[int, str, str, dict]]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        payload = {"seq": seq, "kind": "state", "case_id": 1, "to": f"s{seq}"}
        h = seal(prev, payload, KEY)
        rows.append((seq, prev, h, payload))
        prev = h
    return rows


def test_an_untouched_chain_is_intact():
    report = verify_chain(_chain(5), KEY)
    assert report.intact and report.checked == 5
    assert str(report) == "audit chain intact: 5 entries checked"


def test_an_altered_row_is_named():
    rows = _chain(5)
    seq, prev, h, payload = rows[2]
    rows[2] = (seq, prev, h, {**payload, "to": "approved"})
    report = verify_chain(rows, KEY)
    assert not report.intact
    assert report.broken_seq == 3
    assert "altered" in str(report) and "entry 3" in str(report)


def test_a_deleted_row_is_named_by_the_row_after_it():
    rows = _chain(5)
    del rows[1]
    report = verify_chain(rows, KEY)
    assert (report.intact, report.broken_seq) == (False, 3)


def test_a_rehashed_row_still_breaks_the_link_to_its_successor():
    rows = _chain(4)
    seq, prev, _, payload = rows[1]
    forged = {**payload, "to": "approved"}
    rows[1] = (seq, prev, seal(prev, forged, KEY), forged)
    report = verify_chain(rows, KEY)
    assert report.broken_seq == 3
    assert "previous-hash" in report.reason


def test_the_same_instant_serialises_the_same_in_any_zone_and_naive_means_utc():
    t = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    plus_one = t.astimezone(timezone(timedelta(hours=1)))
    assert canonical_event({"at": t}) == canonical_event({"at": plus_one})
    assert canonical_event({"at": t}) == canonical_event({"at": t.replace(tzinfo=None)})
    assert canonical_event({"b": 1.0, "a": [2.0]}) == '{"a":[2],"b":1}'


def test_the_seal_is_hmac_sha256_of_the_previous_hash_and_the_canonical_payload():
    payload = {"seq": 1, "kind": "state", "to": "in_review"}
    message = GENESIS.encode() + b"\n" + canonical_event(payload).encode()
    expected = hmac.new(KEY, message, hashlib.sha256).hexdigest()
    assert seal(GENESIS, payload, KEY) == expected
    assert seal(GENESIS, payload, b"another key") != expected


def test_a_chain_resealed_without_the_key_is_broken_at_its_first_entry():
    rows, prev = [], GENESIS
    for seq, _, _, payload in _chain(3):
        forged = {**payload, "to": "approved"}
        h = seal(prev, forged, b"a guessed key")
        rows.append((seq, prev, h, forged))
        prev = h
    assert verify_chain(rows, b"a guessed key").intact  # consistent with itself...
    report = verify_chain(rows, KEY)  # ...but not under the real key
    assert (report.intact, report.broken_seq) == (False, 1)
    assert "sealed without the key" in report.reason
