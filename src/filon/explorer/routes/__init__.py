"""The explorer's routes, one `APIRouter` per area: the JSON API, the HTML pages, the QR codes.

Each route reads the explorer's state (`_common.ExplorerState`, set on `app.state` by `create_app`) through
a dependency, so a router holds no state of its own and serves every app that includes it. The endpoints
carry no docstring: FastAPI would publish it as the operation's description in the OpenAPI document, whose
summaries are the routes' documentation.
"""
