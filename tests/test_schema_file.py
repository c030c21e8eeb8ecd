"""The committed schema.graphql is the contract frontends read; it must match the code."""

from pathlib import Path

from schema import schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code():
    # given the SDL the code produces, as `make schema` writes it
    printed = schema.as_str() + "\n"
    # then the committed file says exactly the same
    assert SCHEMA_FILE.read_text() == printed, "schema.graphql is stale: run `make schema` and commit it"


def test_every_field_and_argument_has_a_description():
    # given every object and input type of the schema
    missing = []
    for type_ in schema._schema.type_map.values():
        if type_.name.startswith("__") or not hasattr(type_, "fields"):
            continue
        for field_name, field in type_.fields.items():
            if not field.description:
                missing.append(f"{type_.name}.{field_name}")
            for argument_name, argument in getattr(field, "args", {}).items():
                if not argument.description:
                    missing.append(f"{type_.name}.{field_name}({argument_name})")
    # then none is left undocumented
    assert missing == []
