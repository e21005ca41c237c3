"""Portfolio at any size: keyset pages, kept totals, owners, search, refused page keys.

Run on SQLite and, with ``CXROI_TEST_DATABASE_URL``, on PostgreSQL (CI does both).
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import threading
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cxroi.extensions import db
from cxroi.portfolio.services import (
    SORTS,
    Order,
    PageKey,
    PortfolioQuery,
    owners,
    portfolio_page,
    search_condition,
)
from models import Case, PortfolioTotal
from tests.appsupport import past_the_guards, tamper

# -- helpers ------------------------------------------------------------------------------


def titles(html: str) -> list[str]:
    return [
        unescape(t) for t in re.findall(r'<th scope="row"><a href="/cases/\d+">([^<]*)</a>', html)
    ]


def ranks(html: str) -> list[int]:
    return [int(r) for r in re.findall(r'<td class="num rank">(\d+)</td>', html)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


def token(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


T0 = datetime(2026, 1, 1, tzinfo=UTC)
NUMBERS = [None, -2.5, 0.0, 1.0, 1.0, 7.25]  # ties (1.0) and NULLs


def add_rows(owner_id: int, count: int, seed: int = 7) -> list[Case]:
    """``count`` cases with many ties and NULLs in every sorted column (stored columns
    only: the portfolio never reads the document)."""
    rng = random.Random(seed)
    cases = [
        Case(
            owner_id=owner_id,
            title=rng.choice(["alpha", "beta", "beta", "gamma 2", "gamma 10"]),
            currency=rng.choice(["GBP", "GBP", "EUR"]),
            status=rng.choice(["draft", "in_review"]),
            document="{}",
            npv=rng.choice(NUMBERS),
            npv_per_pv_cost=rng.choice(NUMBERS),
            roi=rng.choice(NUMBERS),
            payback_months=rng.choice(NUMBERS),
            pv_costs=rng.choice([None, 10.0, 2.5]),
            pv_benefits=rng.choice([None, 12.0, 0.5]),
            updated_at=T0 + timedelta(minutes=rng.choice([0, 1, 1, 2])),
        )
        for _ in range(count)
    ]
    db.session.add_all(cases)
    db.session.commit()
    return cases


def expected_order(cases: list[Case], sort: str, direction: str) -> list[int]:
    """The portfolio's order, computed here: value in the direction, NULLs last, then id
    in the same direction."""
    column = SORTS[sort].column.key

    def value(case: Case) -> Any:
        v = getattr(case, column)
        return v.replace(tzinfo=None) if isinstance(v, datetime) else v

    valued = sorted(
        (c for c in cases if value(c) is not None),
        key=lambda c: (value(c), c.id),
        reverse=direction == "desc",
    )
    empty = sorted(
        (c for c in cases if value(c) is None), key=lambda c: c.id, reverse=direction == "desc"
    )
    return [c.id for c in valued + empty]


def kept_totals() -> dict[tuple[str, str, int], tuple[int, float, float, float]]:
    rows = db.session.execute(
        select(
            PortfolioTotal.currency,
            PortfolioTotal.status,
            PortfolioTotal.owner_id,
            PortfolioTotal.cases,
            PortfolioTotal.npv,
            PortfolioTotal.pv_costs,
            PortfolioTotal.pv_benefits,
        ).where(PortfolioTotal.cases != 0)
    )
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6]) for r in rows}


def fresh_totals() -> dict[tuple[str, str, int], tuple[int, float, float, float]]:
    """A fresh aggregate of the cases, summed here in Python (not by the database)."""
    fresh: dict[tuple[str, str, int], list[float]] = {}
    for c in db.session.scalars(select(Case)):
        bucket = "archived" if c.archived_at is not None else c.status  # kept apart
        row = fresh.setdefault((c.currency, bucket, c.owner_id), [0, 0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += c.npv or 0.0
        row[2] += c.pv_costs or 0.0
        row[3] += c.pv_benefits or 0.0
    return {k: (int(v[0]), v[1], v[2], v[3]) for k, v in fresh.items()}


def assert_totals_match() -> None:
    db.session.expire_all()
    kept, fresh = kept_totals(), fresh_totals()
    assert kept.keys() == fresh.keys()
    for key, (count, *sums) in fresh.items():
        assert kept[key][0] == count
        # floating-point sums kept by deltas: equal up to rounding
        assert kept[key][1:] == pytest.approx(sums, rel=1e-9, abs=1e-6)


# -- keyset pages ----------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 4, 25])
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("sort", list(SORTS))
def test_every_order_pages_through_ties_and_nulls_without_duplicates_or_gaps(
    cx_user, sort, direction, page_size
):
    cases = add_rows(cx_user.id, 23)
    expected = expected_order(cases, sort, direction)
    base = PortfolioQuery(sort=sort, direction=direction)

    pages: list[list[int]] = []
    key = None
    while True:
        page = portfolio_page(PortfolioQuery(**{**base.__dict__, "after": key}), page_size)
        ids = [c.id for c in page.cases]
        assert page.first_rank == sum(len(p) for p in pages)
        assert (page.before is None) == (not pages)
        pages.append(ids)
        assert page.total == 23
        if page.after is None:
            break
        key = PageKey.decode("after", page.after.encode(), SORTS[sort])  # via the link's text
    assert [i for p in pages for i in p] == expected
    assert all(len(p) == page_size for p in pages[:-1])

    # and back from the last page with "before" keys, page by page
    back: list[list[int]] = [pages[-1]]
    page = portfolio_page(PortfolioQuery(**{**base.__dict__, "after": key}), page_size)
    while page.before is not None:
        before = PageKey.decode("before", page.before.encode(), SORTS[sort])
        page = portfolio_page(PortfolioQuery(**{**base.__dict__, "before": before}), page_size)
        back.insert(0, [c.id for c in page.cases])
    assert back == pages
    assert page.first_rank == 0


def test_pages_follow_a_filter(cx_user):
    cases = add_rows(cx_user.id, 30, seed=3)
    chosen = [c for c in cases if c.currency == "GBP" and c.status == "draft"]
    query = PortfolioQuery(sort="npv", currency="GBP", status="draft")
    seen: list[int] = []
    key = None
    while True:
        page = portfolio_page(PortfolioQuery(**{**query.__dict__, "after": key}), 4)
        seen += [c.id for c in page.cases]
        assert page.total == len(chosen)
        if page.after is None:
            break
        key = page.after
    assert seen == expected_order(chosen, "npv", "desc")


def test_next_and_previous_links_carry_the_key(cx_client, cx_user):
    db.session.add_all(
        Case(owner_id=cx_user.id, title=f"Case {i:03}", currency="GBP", document="{}",
             npv=float(i), pv_costs=1.0)
        for i in range(60)
    )  # fmt: skip
    db.session.commit()
    page1 = cx_client.get("/").text
    assert titles(page1)[0] == "Case 059" and len(titles(page1)) == 25
    assert ranks(page1) == list(range(1, 26))
    assert "Cases 1–25 of 60" in page1 and link(page1, "prev") is None
    page2 = cx_client.get(link(page1, "next")).text
    assert titles(page2) == [f"Case {i:03}" for i in range(34, 9, -1)]
    assert ranks(page2) == list(range(26, 51)) and "Cases 26–50 of 60" in page2
    page3 = cx_client.get(link(page2, "next")).text
    assert titles(page3)[-1] == "Case 000" and len(titles(page3)) == 10
    assert link(page3, "next") is None and "Cases 51–60 of 60" in page3
    back = cx_client.get(link(page3, "prev")).text
    assert titles(back) == titles(page2) and ranks(back) == ranks(page2)
    assert titles(cx_client.get(link(back, "prev")).text) == titles(page1)
    # the links keep the filters and the order
    by_title = cx_client.get("/?sort=title&dir=desc&currency=GBP").text
    assert "sort=title" in link(by_title, "next") and "currency=GBP" in link(by_title, "next")


def test_a_key_past_the_last_case_shows_the_first_page(cx_client, cx_user):
    add_rows(cx_user.id, 5)
    after = token([None, 1, 99])  # the NULLs come last, and none has an id below 1
    assert titles(cx_client.get(f"/?sort=npv&after={after}").text) == titles(
        cx_client.get("/?sort=npv").text
    )


ORDERED = ("enable_seqscan", "enable_bitmapscan", "enable_sort")


def _index_plan(conn: Any, stmt: Any, last_resorts: tuple[str, ...] = ORDERED) -> str:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "postgresql":
        # A test table is tiny: make a sort (or a scan) the last resort, so the plan shows
        # whether the index can give the order at all (as it must at 100k cases).
        for setting in last_resorts:
            conn.execute(text(f"SET LOCAL {setting} = off"))
        rows = conn.execute(text(f"EXPLAIN {compiled}")).scalars()
    else:
        rows = (r[-1] for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    return "\n".join(rows)


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("sort", list(SORTS))
def test_each_order_reads_its_index_without_sorting(app, sort, direction):
    """Structure, not speed: the first page is an index range, never a sort of all rows."""
    order = Order(PortfolioQuery(sort=sort, direction=direction))
    index = f"ix_cases_{SORTS[sort].column.key}_id"
    key = PageKey(1.0 if SORTS[sort].kind == "number" else "m", 5, 10)
    if SORTS[sort].kind == "time":
        key = PageKey(T0, 5, 10)
    with db.engine.connect() as conn, conn.begin():
        for stmt in (
            order.valued_query(None, True, 26),
            order.valued_query(key, True, 26),
            order.valued_query(key, False, 26),
        ):
            plan = _index_plan(conn, stmt)
            assert index in plan, plan
            assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_search_uses_trigrams_on_postgresql_and_like_on_sqlite(app):
    stmt = select(Case.id).where(search_condition("contact"))
    with db.engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            plan = _index_plan(conn, stmt, ("enable_seqscan",))
            assert "ix_cases_title_trgm" in plan and "ix_cases_description_trgm" in plan, plan
        else:
            sql = str(stmt.compile(dialect=conn.dialect))
            assert "lower(cases.title) LIKE lower(" in sql, sql
            assert "lower(cases.description) LIKE lower(" in sql, sql


# -- refused keys and search text --------------------------------------------------------


BAD_KEYS = [
    ("after", "npv", "!!not-base64!!"),
    ("after", "npv", "%00"),
    ("after", "npv", token(b"\xff\xfe not utf-8")),
    ("after", "npv", token(b"not json")),
    ("after", "npv", token({"v": 1})),
    ("after", "npv", token([1.0, 2])),
    ("after", "npv", token([1.0, 2, 3, 4])),
    ("after", "npv", token(["1.0", 2, 3])),  # text where a number belongs
    ("after", "npv", token([True, 2, 3])),
    ("after", "npv", token(b"[1e400, 2, 3]")),  # infinity
    ("after", "npv", token(b"[NaN, 2, 3]")),
    ("after", "npv", token([10**400, 2, 3])),
    ("after", "npv", token([1.0, 2**31, 3])),  # past an INTEGER id
    ("after", "npv", token([1.0, 0, 3])),
    ("after", "npv", token([1.0, "2", 3])),
    ("after", "npv", token([1.0, 2.5, 3])),
    ("after", "npv", token([1.0, 2, -1])),
    ("after", "npv", token(b"[" * 5000 + b"]" * 5000)),
    ("after", "npv", "A" * 5000),
    ("before", "title", token(["a\u0000b", 2, 3])),  # NUL
    ("before", "title", token(b'["\\ud800", 2, 3]')),  # lone surrogate
    ("before", "title", token([None, 2, 3])),  # titles are never empty
    ("before", "title", token([5, 2, 3])),
    ("after", "updated", token(["yesterday", 2, 3])),
    ("after", "updated", token(["9999-99-99T00:00:00", 2, 3])),
]


@pytest.mark.parametrize(("name", "sort", "bad"), BAD_KEYS)
def test_a_malformed_page_key_is_a_400_naming_it(cx_client, cx_user, name, sort, bad):
    add_rows(cx_user.id, 3)
    response = cx_client.get(f"/?sort={sort}&{name}={bad}")
    assert response.status_code == 400, response.text[:500]
    # a NUL is refused for every query parameter alike (cxroi.edge), the rest by the portfolio
    named = (f"The page key &#39;{name}&#39;", f"The query parameter “{name}”")
    assert any(words in response.text for words in named)


def test_two_keys_and_a_nul_in_the_search_are_400(cx_client):
    both = cx_client.get(f"/?after={token([1.0, 2, 3])}&before={token([1.0, 2, 3])}")
    assert both.status_code == 400 and "not both" in both.text
    nul = cx_client.get("/?q=a%00b")
    assert nul.status_code == 400 and "The query parameter “q”" in nul.text


# -- totals ------------------------------------------------------------------------------

operations = st.lists(
    st.tuples(
        st.sampled_from(["create", "edit", "move", "archive", "delete"]),
        st.integers(0, 50),
        st.sampled_from(["GBP", "EUR", "USD"]),
        st.sampled_from(["draft", "in_review", "approved"]),
        st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)),
        st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False)),
    ),
    max_size=30,
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_kept_totals_equal_a_fresh_aggregate_after_any_changes(app, make_user, ops):
    # No page deletes a case, and the sealed chain keeps their ids (append-only): the
    # cleanup between examples and the "delete" operation go past the guards as SQL would.
    tamper("DELETE FROM cases")
    db.session.execute(PortfolioTotal.__table__.delete())
    db.session.commit()
    db.session.expire_all()
    owners_ = [make_user("cx").id, make_user("cx").id]
    for op, pick, currency, status, npv, pv in ops:
        live = list(db.session.scalars(select(Case).order_by(Case.id)))
        if op == "create" or not live:
            db.session.add(
                Case(owner_id=owners_[pick % 2], title=f"t{pick}", currency=currency,
                     status=status, document="{}", npv=npv, pv_costs=pv, pv_benefits=npv)
            )  # fmt: skip
        elif op == "edit":  # what store() does: new figures
            case = live[pick % len(live)]
            case.npv, case.pv_costs, case.pv_benefits = npv, pv, pv
        elif op == "move":  # a workflow step, a new currency or owner
            case = live[pick % len(live)]
            case.status, case.currency, case.owner_id = status, currency, owners_[pick % 2]
        elif op == "archive":  # archived (kept apart) or restored
            case = live[pick % len(live)]
            case.archived_at = None if case.archived_at is not None else T0
        else:
            # the totals trigger must see it (replica mode, tamper's way, turns it off too)
            past_the_guards("DELETE FROM cases WHERE id = :id", {"id": live[pick % len(live)].id})
            db.session.expire_all()
        db.session.commit()
    assert_totals_match()


def test_totals_follow_real_saves_and_steps(cx_client, make_case):
    from tests.app.test_portfolio import seed
    from tests.appsupport import rewrite_document

    _big, small, loss, _euro = seed(make_case)
    assert_totals_match()
    rewrite_document(small, discount_rate=0.2)  # store(): new figures
    small.status = "in_review"  # a step
    db.session.commit()
    loss.currency = "USD"  # (no page changes a currency by hand; the triggers see it)
    db.session.commit()
    assert_totals_match()
    html = unescape(cx_client.get("/?counted=all").text)
    text_only = re.sub(r"<[^>]+>", "", html).replace("\n", " ")
    assert "2 cases in GBP" in text_only and "1 case in EUR" in text_only
    page = cx_client.get("/").text
    # The note that cases of several currencies are ranked unconverted names them all.
    page = re.sub(r'<p class="notice mixed-currencies".*?</p>', "", page, flags=re.S)
    counted = re.sub(r"<[^>]+>", "", unescape(page)).replace("\n", " ")
    assert "1 case in GBP" in counted and "EUR" not in counted.split("Totals count")[1]
    assert "1 case in USD" in text_only
    assert "1 case in GBP" in re.sub(r"<[^>]+>", "", cx_client.get("/?status=in_review").text)


def test_concurrent_writers_lose_no_increment(app, cx_user):
    """Four sessions insert and move cases of the same totals row at once."""

    errors: list[BaseException] = []
    owner = cx_user.id  # read here: the test's session is not the threads' to use

    def work(n: int) -> None:
        try:
            write(n)
        except BaseException as exc:  # reported below: a thread's error must fail the test
            errors.append(exc)

    def write(n: int) -> None:
        with app.app_context(), Session(db.engine) as session:
            for i in range(8):
                case = Case(owner_id=owner, title=f"w{n}-{i}", currency="GBP",
                            status="draft", document="{}", npv=float(i), pv_costs=1.0)  # fmt: skip
                session.add(case)
                session.commit()
                if i % 2:
                    case.status = "in_review"
                    case.npv = 2.0 * i
                    session.commit()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.scalar(select(func.count(Case.id))) == 32
    assert_totals_match()
    assert kept_totals()[("GBP", "in_review", cx_user.id)][0] == 16


def test_every_migration_run_restores_the_triggers_and_exact_totals(app, cx_user):
    """SQLite drops triggers when a batch migration rebuilds ``cases``: a run repairs it."""
    from alembic import command

    from cxroi.migrate import alembic_config, upgrade_to_head
    from models.portfolio_total import drop_triggers

    owner = cx_user.id
    add_rows(owner, 5)
    db.session.remove()
    try:
        with db.engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.stamp(cfg, "head")
            drop_triggers(conn)  # what a rebuilt table looks like
        add_rows(owner, 4, seed=9)  # no trigger counts these
        assert sum(v[0] for v in kept_totals().values()) == 5
        upgrade_to_head(app)  # nothing to upgrade, but the run ends with the repair
        assert_totals_match()
        add_rows(owner, 2, seed=10)  # and the triggers count again
        assert_totals_match()
    finally:
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


# -- owners and search -----------------------------------------------------------------


def test_owners_are_the_users_who_own_a_case(app, make_user, admin_user):
    first, second, idle = make_user("cx"), make_user("cx"), make_user("cx")
    a = Case(owner_id=first.id, title="A", currency="GBP", document="{}")
    db.session.add_all([a, Case(owner_id=second.id, title="B", currency="GBP", document="{}")])
    db.session.commit()
    assert [u.id for u in owners()] == [first.id, second.id]  # by email: cx1, cx2
    assert idle.id not in [u.id for u in owners()] and admin_user.id not in [u.id for u in owners()]
    assert [u.display_name for u in owners()] == [first.display_name, second.display_name]
    a.owner_id = second.id  # the first owner hands over their only case
    db.session.commit()
    assert [u.id for u in owners()] == [second.id]


def test_search_is_case_insensitive_literal_and_reads_descriptions(cx_client, cx_user):
    for title, description in [
        ("Alpha chat", None),
        ("Beta returns", "A chatbot for returns"),
        ("100% digital", "cut_costs"),
        ("Gamma", "nothing"),
    ]:
        db.session.add(Case(owner_id=cx_user.id, title=title, description=description,
                            currency="GBP", document="{}", npv=1.0))  # fmt: skip
    db.session.commit()

    def found(q: str) -> list[str]:
        return sorted(titles(cx_client.get("/", query_string={"q": q}).text))

    assert found("CHAT") == ["Alpha chat", "Beta returns"]
    assert found("%") == ["100% digital"]  # a literal %, not "anything"
    assert found("t_c") == ["100% digital"]  # a literal _, not "any one character"
    assert found("a_c") == []
    assert found("zzz") == []
    html = re.sub(r"<[^>]+>", "", cx_client.get("/?q=chat&counted=all").text)
    assert "2 cases in GBP" in html
    assert "cases in GBP" not in re.sub(r"<[^>]+>", "", cx_client.get("/?q=chat").text)


def test_numbers_in_keys_round_trip_exactly():
    for value in [0.1, -2.5e-300, 1e15, math.pi]:
        key = PageKey(value, 7, 3)
        assert PageKey.decode("after", key.encode(), SORTS["npv"]) == key
