"""The grids: a case's assumptions, cost lines and benefit lines as editable tables
(issue 14, item 6).

There is one grid for the assumptions, one for the cost lines and one per benefit kind
(a kind's lines share their columns: its parameters from the registry of line kinds,
:mod:`cxroi.engine.kinds`). Every grid is described by a :class:`GridSpec`, and one
machinery serves them all:

- each row is the one-item form itself (the assumption form, the cost form, the kind's
  benefit form) without its CSRF token, so a cell is checked by the very field, with the
  very rule, the one-item page uses; the row's document values come from that form's
  ``values()`` (fields a grid does not show, such as a line's note and register or an
  assumption's confidence, are kept from the stored item);
- a save is one edit through the case's pipeline (:func:`services.apply_edit`, with its
  optimistic lock, rights and audit): rows with an id replace their item, rows without
  one are added, an emptied row removes its item (an assumption still in use is
  refused), and who may change what is decided as for any edit;
- a check (``.../check``) runs the same edit without saving and prices the result, so
  the page shows each cell's problem and the case's NPV and payback as the user types.

A refused save is a 400 (409 for a stale lock or an assumption in use) whose summary
names each cell by row and column; nothing is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms import Field, FieldList, FormField, HiddenField, SelectField

from cxroi import casework
from cxroi.cases import parts, permissions, services
from cxroi.cases.dynamic_forms import benefit_form_class
from cxroi.cases.fields import NumberField, ParamField
from cxroi.cases.forms import AssumptionForm, CostForm, EditForm, LineForm
from cxroi.cases.views import bp, user
from cxroi.engine import KINDS, CaseValidationError, Issue, analyse, load_case
from cxroi.engine.schema import MAX_ASSUMPTIONS, MAX_LINES
from cxroi.errors import StaleEdit
from cxroi.formatting import money, months
from models import Case

BLANK_ROWS = 3
_PATH = re.compile(r"^(assumptions|costs|benefits|scenarios)\[(\d+)\](?:\.([A-Za-z_]+))?")

Document = dict[str, Any]


@dataclass(frozen=True)
class GridSpec:
    """One grid: which items of which section, shown with which fields of which form."""

    slug: str  # "assumptions", "costs" or a benefit kind
    section: str
    form_class: type[EditForm]
    columns: tuple[str, ...]
    title: str
    #: The rows, in words: "assumptions", "cost lines", "Cost savings lines".
    rows_noun: str
    max_rows: int
    kind: str | None = None  # benefits: the kind every row of this grid has

    def items(self, doc: Document) -> list[dict[str, Any]]:
        """This grid's items of the document, in the document's order."""
        items = doc.get(self.section) or []
        if self.kind is None:
            return list(items)
        return [i for i in items if i.get("kind") == self.kind]

    @property
    def row_class(self) -> type[EditForm]:
        return _row_class(self.form_class)

    def url(self, action: str, case_id: int) -> str:
        """The grid's page (``page``), its save (``save``) or its check (``check``)."""
        endpoint = {"assumptions": "grid", "costs": "cost_grid"}.get(self.slug, "benefit_grid")
        prefix = "" if action == "page" else f"{action}_"
        kind: dict[str, Any] = {"kind": self.kind} if self.kind is not None else {}
        return url_for(f"cases.{prefix}{endpoint}", case_id=case_id, **kind)

    def prefill(self, item: dict[str, Any]) -> dict[str, Any]:
        """A stored item as a row's data (the grid's columns, by the document's names)."""
        return {"id": item["id"], **{name: item.get(name) for name in self.columns}}

    def row_values(self, row: Any) -> dict[str, Any]:
        """The document values the row's cells give (the one form's mapping)."""
        values = parts.item_of(row.form.values())
        out = {k: v for k, v in values.items() if k in self.columns}
        if self.kind is not None:
            out["kind"] = self.kind
        return out


@cache
def _row_class(form_class: type[EditForm]) -> type[EditForm]:
    """The one-item form as a grid row: the same fields, no CSRF token, and its id."""
    meta = type("Meta", (), {"csrf": False})
    return type(f"{form_class.__name__}Row", (form_class,), {"id": HiddenField(), "Meta": meta})


def _benefit_spec(kind: str) -> GridSpec:
    definition = KINDS[kind]
    columns = (
        "name",
        "ramp_start",
        "ramp_months",
        *definition.names,
        *(c.name for c in definition.choices),
        "risk",
    )
    return GridSpec(
        slug=kind,
        section="benefits",
        form_class=benefit_form_class(kind),
        columns=columns,
        title=f"{definition.label} lines",
        rows_noun=f"{definition.label} lines",
        max_rows=MAX_LINES,
        kind=kind,
    )


