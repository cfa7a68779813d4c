"""Settings from the environment (prefix `DUALHUB_`) or a `.env` file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

EMBEDDED_UNITS_URL = "sqlite+aiosqlite:///./data/units.db"
EMBEDDED_COMMUNITY_URL = "sqlite+aiosqlite:///./data/community.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUALHUB_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development",
        description="development: GraphiQL, introspection, generated signing secret, demo "
        "tokens. production: refuses to start without keys; GraphiQL and introspection off "
        "unless enabled; errors masked.",
    )
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
    graphiql: bool | None = Field(
        None, description="Serve the GraphiQL IDE at /graphql [default: on in development]."
    )
    introspection: bool | None = Field(
        None, description="Allow schema introspection [default: on in development]."
    )
    log_level: str = Field("info", description="Log level of the hub and uvicorn.")

    @property
    def embedded(self) -> bool:
        """Both sides on SQLite: the zero-setup default, where demo data may be loaded."""
        urls = (self.units_database_url, self.community_database_url)
        return all(make_url(url).get_backend_name() == "sqlite" for url in urls)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.production

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.production
