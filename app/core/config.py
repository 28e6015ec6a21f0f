"""One settings object, read once at start-up from the environment (and `.env` if present).

Every setting's environment variable is its field name in upper case (``DATABASE_URL``,
``SECRET_KEY``…). The README lists them with their defaults. An empty value means unset, as it
always did for the text settings whose default is empty (``DATABASE_OWNER_URL``): an optional
setting (default None) left empty is None, not the path ``.`` or an empty key.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    EmailStr,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
"""Where ``make run`` serves the API (``HOST``, ``PORT`` of the Makefile)."""


class Settings(BaseSettings):
    """The service's configuration.

    Raises ``pydantic.ValidationError`` at start-up when a value is malformed, and ``ValueError``
    when ``ENVIRONMENT=production`` without a ``SECRET_KEY``.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    _file_key: str | None = PrivateAttr(default=None)

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    # PostgreSQL: the role that owns the schema and runs the migrations (DATABASE_URL's role then
    # gets only what the application needs; see docs/audit.md). Empty: DATABASE_URL does both.
    database_owner_url: str = ""
    database_pool_size: int = Field(default=20, ge=1, le=500)
    database_max_overflow: int = Field(default=0, ge=0, le=500)
    database_pool_timeout_seconds: float = Field(default=30, gt=0, le=600)
    # Test a pooled connection before handing it out, so a restarted database costs no request.
    database_pre_ping: bool = True
    database_connect_timeout_seconds: float = Field(default=10, gt=0, le=600)
    # SQLite: how long a write waits for another transaction's write lock before the request is
    # answered 503 "busy" (https://www.sqlite.org/c3ref/busy_timeout.html).
    database_busy_timeout_seconds: float = Field(default=30, gt=0, le=600)
    # PostgreSQL reached through PgBouncer in transaction (or statement) pooling mode: no cached
    # prepared statements, unique statement names (also set by `?pgbouncer=true` in DATABASE_URL).
    database_pgbouncer: bool = False
    secret_key: SecretStr | None = None

    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=14 * 86_400, ge=3600)
    # Clock skew tolerated on an access token's iat/nbf/exp (another server's clock slightly off).
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # How long a login waits for the verdicts of simultaneous attempts on its account that fill
    # the allowance of LOGIN_MAX_FAILURES before answering 429 login-busy (app/auth/throttle.py).
    login_busy_wait_seconds: float = Field(default=10, ge=0, le=60)
    actor_cache_seconds: float = Field(default=5, ge=0, le=300)

    cors_origins: list[str] = []
    # The address clients reach the API at (scheme, host, port, and a path prefix if any), behind
    # the reverse proxy: the OAuth 2.0 issuer and the absolute URLs of its metadata (RFC 8414 §2),
    # never taken from a request's Host header. The default is `make run`'s; `serve` sets the
    # address it listens on when this is unset (app.cli._served_at).
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    default_language: Literal["fr", "en"] = "fr"
    # Validated as staff e-mails are (POST /api/v1/users), so the first administrator's address is one
    # the API itself would accept (special-use domains such as .local are not).
    desk_admin_email: EmailStr | None = None
    desk_admin_password: SecretStr | None = None

    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated,
    # "*" for any). Empty: the peer address is the client's, as recorded in the audit log and
    # used by the login rate limit.
    forwarded_allow_ips: str = ""
    import_max_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    # Exports streaming at once in one server process, in all and of one staff member
    # (app/reports/slots.py): each holds a database connection, an XLSX one a writer process too.
    export_max_concurrent: int = Field(default=4, ge=1)
    export_max_concurrent_per_user: int = Field(default=2, ge=1)
    # Seconds an XLSX writer process may use no CPU while it is waited on before its export fails
    # (stopped, or stuck on a disk that does not answer): app/reports/streaming.py.
    export_writer_stall_seconds: float = Field(default=60.0, gt=0)
    # Register imports are bounded before and while reading (app/imports/workbook.py): data rows,
    # columns, what an XLSX (a zip) may inflate to, a large part's compression ratio, its number of
    # parts, and the seconds one read may take.
    # PostgreSQL: how long a desk's import lease lasts unless its run renews it (app/imports/holding.py).
    import_lease_seconds: float = Field(default=30, ge=1, le=3600)
    import_max_rows: int = Field(default=50_000, ge=1)
    import_max_columns: int = Field(default=200, ge=2)
    import_max_uncompressed_bytes: int = Field(default=100 * 1_048_576, ge=1024)
    import_max_compression_ratio: int = Field(default=100, ge=1)
    import_max_zip_members: int = Field(default=1_000, ge=1)
    import_max_parse_seconds: float = Field(default=60, ge=0)

    # Registrants: per-type regexes over normalised identity document numbers (layouts are
    # unverified, DOMAIN.md), merged over app.registrants.normalize.DEFAULT_DOCUMENT_PATTERNS.
    # (The prefix of a desk's human numbers is the desk's stored number_prefix, not a setting.)
    document_number_patterns: dict[str, str] = {}
    # Documents (app/documents): limits, allowed types, storage backend.
    documents_max_bytes: int = Field(default=20 * 1_048_576, ge=1)
    documents_max_parts: int = Field(default=8, ge=1, le=100)
    documents_max_field_bytes: int = Field(default=4096, ge=64)
    # Only types the desk can name, check and clean of metadata (app/documents/content.py,
    # images.py, pdf.py): another type would be stored with whatever it hides.
    documents_allowed_types: list[
        Literal["application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"]
    ] = [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/heif",
        "image/webp",
    ]
    documents_strip_metadata: bool = True
    documents_strip_pdf_metadata: bool = True
    documents_max_image_pixels: int = Field(default=60_000_000, ge=1)
    documents_storage: Literal["local", "s3"] = "local"
    documents_local_dir: Path | None = None
    documents_gc_grace_seconds: int = Field(default=86_400, ge=0)
    documents_retention_days: int = Field(default=30, ge=0)
    # GDPR art. 12(3): one month; laws 09-08 and 2008-12 set their own delays: check the one in force.
    subject_request_deadline_days: int = Field(default=30, ge=1, le=365)
    # Retention (app/privacy/retention.py; docs/data-protection.md gives the legal reasoning):
    # a closed case's free text is anonymised this many years after closure; a registrant with
    # no open case and no activity for this many years is anonymised (erasure).
    retention_closed_case_years: int = Field(default=5, ge=1, le=100)
    retention_inactive_registrant_years: int = Field(default=5, ge=1, le=100)
    # Messages sent to people (addresses, one-time codes) keep their address and content this many
    # days, then only their event, channel and status; expired sign-in codes are deleted then too.
    retention_notification_days: int = Field(default=90, ge=1, le=3650)
    # How often the worker's retention job runs (anonymising what is past retention); 0: never.
    retention_interval_seconds: float = Field(default=86_400, ge=0)
    # How often the worker counts the common match keys again (app.registrants.frequencies); 0: never.
    term_frequency_interval_seconds: float = Field(default=3_600, ge=0)
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_multipart_threshold_bytes: int = Field(default=8 * 1_048_576, ge=5 * 1_048_576)

    # Reports and exports (app/reports): small-cell threshold, age-band lower bounds (years),
    # and the key of pseudonymous ids (derived from the signing key when unset).
    report_small_cell_threshold: int = Field(default=5, ge=1, le=100)
    report_age_bands: list[int] = Field(default=[0, 18, 25, 35, 50, 65], min_length=1)
    pseudonym_key: SecretStr | None = None

    # Audit log (app/audit): the Ed25519 key that signs checkpoints (PEM, PKCS#8; generated into
    # DATA_DIR/audit_signing_key.pem outside production), how often and how many events the
    # sequencer seals at a time, and the unsealed age past which /readyz answers 503.
    audit_signing_key_file: Path | None = None
    audit_seal_interval_seconds: float = Field(default=0.2, gt=0, le=60)
    audit_seal_batch: int = Field(default=1000, ge=1, le=100_000)
    audit_max_unsealed_seconds: float = Field(default=30, gt=0)
    # A bearer token a Prometheus scraper presents to GET /metrics (admins and auditors need none).
    metrics_token: SecretStr | None = None

    # Self-service of the people served (app/selfservice, docs/self-service.md): one-time sign-in
    # codes (lifetime, wrong tries per code), the limits on sending them (cool-down and daily cap
    # per recipient, hourly cap per client address), person token lifetime, the desk's link codes,
    # the appointment grid offered to persons and the service types they may request themselves.
    self_service_code_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    self_service_code_max_attempts: int = Field(default=5, ge=1, le=20)
    self_service_code_cooldown_seconds: int = Field(default=60, ge=0, le=3600)
    self_service_codes_per_recipient_per_day: int = Field(default=5, ge=1, le=100)
    self_service_codes_per_address_per_hour: int = Field(default=20, ge=1, le=10_000)
    self_service_token_ttl_seconds: int = Field(default=86_400, ge=300, le=30 * 86_400)
    self_service_link_code_ttl_seconds: int = Field(default=7 * 86_400, ge=300, le=30 * 86_400)
    self_service_link_max_failures: int = Field(default=5, ge=1, le=50)
    # How far ahead an appointment is taken (staff and self-service), from the desk's today: a day
    # further is refused (a year typed wrong), and free-slot searches stop there.
    appointment_booking_horizon_days: int = Field(default=365, ge=1, le=36_600)
    # How far ahead a supervisor may set a case's due date by hand, from the desk's today.
    case_due_date_horizon_days: int = Field(default=365, ge=1, le=36_600)
    self_service_slot_minutes: int = Field(default=30, ge=5, le=240)
    self_service_booking_lead_minutes: int = Field(default=120, ge=0, le=7 * 1440)
    self_service_service_types: list[str] = [
        "CONSULAR_ADMIN",
        "RESIDENCE_MA",
        "LEGAL_AID",
        "SOCIAL",
        "HEALTH",
        "PSYCHOSOCIAL",
        "EMPLOYMENT",
        "ENTREPRENEURSHIP",
        "TRAINING",
        "STUDENT",
        "MOBILITY_INFO",
        "RETURN_REINTEGRATION",
        "INFO_ONLY",
    ]

    # Notifications (app/notifications, docs/notifications.md). E-mail over SMTP; SMS and WhatsApp
    # through a provider: "log" (JSON lines under DATA_DIR/notifications/) or "twilio".
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "Diaspora Desk <no-reply@diaspora-desk.local>"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=600)
    email_provider: Literal["smtp", "log"] = "smtp"
    sms_provider: Literal["log", "twilio"] = "log"
    whatsapp_provider: Literal["log", "twilio"] = "log"
    provider_timeout_seconds: float = Field(default=15, gt=0, le=600)
    twilio_api_base: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr | None = None
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_messaging_service_sid: str = ""
    # Desk-supplied translations (Wolof…): <language>.json or <DESK-CODE>/<language>.json.
    notify_templates_dir: Path | None = None
    # The delivery worker: runs inside `serve` unless JOBS_IN_PROCESS=false (then `diaspora-desk worker`).
    jobs_in_process: bool = True
    notify_poll_seconds: float = Field(default=1.0, gt=0, le=300)
    notify_batch: int = Field(default=50, ge=1, le=10_000)
    notify_lease_seconds: float = Field(default=120, gt=0, le=86_400)
    notify_max_attempts: int = Field(default=8, ge=1, le=100)
    notify_backoff_seconds: float = Field(default=30, gt=0, le=86_400)
    notify_backoff_max_seconds: float = Field(default=6 * 3600, gt=0)
    # Appointment reminders: queued the day before, sent from this hour of the desk's local day.
    reminder_local_hour: int = Field(default=9, ge=0, le=23)
    reminder_interval_seconds: float = Field(default=900, gt=0, le=86_400)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """``""`` for an optional setting (default None) is None: ``AUDIT_SIGNING_KEY_FILE=""`` was
        read as the path ``.`` (then "cannot be read: Is a directory"), ``DOCUMENTS_LOCAL_DIR=""``
        as the working directory, ``SECRET_KEY=""`` as a key (production accepted it)."""
        if value == "" and info.field_name is not None and cls.model_fields[info.field_name].default is None:
            return None
        return value

    @field_validator("desk_admin_password")
    @classmethod
    def _admin_password_hard_to_guess(cls, password: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """``DESK_ADMIN_PASSWORD`` judged as every staff password is (:func:`app.users.passwords.refuse_unfit`:
        10 to 128 characters, not easy to guess, with ``DESK_ADMIN_EMAIL``): a weak one is a refused
        setting, so ``seed`` never makes an administrator anyone could sign in as."""
        if password is None:
            return None
        # Imported here: core imports no domain at import time; this one module needs only zxcvbn.
        from app.users.passwords import refuse_unfit

        refuse_unfit(password.get_secret_value(), account=(info.data.get("desk_admin_email"),))
        return password

    @field_validator("public_base_url")
    @classmethod
    def _an_http_address(cls, value: str) -> str:
        """``PUBLIC_BASE_URL``: an absolute ``http`` or ``https`` address without query, fragment
        or user information, kept without its trailing ``/``; empty is the default."""
        if value == "":
            return DEFAULT_PUBLIC_BASE_URL
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                "PUBLIC_BASE_URL must be an http or https address such as https://desk.example.org "
                "(no query, no fragment)"
            )
        if "@" in parts.netloc:
            raise ValueError("PUBLIC_BASE_URL must not hold user information (user:password@)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _require_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key is None:
            raise ValueError("SECRET_KEY is required when ENVIRONMENT=production")
        return self

    @property
    def effective_database_url(self) -> str:
        """``DATABASE_URL`` (with ``pgbouncer=true`` in its query when ``DATABASE_PGBOUNCER`` is
        set, so every engine made from it is configured for PgBouncer), or a SQLite file under
        ``DATA_DIR`` when it is unset."""
        if self.database_url:
            if self.database_pgbouncer and self.database_url.startswith("postgresql"):
                return str(make_url(self.database_url).update_query_dict({"pgbouncer": "true"}).render_as_string(False))
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'diaspora_desk.sqlite3'}"

    @property
    def effective_owner_database_url(self) -> str:
        """``DATABASE_OWNER_URL``, or the application's URL when it is unset."""
        return self.database_owner_url or self.effective_database_url

    @property
    def effective_audit_signing_key_file(self) -> Path:
        """``AUDIT_SIGNING_KEY_FILE``, or ``DATA_DIR/audit_signing_key.pem`` when it is unset."""
        return self.audit_signing_key_file or self.data_dir / "audit_signing_key.pem"

    @property
    def effective_documents_dir(self) -> Path:
        """``DOCUMENTS_LOCAL_DIR``, or ``DATA_DIR/documents`` when it is unset."""
        return self.documents_local_dir or self.data_dir / "documents"

    def signing_key(self) -> str:
        """The key that signs tokens and keys pseudonyms.

        In development and tests, a random key is generated once and kept in
        ``DATA_DIR/secret_key`` (mode 0600) so tokens survive a restart; it is read from disk once
        per settings object, not on every request.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self._file_key is None:
            path = self.data_dir / "secret_key"
            if not path.exists():
                self.data_dir.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_urlsafe(48))
                path.chmod(0o600)
            self._file_key = path.read_text().strip()
        return self._file_key


def refused_settings(exc: ValidationError) -> list[str]:
    """One line per setting :class:`Settings` refused, for an operator: the variable and why
    (``AUDIT_SEAL_BATCH: Input should be greater than or equal to 1``), never the value given (it
    may be a secret). A rule over several settings names none: ``SECRET_KEY is required when
    ENVIRONMENT=production``."""
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        names = [str(part) for part in error["loc"] if isinstance(part, str)]
        lines.append(f"{names[0].upper()}: {message}" if names else message)
    return lines
