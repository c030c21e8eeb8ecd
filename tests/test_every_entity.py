"""An entity is declared once and gets everything: a GraphQL type, a sheet layout and a permission entry."""

from models.base import Base
from resolvers.permissions import ENTITY_ACCESS
from schema import schema
from sync.registry import NO_SHEET, SHEETS

MODELS = sorted((mapper.class_ for mapper in Base.registry.mappers), key=lambda model: model.__name__)
#: Models the API deliberately does not expose, with the reason.
NO_GRAPHQL_TYPE = {"ApiToken": "token hashes are secrets; `onebook tokens list` shows what can be shown"}


def test_every_model_has_a_permission_entry():
    missing = [model.__name__ for model in MODELS if model not in ENTITY_ACCESS]
    assert missing == []


def test_every_model_has_a_graphql_type():
    types = schema._schema.type_map
    missing = [
        model.__name__ for model in MODELS if model.__name__ not in types and model.__name__ not in NO_GRAPHQL_TYPE
    ]
    assert missing == []


def test_every_model_has_a_sheet_layout_or_a_reason_not_to():
    with_sheet = {layout.model for layout in SHEETS}
    missing = [model.__name__ for model in MODELS if model not in with_sheet and model.__name__ not in NO_SHEET]
    assert missing == []
