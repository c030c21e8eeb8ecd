"""What a request does: generic reads and writes, per-request loaders and domain operations, shared by every client."""