ASSUMPTIONS = GridSpec(
    slug="assumptions",
    section="assumptions",
    form_class=AssumptionForm,
    columns=("key", "label", "value", "unit", "low", "high", "source", "owner"),
    title="Assumption grid",
    rows_noun="assumptions",
    max_rows=MAX_ASSUMPTIONS,
)
COSTS = GridSpec(
    slug="costs",
    section="costs",
    form_class=CostForm,
    columns=(
        "name",
        "category",
        "department",
        "recurrence",
        "month",
        "start_month",
        "end_month",
        "amount",
        "escalation",
        "risk",
    ),
    title="Cost lines",
    rows_noun="cost lines",
    max_rows=MAX_LINES,
)
BENEFITS = {kind: _benefit_spec(kind) for kind in KINDS}
#: Every grid, in the order the pages link them.
SPECS: tuple[GridSpec, ...] = (ASSUMPTIONS, COSTS, *BENEFITS.values())

#: Kept for callers of the assumption grid's column list.
COLUMNS = ASSUMPTIONS.columns
MAX_ROWS = ASSUMPTIONS.max_rows


@cache
def _grid_form(spec_slug: str) -> type[Any]:
    """The grid's form: the case's lock (read as every edit form reads it) and its rows."""
    spec = _spec(spec_slug)
    attrs = {"rows": FieldList(FormField(spec.row_class), min_entries=0, max_entries=spec.max_rows)}
    return type(f"{spec.row_class.__name__}Grid", (EditForm,), attrs)


def _spec(slug: str) -> GridSpec:
    for spec in SPECS:
        if spec.slug == slug:
            return spec
    raise KeyError(slug)


def _label(spec: GridSpec, name: str) -> str:
    field = getattr(spec.form_class, name)
    return str(field.args[0] if field.args else field.kwargs.get("label", name))


def _is_select(spec: GridSpec, name: str) -> bool:
    return getattr(spec.form_class, name).field_class is SelectField


def _is_blank(spec: GridSpec, row: Any) -> bool:
    """Every text cell empty (a select always holds a value)."""
    return not any(
        (row[name].data or "").strip() for name in spec.columns if not _is_select(spec, name)
    )


def _cell(row: Any, name: str) -> str:
    return str(row[name].name)


def _where(spec: GridSpec, index: int, name: str | None) -> str:
    """A cell in words: "Row 3, Amount" (or just "Row 3")."""
    return f"Row {index + 1}" + (f", {_label(spec, name).split(' (')[0]}" if name else "")


@dataclass
class Problems:
    """What is wrong with a posted grid: by cell (field name) and for the whole grid."""

    cells: dict[str, str]
    rows: list[str]  # messages naming a row (and column) in words
    other: list[str]

    def __bool__(self) -> bool:
        return bool(self.cells or self.rows or self.other)

    def summary(self) -> list[str]:
        return [*self.rows, *self.other]


def _cell_problems(spec: GridSpec, case: Case, form: Any) -> Problems:
    """Each cell's own rule (blank rows skipped), and rows whose id is not of this grid."""
    found = Problems({}, [], [])
    ids = {i["id"] for i in spec.items(services.document_of(case))}
    keys = [a.key for a in case.assumptions]
    seen: dict[str, int] = {}  # item id -> its row
    for n, row in enumerate(form.rows):
        if _is_blank(spec, row):
            continue
        row_id = row["id"].data
        if row_id and row_id not in ids:
            found.rows.append(
                f"{_where(spec, n, None)}: it is not one of this case's {spec.rows_noun} "
                "(someone may have removed it). Reload the grid."
            )
            continue
        if row_id and row_id in seen:
            found.rows.append(
                f"{_where(spec, n, None)}: it is the same item as row {seen[row_id] + 1}; "
                "keep one of them. Reload the grid."
            )
            continue
        if row_id:
            seen[row_id] = n
        if isinstance(row.form, LineForm):
            row.form.set_keys(keys)  # a parameter may name an assumption of the case
        for name in spec.columns:
            field: Field = row[name]
            if not field.validate(row.form):
                found.cells[_cell(row, name)] = field.errors[0]
                found.rows.append(f"{_where(spec, n, name)}: {field.errors[0]}")
    return found


