"""The statement's refusals name the fields as the page does, in French."""

from __future__ import annotations

from datetime import date

import pytest

from mesfactures.domain.errors import InvalidInput
from mesfactures.statement.statement import statement_query

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "30/11/2026"}, "La date de début doit être au format AAAA-MM-JJ."),
        ({"to": "demain"}, "La date de fin doit être au format AAAA-MM-JJ."),
        ({"to": "1999-12-31"}, "La date de fin doit être comprise entre 2000 et 2099."),
    ],
)
def test_a_wrong_date_is_named_date_de_debut_or_date_de_fin(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        statement_query(params, TODAY)
    assert str(refused.value) == message
