"""The HTTP contract, declared once: request and response shapes as typed dicts, operations as data.

The services' OpenAPI descriptions are generated from these declarations (`make openapi`,
`mesfactures.contract.openapi`), the routes' response shapers are typed by them (mypy checks each key),
and the edge validates request bodies against them (`Edge.json_body(Shape)`, `check_body`).

A shape is a `TypedDict`; a key's rules ride on its annotation: `Annotated[str, Field(max_length=80)]`.
`X | None` is nullable, `NotRequired[X]` optional, `list[X]`, `dict[str, X]` and nested shapes nest.
Only the standard library is used: a validation library would cost the cold start (docs/decisions.md).
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import (
    Annotated,
    Any,
    Literal,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from mesfactures.domain.errors import InvalidFields, InvalidInput


@dataclass(frozen=True)
class Field:
    """The rules and the documentation of one value; `by_use_case`: the rules are documented here but
    checked by the use case, which refuses with a code of its own (a password's rules, a TOTP code)."""

    description: str | None = None
    enum: type[Enum] | tuple[str, ...] | None = None
    format: str | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    examples: tuple[Any, ...] = ()
    by_use_case: bool = False

    def values(self) -> tuple[str, ...] | None:
        if self.enum is None:
            return None
        if isinstance(self.enum, tuple):
            return self.enum
        return tuple(str(member.value) for member in self.enum)


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter."""

    name: str
    description: str
    schema: Any = str
    where: Literal["path", "query", "header"] = "query"

    def located(self, where: Literal["path", "query", "header"]) -> Param:
        return replace(self, where=where)


@dataclass(frozen=True)
class Answer:
    """One documented answer: its description, its JSON shape (None: no body) and its headers."""

    description: str
    shape: Any = None
    headers: Mapping[str, str | None] = field(default_factory=dict)
    media_type: str = "application/json"


@dataclass(frozen=True)
class Body:
    """A request body; `per_field`: the use case words a message per field (400 `invalid_fields`), so the
    edge checks the JSON types only and leaves the values to it. `one_of_keys`: at least one is sent."""

    shape: Any
    description: str | None = None
    per_field: bool = False
    at_least_one_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    answers: Mapping[int, Answer]
    refusals: Mapping[int, str] = field(default_factory=dict)
    body: Body | None = None
    query: Sequence[Param] = ()
    headers: Sequence[Param] = ()
    signed_in: bool = True


@dataclass(frozen=True)
class RequiredWhen:
    """Keys a shape requires only when one of its keys has a given value (JSON Schema's `if`/`then`)."""

    key: str
    value: str
    required: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    """One service's description: its operations and the shapes published as named components."""

    area: str
    title: str
    description: str
    operations: Sequence[Operation]
    components: Sequence[Any]
    path_params: Mapping[str, Param]
    conditions: Mapping[Any, RequiredWhen] = field(default_factory=dict)


@functools.cache
def _bodies(area: str) -> dict[tuple[str, str], Body]:
    import importlib

    contract: Contract = importlib.import_module(f"mesfactures.contract.{area}").CONTRACT
    return {(op.method, op.path): op.body for op in contract.operations if op.body is not None}


def declared_body(area: str, method: str, path: str) -> Body:
    """The body the operation `method path` of an area's contract declares; a route that reads a body it
    does not declare is a fault of the code (500), never a way around the checks."""
    try:
        return _bodies(area)[(method.upper(), path)]
    except KeyError:
        raise LookupError(
            f"{method} {path}: no request body declared in mesfactures/contract/{area}.py"
        ) from None


# --- Validation at the edge ---------------------------------------------------------------------------


@functools.cache
def hints_of(shape: type) -> dict[str, Any]:
    return get_type_hints(shape, include_extras=True)


@functools.cache
def required_keys(shape: type) -> frozenset[str]:
    """The keys a shape requires (`__required_keys__` misses `NotRequired` under postponed annotations)."""
    total = getattr(shape, "__total__", True)
    return frozenset(
        key
        for key, hint in hints_of(shape).items()
        if get_origin(hint) is Required or (total and get_origin(hint) is not NotRequired)
    )


def unpack(annotation: Any) -> tuple[Any, Field, bool]:
    """(the bare type, its merged rules, whether null is allowed) of an annotation."""
    rules = Field()
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin in (NotRequired, Required):
            (annotation,) = get_args(annotation)
        elif origin is Annotated:
            annotation, *extras = get_args(annotation)
            for extra in extras:
                if isinstance(extra, Field):
                    rules = _merge(rules, extra)
        elif origin in (Union, types.UnionType):
            others = [arg for arg in get_args(annotation) if arg is not type(None)]
            nullable = nullable or len(others) < len(get_args(annotation))
            (annotation,) = others
        else:
            return annotation, rules, nullable


def _merge(first: Field, second: Field) -> Field:
    changes = {
        name: getattr(second, name)
        for name in Field.__dataclass_fields__
        if getattr(second, name) not in (None, (), False)
    }
    return replace(first, **changes)


_KIND = {str: "un texte", int: "un nombre entier", bool: "vrai ou faux (true, false)"}


class _Refusals:
    def __init__(self, values: bool) -> None:
        self.values = values
        self.found: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.found.setdefault(path, message)


def check_body(body: dict[str, Any], declared: Body) -> dict[str, Any]:
    """`body` if it has the declared shape; otherwise 400 `invalid_input` naming the first field wrong, or
    `invalid_fields` with one French message per field for a body declared `per_field`."""
    refusals = _Refusals(values=not declared.per_field)
    _check_object(body, declared.shape, "", refusals)
    if declared.at_least_one_of and not any(key in body for key in declared.at_least_one_of):
        names = ", ".join(declared.at_least_one_of)
        refusals.add(declared.at_least_one_of[0], f"Indiquez au moins l'un de ces champs : {names}.")
    if refusals.found and declared.per_field:
        raise InvalidFields(refusals.found)
    if refusals.found:
        raise InvalidInput(next(iter(refusals.found.values())))
    return body


def _check_object(value: dict[str, Any], shape: type, prefix: str, refusals: _Refusals) -> None:
    for key, annotation in hints_of(shape).items():
        path = f"{prefix}{key}"
        if key in value:
            _check(value[key], annotation, path, refusals)
        elif refusals.values and key in required_keys(shape):
            refusals.add(path, f"Le champ « {path} » est obligatoire.")


def _check(value: Any, annotation: Any, path: str, refusals: _Refusals) -> None:  # noqa: C901
    bare, rules, nullable = unpack(annotation)
    if value is None:
        if not nullable:
            refusals.add(path, f"Le champ « {path} » est obligatoire.")
        return
    origin = get_origin(bare)
    if is_typeddict(bare):
        if not isinstance(value, dict):
            refusals.add(path, f"Le champ « {path} » doit être un objet.")
        else:
            _check_object(value, bare, f"{path}.", refusals)
        return
    if origin is list:
        if not isinstance(value, list):
            refusals.add(path, f"Le champ « {path} » doit être une liste.")
            return
        for index, item in enumerate(value):
            _check(item, get_args(bare)[0], f"{path}[{index}]", refusals)
    elif origin is dict:
        if not isinstance(value, dict):
            refusals.add(path, f"Le champ « {path} » doit être un objet.")
            return
        for key, item in value.items():
            _check(item, get_args(bare)[1], f"{path}.{key}", refusals)
    elif origin is Literal:
        if value not in get_args(bare):
            refusals.add(path, f"Le champ « {path} » n'a pas une valeur permise.")
        return
    elif bare in _KIND and type(value) is not bare:
        refusals.add(path, f"Le champ « {path} » doit être {_KIND[bare]}.")
        return
    if refusals.values and not rules.by_use_case:
        message = _broken_rule(value, rules)
        if message:
            refusals.add(path, f"Le champ « {path} » {message}.")


def _broken_rule(value: Any, rules: Field) -> str | None:  # noqa: C901 (one line per JSON Schema keyword)
    import re

    allowed = rules.values()
    if allowed is not None and value not in allowed:
        return "doit valoir l'une de ces valeurs : " + ", ".join(allowed)
    if isinstance(value, str):
        if rules.min_length is not None and len(value) < rules.min_length:
            return (
                "ne peut pas être vide"
                if rules.min_length == 1
                else f"compte moins de {rules.min_length} caractères"
            )
        if rules.max_length is not None and len(value) > rules.max_length:
            return f"dépasse {rules.max_length} caractères"
        if rules.pattern is not None and re.search(rules.pattern, value) is None:
            return "n'a pas la forme attendue"
    if isinstance(value, int):
        if rules.minimum is not None and value < rules.minimum:
            return f"doit valoir au moins {rules.minimum}"
        if rules.maximum is not None and value > rules.maximum:
            return f"doit valoir au plus {rules.maximum}"
    if isinstance(value, list):
        if rules.min_items is not None and len(value) < rules.min_items:
            return f"doit compter au moins {rules.min_items} élément(s)"
        if rules.max_items is not None and len(value) > rules.max_items:
            return f"compte plus de {rules.max_items} éléments"
        if rules.unique_items and len({repr(item) for item in value}) < len(value):
            return "répète un élément"
    return None