class _Edit:
    """The document edit a posted grid asks for; remembers which row made which item."""

    def __init__(self, spec: GridSpec, form: Any) -> None:
        self.spec, self.form = spec, form
        self.row_of: dict[str, int] = {}  # item id -> row index
        self.result: Document = {}

    def __call__(self, doc: Document, retired: frozenset[str]) -> Document:
        spec, out = self.spec, doc
        rows = [(n, row) for n, row in enumerate(self.form.rows) if not _is_blank(spec, row)]
        kept = {row["id"].data for _, row in rows if row["id"].data}
        removed = [item["id"] for item in spec.items(doc) if item["id"] not in kept]
        for item_id in removed:
            out = casework.remove_item(out, spec.section, item_id)
        # A row added in the same edit never takes a removed item's id (nor its history).
        retired = retired | frozenset(removed)
        for n, row in rows:
            row_id = row["id"].data
            values = spec.row_values(row)
            if row_id:
                _, old = casework.find_item(out, spec.section, row_id)
                out = casework.replace_item(out, spec.section, row_id, {**old, **values})
            else:
                out, row_id = casework.add_item(out, spec.section, values, retired)
            self.row_of[row_id] = n
        self.result = out
        return out

    def sort(self, issues: list[Issue]) -> Problems:
        """The engine's issues, each on its cell (or row) where it is about one."""
        found = Problems({}, [], [])
        for issue in issues:
            match = _PATH.match(issue.path)
            row = None
            if match and match.group(1) == self.spec.section:
                items = self.result.get(self.spec.section) or []
                index = int(match.group(2))
                if index < len(items) and isinstance(items[index], dict):
                    row = self.row_of.get(items[index].get("id"))
            if row is None:
                found.other.append(services.describe_issue(issue, self.result))
                continue
            name = match.group(3) if match else None
            message = issue.message[:1].upper() + issue.message[1:]
            if name in self.spec.columns:
                found.cells[_cell(self.form.rows[row], name)] = message
                found.rows.append(f"{_where(self.spec, row, name)}: {message}")
            else:
                found.rows.append(f"{_where(self.spec, row, None)}: {message}")
        return found


#: Text columns that hold a name or a sentence: shown wider.
_WIDE = frozenset({"name", "label", "source", "key"})


def _width(field_class: type, name: str) -> str:
    """The cell's width class: a name, short text, a number or a parameter."""
    if field_class is NumberField:
        return "cell-number"
    if field_class is ParamField:
        return "cell-param"
    return "cell-wide" if name in _WIDE else "cell-text"


def _columns(spec: GridSpec) -> list[dict[str, Any]]:
    out = []
    for name in spec.columns:
        unbound = getattr(spec.form_class, name)
        out.append(
            {
                "name": name,
                "label": _label(spec, name),
                "hint": unbound.kwargs.get("description", ""),
                "select": _is_select(spec, name),
                "decimal": unbound.field_class is NumberField,
                "param": unbound.field_class is ParamField,
                "width": _width(unbound.field_class, name),
            }
        )
    return out


def _links(case: Case) -> list[tuple[str, str, str]]:
    """(slug, label, url) of every grid of the case."""
    labels = {"assumptions": "Assumptions", "costs": "Costs"}
    return [
        (s.slug, labels.get(s.slug) or KINDS[s.slug].label, s.url("page", case.id)) for s in SPECS
    ]


def _page(
    spec: GridSpec,
    case: Case,
    form: Any,
    problems: Problems | None,
    message: str | None,
    status: int,
) -> tuple[str, int]:
    me = user()
    editable: dict[str, bool] = {}
    if spec.section == "assumptions":
        editable = {a.id: permissions.can_edit_assumption(me, case, a) for a in case.assumptions}
    found = problems or Problems({}, [], [])
    return render_template(
        "cases/grid.html",
        case=case,
        spec=spec,
        form=form,
        columns=_columns(spec),
        errors=found.cells,
        summary=found.summary(),
        message=message,
        editable=editable,
        links=_links(case),
        keys=[(a.key, a.label) for a in case.assumptions],
        save_url=spec.url("save", case.id),
        check_url=spec.url("check", case.id),
        npv=money(case.npv, case.currency),
        payback=months(case.payback_months),
        tab="inputs",
    ), status


def _filled(spec: GridSpec, case: Case) -> Any:
    form = _grid_form(spec.slug)(formdata=None)
    form.lock_version.data = str(case.lock_version)
    for item in spec.items(services.document_of(case)):
        form.rows.append_entry(spec.prefill(item))
    for _ in range(BLANK_ROWS):
        form.rows.append_entry({})
    return form


def _too_many(spec: GridSpec, form: Any) -> str | None:
    if len(form.rows.entries) > spec.max_rows:
        return f"Rows: a case has at most {spec.max_rows} {spec.rows_noun}. Nothing was saved."
    return None


def _show(spec: GridSpec, case_id: int) -> ResponseReturnValue:
    case = services.get_case(case_id)
    permissions.require_edit(user(), case)
    return _page(spec, case, _filled(spec, case), None, None, 200)


