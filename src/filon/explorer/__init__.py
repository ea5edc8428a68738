"""The buyers' explorer: lot pages, provenance graphs, document checks and red flags, over the index.

::

    from filon.explorer import create_app
    from filon.index import open_index

    index = open_index("deployment.json", rpc_url="http://127.0.0.1:8545")
    uploaders = Uploaders.connect("http://127.0.0.1:8545", "deployment.json")  # who may upload to /ipfs/
    app = create_app(index, DocumentStore(".filon/store"), sync_interval=2.0, uploaders=uploaders)
    uvicorn.run(app, host="127.0.0.1", port=8000)

Pages are plain server-rendered HTML that work without JavaScript; each one's data is also JSON under
`/api/` (the same function builds both), described at `/openapi.json` (no page loads anything from
elsewhere: FastAPI's CDN-hosted `/docs` and `/redoc` are not served). The document store the supply chain
shares is under `/ipfs/` (docs/store.md).
Needs the `explorer` extra: `pip install 'filon[explorer]'`.
"""

from filon._extras import MissingExtra, missing_package

if missing := missing_package("explorer"):
    raise MissingExtra("filon.explorer", "explorer", missing)

from filon._uploaders import Uploaders
from filon.explorer._app import create_app

__all__ = ["Uploaders", "create_app"]
