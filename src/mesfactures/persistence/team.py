"""An agency, its members and its activity journal in the ledger table.

The last active administrator is kept by a condition: the agency item counts its active administrators,
and every change that adds or removes one updates that count in the same transaction as the member, on the
condition that it stays at least one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import ConcurrentChange, InvalidInput, LastAdministrator, NotFound
from mesfactures.domain.principal import Role
from mesfactures.domain.team import Action, Activity, ActivityPage, Member
from mesfactures.persistence import keys
from mesfactures.persistence.cursors import decode_cursor, encode_cursor
from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.transactions import condition_failed, shared_connection


class AgencyItem(LedgerItem, discriminator="agency"):
    agency_id = UnicodeAttribute()
    name = UnicodeAttribute()
    creditors = ListAttribute(of=UnicodeAttribute)
    # Active administrators: a transaction changes it with the member, on a condition that keeps it >= 1.
    active_admins = NumberAttribute(null=True)


class MemberItem(LedgerItem, discriminator="member"):
    """A person of an agency's team (their credentials live in Cognito, never here)."""

    user_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    role = UnicodeAttribute()
    active = BooleanAttribute()
    signed_in_once = BooleanAttribute(default=False)
    invited_at = UnicodeAttribute()
    invited_by = UnicodeAttribute()
    signed_out_before = NumberAttribute(null=True)


class ActivityItem(LedgerItem, discriminator="activity"):
    """One line of an agency's activity journal, written in the transaction of the action it records."""

    activity_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    at = UnicodeAttribute()
    user_id = UnicodeAttribute()
    user_name = UnicodeAttribute()
    action = UnicodeAttribute()
    creditor = UnicodeAttribute(null=True)
    documents = ListAttribute(of=UnicodeAttribute, null=True)
    detail = UnicodeAttribute(null=True)


ACTIVITY_PAGE_SIZE = 50
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def activity_item(activity: Activity) -> ActivityItem:
    """The journal line, to be saved in the transaction of the action it records."""
    stamp = activity.at.astimezone(UTC).strftime(_STAMP)
    return ActivityItem(
        keys.activity_pk(activity.agency_id),
        keys.activity_sk(stamp, activity.activity_id),
        id_key=keys.activity_of_person(activity.agency_id, activity.user_id),
        activity_id=activity.activity_id,
        agency_id=activity.agency_id,
        at=activity.at.isoformat(),
        user_id=activity.user_id,
        user_name=activity.user_name,
        action=activity.action.value,
        creditor=activity.creditor.value if activity.creditor else None,
        documents=list(activity.documents) or None,
        detail=activity.detail or None,
    )


class TeamRepository:
    def members(self, agency_id: str) -> list[Member]:
        items = MemberItem.query(keys.agency_pk(agency_id), MemberItem.sk.startswith(keys.MEMBER_PREFIX))
        return sorted((_member(item) for item in items), key=lambda m: (m.last_name.casefold(), m.email))

    def member(self, agency_id: str, user_id: str) -> Member:
        try:
            item = MemberItem.get(keys.agency_pk(agency_id), keys.member_sk(user_id), consistent_read=True)
        except (DoesNotExist, ValueError):  # ValueError: an id that cannot be a key part
            raise NotFound("Utilisateur inconnu.") from None
        return _member(item)

    def add(self, member: Member, activity: Activity | None = None) -> bool:
        """Adds a member unless one with this id exists (then False: nothing written)."""
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_member_item(member), condition=MemberItem.sk.does_not_exist())
                if member.counts_as_admin:
                    transaction.update(
                        AgencyItem(keys.agency_pk(member.agency_id), keys.AGENCY_SK),
                        actions=[AgencyItem.active_admins.add(1)],
                        condition=AgencyItem.sk.exists(),
                    )
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def change(self, before: Member, after: Member, activity: Activity) -> None:
        """Changes a member's role or activity, as read in `before`; refuses to leave no administrator."""
        admins = int(after.counts_as_admin) - int(before.counts_as_admin)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(
                    MemberItem(keys.agency_pk(before.agency_id), keys.member_sk(before.user_id)),
                    actions=[
                        MemberItem.role.set(after.role.value),
                        MemberItem.active.set(after.active),
                        *(
                            [MemberItem.signed_out_before.set(after.signed_out_before)]
                            if after.signed_out_before is not None
                            else []
                        ),
                    ],
                    condition=(MemberItem.role == before.role.value) & (MemberItem.active == before.active),
                )
                if admins:
                    agency = AgencyItem(keys.agency_pk(before.agency_id), keys.AGENCY_SK)
                    transaction.update(
                        agency,
                        actions=[AgencyItem.active_admins.add(admins)],
                        condition=AgencyItem.active_admins > 1 if admins < 0 else AgencyItem.sk.exists(),
                    )
                transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                if admins < 0 and self.member(before.agency_id, before.user_id) == before:
                    raise LastAdministrator() from error
                raise ConcurrentChange() from error
            raise

    def record_sign_in(self, agency_id: str, user_id: str) -> None:
        MemberItem(keys.agency_pk(agency_id), keys.member_sk(user_id)).update(
            actions=[MemberItem.signed_in_once.set(True)], condition=MemberItem.sk.exists()
        )

    def sign_out_everywhere(self, agency_id: str, user_id: str, before_epoch: int) -> None:
        MemberItem(keys.agency_pk(agency_id), keys.member_sk(user_id)).update(
            actions=[MemberItem.signed_out_before.set(before_epoch)], condition=MemberItem.sk.exists()
        )

    def record(self, activity: Activity) -> None:
        """A journal line of its own, for an action that writes nothing else in the table (an invitation
        re-sent: Cognito holds what changed)."""
        activity_item(activity).save()


