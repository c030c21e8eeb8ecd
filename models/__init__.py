"""SQLAlchemy models, one module per department. Importing this package registers every table on `Base.metadata`."""

from models import crm, finance, hr, inventory, manufacturing, purchasing, sales, system
from models.base import Base

__all__ = ["Base", "crm", "finance", "hr", "inventory", "manufacturing", "purchasing", "sales", "system"]
