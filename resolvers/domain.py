"""Every module of domain rules, imported once so that their workflow transitions, row rules and hooks register
(`resolvers/crud.py` imports this, so no write path can run without them)."""

from resolvers import crm, finance, invoicing, manufacturing, payments, purchasing, sales, stock

__all__ = ["crm", "finance", "invoicing", "manufacturing", "payments", "purchasing", "sales", "stock"]
