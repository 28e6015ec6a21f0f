# Production image: migrations, reference data, then the server (several can run behind a proxy).
# Needs SECRET_KEY and AUDIT_SIGNING_KEY_FILE (a mounted Ed25519 PEM); on PostgreSQL set
# DATABASE_OWNER_URL too, so the server runs as a role that cannot rewrite the audit log.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENVIRONMENT=production DATA_DIR=/var/lib/diaspora-desk
WORKDIR /srv/diaspora-desk

COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --home /var/lib/diaspora-desk --create-home desk

USER desk
EXPOSE 8000
CMD ["sh", "-c", "diaspora-desk migrate && diaspora-desk seed && exec diaspora-desk serve --host 0.0.0.0 --port 8000"]