def _save(spec: GridSpec, case_id: int) -> ResponseReturnValue:
    case = services.get_case(case_id)
    me = user()
    permissions.require_edit(me, case)
    form = _grid_form(spec.slug)()
    if too_many := _too_many(spec, form):
        return _page(spec, case, _filled(spec, case), None, too_many, 400)
    if problems := _cell_problems(spec, case, form):
        message = "Some cells need attention: each says what is wrong. Nothing was saved."
        return _page(spec, case, form, problems, message, 400)
    edit = _Edit(spec, form)
    try:
        saved = services.apply_edit(me, case_id, form.lock(), edit)
    except StaleEdit as exc:
        return _page(spec, case, form, None, exc.message, 409)
    except services.PartInUse as exc:
        return _page(spec, case, form, None, f"{exc} Nothing was saved.", 409)
    except services.CaseInvalid as exc:
        message = "Some cells break a rule of the case. Nothing was saved."
        return _page(spec, case, form, edit.sort(exc.issues), message, 400)
    flash(
        f"{spec.rows_noun[:1].upper()}{spec.rows_noun[1:]} saved: NPV "
        f"{money(saved.npv, saved.currency)}, payback {months(saved.payback_months)}.",
        "success",
    )
    return redirect(url_for("cases.inputs", case_id=saved.id) + f"#{spec.section}")


def _check(spec: GridSpec, case_id: int) -> ResponseReturnValue:
    """The grid's problems and the NPV and payback it would give; nothing is saved."""
    case = services.get_case(case_id)
    permissions.require_edit(user(), case)
    form = _grid_form(spec.slug)()
    if too_many := _too_many(spec, form):
        return jsonify({"errors": {}, "message": too_many}), 400
    problems = _cell_problems(spec, case, form)
    out: dict[str, Any] = {"errors": problems.cells, "npv": None, "payback": None}
    if problems:
        if problems.other or not problems.cells:
            out["message"] = "; ".join(problems.summary())
        return jsonify(out)
    edit = _Edit(spec, form)
    try:
        doc = edit(services.document_of(case), services.retired_ids(case))
        result = analyse(load_case(doc), trials=0)
    except casework.AssumptionInUse as exc:
        out["message"] = str(exc)
        return jsonify(out)
    except CaseValidationError as exc:
        found = edit.sort(list(exc.issues))
        out["errors"] = found.cells
        if found.other or not found.cells:
            out["message"] = "; ".join(found.summary())
        return jsonify(out)
    out["npv"] = money(result.metrics.npv, case.currency)
    out["payback"] = months(result.metrics.payback_months)
    return jsonify(out)


def _benefit(kind: str) -> GridSpec:
    spec = BENEFITS.get(kind)
    if spec is None:
        abort(404)
    return spec


# -- the assumption grid ----------------------------------------------------------------


@bp.get("/<int:case_id>/grid")
@login_required
def grid(case_id: int) -> ResponseReturnValue:
    return _show(ASSUMPTIONS, case_id)


@bp.post("/<int:case_id>/grid")
@login_required
def save_grid(case_id: int) -> ResponseReturnValue:
    return _save(ASSUMPTIONS, case_id)


@bp.post("/<int:case_id>/grid/check")
@login_required
def check_grid(case_id: int) -> ResponseReturnValue:
    return _check(ASSUMPTIONS, case_id)


# -- the cost grid ----------------------------------------------------------------------


@bp.get("/<int:case_id>/grid/costs")
@login_required
def cost_grid(case_id: int) -> ResponseReturnValue:
    return _show(COSTS, case_id)


@bp.post("/<int:case_id>/grid/costs")
@login_required
def save_cost_grid(case_id: int) -> ResponseReturnValue:
    return _save(COSTS, case_id)


@bp.post("/<int:case_id>/grid/costs/check")
@login_required
def check_cost_grid(case_id: int) -> ResponseReturnValue:
    return _check(COSTS, case_id)


# -- one grid per benefit kind ------------------------------------------------------------


@bp.get("/<int:case_id>/grid/benefits/<kind>")
@login_required
def benefit_grid(case_id: int, kind: str) -> ResponseReturnValue:
    return _show(_benefit(kind), case_id)


@bp.post("/<int:case_id>/grid/benefits/<kind>")
@login_required
def save_benefit_grid(case_id: int, kind: str) -> ResponseReturnValue:
    return _save(_benefit(kind), case_id)


@bp.post("/<int:case_id>/grid/benefits/<kind>/check")
@login_required
def check_benefit_grid(case_id: int, kind: str) -> ResponseReturnValue:
    return _check(_benefit(kind), case_id)
