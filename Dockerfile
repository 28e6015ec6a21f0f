# Production image: migrations, reference data, then the server (several can run behind a proxy).
# Needs SECRET_KEY and the audit log's Ed25519 signing key, mounted (read-only, readable by the
# user `desk`) at /run/secrets/audit_signing_key.pem or wherever AUDIT_SIGNING_KEY_FILE says: the
# server refuses to start without it. On PostgreSQL, run `diaspora-desk migrate` once with
# DATABASE_OWNER_URL (the owner) and DATABASE_URL (the application's role, created and granted
# then), and give the servers DATABASE_URL only (README, "Running with Docker"). The server never
# holds DATABASE_OWNER_URL: it is removed from its environment if passed.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENVIRONMENT=production DATA_DIR=/var/lib/diaspora-desk \
    AUDIT_SIGNING_KEY_FILE=/run/secrets/audit_signing_key.pem
WORKDIR /srv/diaspora-desk

COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --home /var/lib/diaspora-desk --create-home desk

USER desk
EXPOSE 8000
CMD ["sh", "-c", "diaspora-desk migrate && diaspora-desk seed && exec env -u DATABASE_OWNER_URL diaspora-desk serve --host 0.0.0.0 --port 8000"]
