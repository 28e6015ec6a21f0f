"""The ASGI entry point for uvicorn and the Docker image: ``app.asgi:app``.

Imported by uvicorn however it was started (``diaspora-desk serve``, or ``uvicorn app.asgi:app``
directly): a setting refused or an audit signing key that cannot be used is told in one line on
stderr, and the process exits (2 or 1, :mod:`app.startup`), never with a traceback; so is a
database that cannot be used (exit 3, :func:`app.startup.check_database`). A worker
process of ``uvicorn --workers N`` exits with uvicorn's own start-up failure code instead (3),
the one on which its supervisor stops rather than start the worker again, and again.

Once built, the objects made while starting are left out of the garbage collector's full
collections (:func:`app.core.collector.freeze_startup_objects`): here, in the serving process, not
in :func:`app.main.create_app`, which a process hosting many apps one after another (the test
suite's live servers) also calls.
"""

import multiprocessing

from app.core.collector import freeze_startup_objects
from app.main import create_app
from app.startup import CannotStart, check_database, read_settings

_UVICORN_STARTUP_FAILURE = 3  # uvicorn.config.STARTUP_FAILURE

try:
    settings = read_settings()
    app = create_app(settings)
    check_database(settings)  # before listening: one line and exit 3, not a server answering only 503
except CannotStart as refused:
    refused.exit(_UVICORN_STARTUP_FAILURE if multiprocessing.parent_process() is not None else None)
freeze_startup_objects()
