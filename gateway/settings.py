"""Settings from the environment (prefix `DUALHUB_`) or a `.env` file."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

EMBEDDED_UNITS_URL = "sqlite+aiosqlite:///./data/units.db"
EMBEDDED_COMMUNITY_URL = "sqlite+aiosqlite:///./data/community.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUALHUB_", env_file=".env", extra="ignore")

    units_database_url: str = Field(
        EMBEDDED_UNITS_URL, description="Work-unit side database (SQLite or PostgreSQL)."
    )
    community_database_url: str = Field(
        EMBEDDED_COMMUNITY_URL, description="Community side database (SQLite or PostgreSQL)."
    )
    debug_sql: bool = Field(
        False, description="Add extensions.sqlStatements to every GraphQL response."
    )
    max_page_size: int = Field(100, ge=1, le=1000, description="Cap on `first` for any list.")
    graphiql: bool = Field(True, description="Serve the GraphiQL IDE at /graphql.")
    log_level: str = Field("info", description="Log level of the hub and uvicorn.")

    @property
    def embedded(self) -> bool:
        """Both sides on SQLite: the zero-setup default, where demo data may be loaded."""
        urls = (self.units_database_url, self.community_database_url)
        return all(make_url(url).get_backend_name() == "sqlite" for url in urls)
