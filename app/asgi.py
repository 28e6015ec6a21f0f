"""The ASGI entry point for uvicorn and the Docker image: ``app.asgi:app``.

Imported by uvicorn however it was started (``diaspora-desk serve``, or ``uvicorn app.asgi:app``
directly): a setting refused or an audit signing key that cannot be used is told in one line on
stderr, and the process exits (2 or 1, :mod:`app.startup`), never with a traceback. A worker
process of ``uvicorn --workers N`` exits with uvicorn's own start-up failure code instead (3),
the one on which its supervisor stops rather than start the worker again, and again.
"""

import multiprocessing

from app.main import create_app
from app.startup import CannotStart, read_settings

_UVICORN_STARTUP_FAILURE = 3  # uvicorn.config.STARTUP_FAILURE

try:
    app = create_app(read_settings())
except CannotStart as refused:
    refused.exit(_UVICORN_STARTUP_FAILURE if multiprocessing.parent_process() is not None else None)
