"""What a request does: generic reads and writes, per-request loaders and domain operations, shared by every client.

Importing any part of the package first imports every module of domain rules (`resolvers.domain`), so that their
workflow transitions, row rules and hooks are registered before anything can write through `resolvers.crud`.
"""

from resolvers import domain  # noqa: F401
