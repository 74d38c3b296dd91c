"""The team's invariants on DynamoDB Local: the last active administrator is a table condition, which an
agency saved again (an ERP import, the demo data) must not reset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import LastAdministrator
from mesfactures.domain.ledger import Agency
from mesfactures.domain.principal import AgencyUser, Role
from mesfactures.domain.team import Action, Member, activity_of
from tests.support import Portal

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _admin(agency_id: str, user_id: str) -> Member:
    return Member(
        agency_id, user_id, f"{user_id}@agence.fr", "A", user_id, Role.ADMINISTRATEUR, True, True, NOW, "x"
    )


def _demote(member: Member) -> None:
    from dataclasses import replace

    actor = AgencyUser("someone", "someone@agence.fr", member.agency_id, Role.ADMINISTRATEUR)
    wiring.team().change(
        member, replace(member, role=Role.LECTURE), activity_of(actor, Action.ROLE_CHANGED, NOW)
    )


def test_the_last_active_administrator_stays_whatever_the_order_of_changes(portal: Portal) -> None:
    accounts, team = wiring.accounts(), wiring.team()
    accounts.save_agency(Agency("AG-7101", "Agence Équipe", (Creditor.POLIRIS,)))
    first, second = _admin("AG-7101", "premier"), _admin("AG-7101", "second")
    assert team.add(first) and team.add(second)
    assert team.add(first) is False  # the same member twice is one member

    accounts.save_agency(Agency("AG-7101", "Agence Équipe renommée", (Creditor.POLIRIS,)))

    _demote(first)
    with pytest.raises(LastAdministrator):
        _demote(second)
    assert wiring.accounts().agency("AG-7101").name == "Agence Équipe renommée"
    assert {m.user_id: m.role for m in team.members("AG-7101")} == {
        "premier": Role.LECTURE,
        "second": Role.ADMINISTRATEUR,
    }
