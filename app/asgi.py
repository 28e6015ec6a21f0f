"""The ASGI entry point for uvicorn and the Docker image: ``app.asgi:app``."""

from app.main import create_app

app = create_app()
