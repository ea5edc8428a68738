"""Optional parts of Filón: the index and the explorer come with extras, so that the core library a partner
system imports installs without a database or web stack. A part used without its extra says, in one line,
which extra to install."""

from __future__ import annotations

import importlib.util

from filon._errors import FilonError

EXTRAS = {
    "index": ("sqlalchemy", "alembic"),
    "explorer": ("sqlalchemy", "alembic", "fastapi", "jinja2", "python_multipart", "uvicorn"),
}
"""The modules each extra installs (by import name), as pyproject.toml's optional dependencies list them."""


class MissingExtra(FilonError, ImportError):
    """An optional part of Filón is imported without the extra that installs its packages.

    Attributes:
        extra: The extra to install, e.g. "index" for `pip install 'filon[index]'`.
    """

    def __init__(self, part: str, extra: str, module: str) -> None:
        super().__init__(
            f"{part} needs the '{extra}' extra ({module} is not installed): pip install 'filon[{extra}]'",
            name=module,
        )
        self.extra = extra


def missing_package(extra: str) -> str | None:
    """The first package of `extra` that is not installed (by import name), or None when all are.

    Nothing is imported: a part checks this before it imports the packages it needs, and raises
    `MissingExtra` with the name returned.

    Args:
        extra: The extra, a key of `EXTRAS`.
    """
    return next((module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None), None)
