"""Adding an entity means declaring it everywhere it belongs: a permission entry, a sheet layout, a GraphQL type."""

from models.base import Base
from resolvers.permissions import ENTITY_ACCESS
from schema import schema
from sync.registry import NO_SHEET, SHEETS

MODELS = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def test_every_model_has_a_permission_entry():
    # admin-only tables are listed too, with no role: nothing is readable by accident of omission
    assert {model.__name__ for model in ENTITY_ACCESS} == set(MODELS)


def test_every_model_has_a_sheet_layout_or_a_reason_for_none():
    with_sheet = {layout.model.__name__ for layout in SHEETS}
    assert with_sheet.isdisjoint(NO_SHEET)
    assert with_sheet | set(NO_SHEET) == set(MODELS)
    assert len(with_sheet) == len(SHEETS), "one layout per entity"


#: Models the API deliberately does not expose, with the reason.
NO_GRAPHQL_TYPE = {
    "ApiToken": "token hashes are secrets; `onebook tokens list` shows what can be shown",
    "DocumentCounter": "internal: the last number per document prefix",
}


def test_every_model_has_a_graphql_type_or_a_reason_for_none():
    assert set(MODELS) - set(schema._schema.type_map) == set(NO_GRAPHQL_TYPE)


#: References to a later sheet that the importer resolves in a second pass (departments and their heads refer to
#: each other).
CYCLES = {("Departments", "Employee")}


def test_sheets_come_parents_first():
    # an import applies sheets in registry order: every sheet a layout refers to comes before it (or is itself)
    position = {layout.model: index for index, layout in enumerate(SHEETS)}
    for index, layout in enumerate(SHEETS):
        for column in layout.columns:
            reference = column.reference
            if reference is None or reference.target is layout.model:
                continue
            later = position[reference.target] > index
            assert not later or (layout.title, reference.target.__name__) in CYCLES, (
                f"{layout.title} refers to {reference.target.__name__}, whose sheet comes later"
            )
