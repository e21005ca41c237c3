"""A sponsor's decision is named by the workflow: the label of the state it leads to."""

from __future__ import annotations

import pytest

from cxroi import workflow
from models import Decision


@pytest.mark.parametrize(
    ("decision", "words"),
    [("approve", "Approved"), ("reject", "Rejected"), ("request_changes", "Changes requested")],
)
def test_each_decision_reads_as_the_state_it_leads_to(decision: str, words: str) -> None:
    assert Decision(decision=decision).label == words
    assert workflow.label(workflow.SPONSOR_DECISIONS[decision]) == words


def test_every_sponsor_decision_of_the_workflow_has_its_state_label() -> None:
    labels = {d: Decision(decision=d).label for d in workflow.SPONSOR_DECISIONS}
    assert labels == {
        d: workflow.STATE_LABELS[state] for d, state in workflow.SPONSOR_DECISIONS.items()
    }
    assert set(labels.values()) <= set(workflow.STATE_LABELS.values())


def test_a_relabelled_state_relabels_its_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(workflow.STATE_LABELS, workflow.CHANGES_REQUESTED, "Sent back")
    assert Decision(decision="request_changes").label == "Sent back"


def test_an_unknown_decision_reads_as_stored() -> None:
    assert Decision(decision="abstain").label == "abstain"
