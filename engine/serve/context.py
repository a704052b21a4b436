"""What every route module is handed: the engine, the checked config and the page renderer."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from engine.runtime.engine import Engine
from engine.serve.config import ServeConfig
from engine.serve.history_cache import HistoryCache


def _templates() -> Environment:
    # Autoescape on for every template: whatever an execution holds (state names, input,
    # output, errors) is data, never markup.
    return Environment(
        loader=PackageLoader("engine.serve", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class ServeContext:
    """Shared by the route modules of one app; `csrf` is fresh per server process."""

    engine: Engine
    config: ServeConfig
    workflows: Path = field(default_factory=lambda: Path.cwd() / "workflows")
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    templates: Environment = field(default_factory=_templates)
    histories: HistoryCache = field(init=False)

    def __post_init__(self) -> None:
        self.histories = HistoryCache(self.engine)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        page = self.templates.get_template(template).render(csrf=self.csrf, **values)
        return HTMLResponse(page, status_code=status_code)

    def csrf_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent, self.csrf)