class ActivityRepository:
    def page(
        self,
        agency_id: str,
        user_id: str | None,
        day_from: date,
        day_to: date,
        cursor: str | None,
        limit: int = ACTIVITY_PAGE_SIZE,
    ) -> ActivityPage:
        """Newest first, one Query: the agency's journal, or one person's through the `by_id` index."""
        low, high = keys.activity_range(day_from, day_to)
        filters = f"{user_id or ''}|{day_from}|{day_to}"
        pk = keys.activity_pk(agency_id)
        start = decode_cursor("activity", filters, cursor, pk)
        if start is not None and not low <= start["SK"]["S"] <= high:
            raise InvalidInput("Le curseur de pagination est invalide ; rechargez la liste.")
        query: Any
        if user_id is None:
            query = ActivityItem.query(
                pk,
                ActivityItem.sk.between(low, high),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
        else:
            try:
                person = keys.activity_of_person(agency_id, user_id)
            except ValueError:  # not the shape of a user id: no one of the team
                raise InvalidInput("Personne inconnue.") from None
            if start is not None:
                start["ID_KEY"] = {"S": person}  # rebuilt from the session, never from the cursor
            query = ActivityItem.by_id_index.query(
                person,
                ActivityItem.sk.between(low, high),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
        events = [_activity(item) for item in query]
        last = query.last_evaluated_key
        kept = {"SK": last["SK"]} if last else None
        return ActivityPage(events, encode_cursor("activity", filters, kept))


def _member_item(member: Member) -> MemberItem:
    return MemberItem(
        keys.agency_pk(member.agency_id),
        keys.member_sk(member.user_id),
        user_id=member.user_id,
        agency_id=member.agency_id,
        email=member.email,
        first_name=member.first_name,
        last_name=member.last_name,
        role=member.role.value,
        active=member.active,
        signed_in_once=member.signed_in_once,
        invited_at=member.invited_at.isoformat(),
        invited_by=member.invited_by,
        signed_out_before=member.signed_out_before,
    )


def member_from_item(item: MemberItem) -> Member:
    return _member(item)


def _member(item: MemberItem) -> Member:
    return Member(
        agency_id=item.agency_id,
        user_id=item.user_id,
        email=item.email,
        first_name=item.first_name,
        last_name=item.last_name,
        role=Role(item.role),
        active=bool(item.active),
        signed_in_once=bool(item.signed_in_once),
        invited_at=datetime.fromisoformat(item.invited_at),
        invited_by=item.invited_by,
        signed_out_before=int(item.signed_out_before) if item.signed_out_before is not None else None,
    )


def _activity(item: ActivityItem) -> Activity:
    return Activity(
        activity_id=item.activity_id,
        agency_id=item.agency_id,
        at=datetime.fromisoformat(item.at),
        user_id=item.user_id,
        user_name=item.user_name,
        action=Action(item.action),
        creditor=Creditor(item.creditor) if item.creditor else None,
        documents=tuple(str(number) for number in item.documents or []),
        detail=item.detail or "",
    )
