"""The OpenAPI 3.1 description of each service, generated from its declared contract.

`python -m mesfactures.contract.openapi` (`make openapi`) writes services/<area>/openapi.json;
`--check` fails when a committed file differs from what the declarations give. Never loaded by a Lambda.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, is_typeddict

from mesfactures.contract import (
    Answer,
    Contract,
    Field,
    Operation,
    RequiredWhen,
    hints_of,
    required_keys,
    unpack,
)
from mesfactures.contract.common import ERROR, REFUSALS, SECURITY_SCHEME, SERVERS, contracts

_SCALARS = {str: "string", int: "integer", bool: "boolean"}


class _Schemas:
    """Turns annotations into JSON Schema; the shapes named as components become `$ref`s."""

    def __init__(self, components: list[Any], conditions: Mapping[Any, RequiredWhen]) -> None:
        self.components = components
        self.conditions = conditions

    def ref(self, shape: Any) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{shape.__name__}"}

    def of(self, annotation: Any) -> dict[str, Any]:
        bare, rules, nullable = unpack(annotation)
        schema = self._bare(bare)
        if nullable:
            if "type" in schema:
                schema["type"] = [schema["type"], "null"]
            else:
                schema = {"anyOf": [schema, {"type": "null"}]}
        return _with_rules(schema, rules)

    def _bare(self, bare: Any) -> dict[str, Any]:
        origin = get_origin(bare)
        if is_typeddict(bare):
            return self.ref(bare) if bare in self.components else self.shape(bare)
        if origin is list:
            return {"type": "array", "items": self.of(get_args(bare)[0])}
        if origin is dict:
            value = get_args(bare)[1]
            return (
                {"type": "object"}
                if value is Any
                else {"type": "object", "additionalProperties": self.of(value)}
            )
        if origin is Literal:
            values = list(get_args(bare))
            kind = _SCALARS[type(values[0])]
            return {"type": kind, "const": values[0]} if len(values) == 1 else {"type": kind, "enum": values}
        if bare is Any:
            return {}
        return {"type": _SCALARS[bare]}

    def shape(self, shape: Any, *, named: bool = False) -> dict[str, Any]:
        """An object's schema; a named component that extends another component is an `allOf`."""
        hints = shape.__annotations__
        keys = list(hints)
        base = next(
            (
                other
                for other in self.components
                if other is not shape and list(other.__annotations__) == keys[: len(other.__annotations__)]
            ),
            None,
        )
        own = keys[len(base.__annotations__) :] if base else keys
        resolved = hints_of(shape)
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {key: self.of(resolved[key]) for key in own},
        }
        required = [key for key in own if key in required_keys(shape)]
        if required:
            schema["required"] = required
        if shape.__doc__:
            schema["description"] = " ".join(shape.__doc__.split())
        if shape in self.conditions:
            when = self.conditions[shape]
            schema["if"] = {"properties": {when.key: {"const": when.value}}}
            schema["then"] = {"required": list(when.required)}
        return {"allOf": [self.ref(base), schema]} if base else schema


def _with_rules(schema: dict[str, Any], rules: Field) -> dict[str, Any]:
    values = rules.values()
    keywords = {
        "enum": list(values) if values is not None else None,
        "format": rules.format,
        "pattern": rules.pattern,
        "minLength": rules.min_length,
        "maxLength": rules.max_length,
        "minimum": rules.minimum,
        "maximum": rules.maximum,
        "minItems": rules.min_items,
        "maxItems": rules.max_items,
        "uniqueItems": rules.unique_items or None,
        "description": rules.description,
        "examples": [_plain(example) for example in rules.examples] or None,
    }
    return {**schema, **{name: value for name, value in keywords.items() if value is not None}}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _parameter(param: Any, where: str, schemas: _Schemas) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": where,
        "required": where == "path",
        "description": param.description,
        "schema": schemas.of(param.schema),
    }


def _answer(answer: Answer, schemas: _Schemas) -> dict[str, Any]:
    described: dict[str, Any] = {"description": answer.description}
    if answer.headers:
        described["headers"] = {
            name: {**({"description": text} if text else {}), "schema": {"type": "string"}}
            for name, text in answer.headers.items()
        }
    if answer.shape is not None:
        described["content"] = {answer.media_type: {"schema": schemas.of(answer.shape)}}
    return described


def _operation(contract: Contract, operation: Operation, schemas: _Schemas) -> dict[str, Any]:
    described: dict[str, Any] = {"operationId": operation.operation_id, "summary": operation.summary}
    parameters = [
        _parameter(contract.path_params[name], "path", schemas)
        for name in re.findall(r"{(\w+)}", operation.path)
    ]
    parameters += [_parameter(param, "query", schemas) for param in operation.query]
    parameters += [_parameter(param, "header", schemas) for param in operation.headers]
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        schema = schemas.of(operation.body.shape)
        if operation.body.at_least_one_of:
            schema["anyOf"] = [{"required": [key]} for key in operation.body.at_least_one_of]
        body: dict[str, Any] = {"required": True, "content": {"application/json": {"schema": schema}}}
        text = operation.body.description or ""
        if operation.body.per_field and "invalid_fields" not in text:
            text = "400 `invalid_fields` carries a French message per field in `fields`"
        if text:
            body["description"] = text
        described["requestBody"] = body
    responses = {str(status): _answer(answer, schemas) for status, answer in operation.answers.items()}
    for status, text in sorted(operation.refusals.items()):
        responses[str(status)] = {
            "description": text or REFUSALS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    described["responses"] = responses
    described["security"] = [{"session": []}] if operation.signed_in else []
    return described


def description(contract: Contract) -> dict[str, Any]:
    components = [ERROR, *contract.components]
    schemas = _Schemas(components, contract.conditions)
    paths: dict[str, dict[str, Any]] = {}
    for operation in contract.operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            contract, operation, schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": contract.title, "version": "1.0.0", "description": contract.description},
        "servers": SERVERS,
        "paths": paths,
        "components": {
            "securitySchemes": {"session": SECURITY_SCHEME},
            "schemas": {shape.__name__: schemas.shape(shape, named=True) for shape in components},
        },
    }


def rendered(contract: Contract) -> str:
    return json.dumps(description(contract), ensure_ascii=False, indent=2) + "\n"


def path_of(root: Path, contract: Contract) -> Path:
    return root / "services" / contract.area / "openapi.json"


def main(argv: list[str]) -> int:
    root = Path(argv[argv.index("--root") + 1]) if "--root" in argv else Path.cwd()
    stale = []
    for contract in contracts():
        target = path_of(root, contract)
        text = rendered(contract)
        if "--check" in argv:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target))
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run make openapi):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
