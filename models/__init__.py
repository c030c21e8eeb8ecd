"""SQLAlchemy models, one module per department. Importing this package registers every table on `Base.metadata`."""

from models import crm, hr, system
from models.base import Base

__all__ = ["Base", "crm", "hr", "system"]
