"""Settings read once from `ONEBOOK_*` environment variables (documented in the README)."""

import os
from dataclasses import dataclass, field


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///onebook.db"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    default_page_size: int = 50
    max_page_size: int = 500
    sql_echo: bool = False
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 100_000_000
    day_first: bool = True
    google_credentials: str | None = None
    sheets_api_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Read the environment; keyword overrides (from CLI flags or tests) win."""
        values: dict[str, object] = {
            "database_url": os.environ.get("ONEBOOK_DATABASE_URL") or cls.database_url,
            "host": os.environ.get("ONEBOOK_HOST") or cls.host,
            "port": _env_int("ONEBOOK_PORT", cls.port),
            "workers": _env_int("ONEBOOK_WORKERS", cls.workers),
            "sql_echo": os.environ.get("ONEBOOK_SQL_ECHO", "").lower() in {"1", "true", "yes"},
            "max_body_bytes": _env_int("ONEBOOK_MAX_BODY_BYTES", cls.max_body_bytes),
            "max_upload_bytes": _env_int("ONEBOOK_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            "day_first": os.environ.get("ONEBOOK_DATE_ORDER", "day-first").lower() != "month-first",
            "google_credentials": os.environ.get("ONEBOOK_GOOGLE_CREDENTIALS") or None,
            "sheets_api_url": os.environ.get("ONEBOOK_SHEETS_API_URL") or None,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
