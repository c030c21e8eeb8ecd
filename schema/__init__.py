"""GraphQL types, inputs, filters and enums, one module per department; `schema.schema` is the assembled schema."""

from schema.schema import schema

__all__ = ["schema"]
