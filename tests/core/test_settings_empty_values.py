"""An optional setting left empty in the environment is unset, as the text settings whose default
is empty always were (``DATABASE_OWNER_URL=""``: ``DATABASE_URL`` does both)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings

OPTIONAL = sorted(name for name, field in Settings.model_fields.items() if field.default is None)


def test_the_optional_settings_are_the_paths_keys_and_accounts_the_readme_lists() -> None:
    assert OPTIONAL == [
        "audit_signing_key_file",
        "desk_admin_email",
        "desk_admin_password",
        "documents_local_dir",
        "metrics_token",
        "notify_templates_dir",
        "pseudonym_key",
        "s3_access_key_id",
        "s3_endpoint_url",
        "s3_secret_access_key",
        "secret_key",
        "smtp_password",
        "twilio_auth_token",
    ]


@pytest.mark.parametrize("name", OPTIONAL)
def test_an_empty_optional_setting_is_unset(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name.upper(), "")
    assert getattr(Settings(_env_file=None), name) is None  # type: ignore[call-arg]


def test_an_empty_key_file_setting_is_the_key_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """It was the path ``.``: the app and ``verify-audit`` failed with "cannot be read: Is a directory"."""
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", "")
    monkeypatch.setenv("DOCUMENTS_LOCAL_DIR", "")
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.effective_audit_signing_key_file == tmp_path / "audit_signing_key.pem"
    assert settings.effective_documents_dir == tmp_path / "documents"


def test_an_empty_secret_key_is_no_secret_key_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty ``SECRET_KEY`` was a key: production signed access tokens with the empty string."""
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(ValidationError, match="SECRET_KEY is required when ENVIRONMENT=production"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_set_value_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", "/etc/diaspora-desk/audit.pem")
    monkeypatch.setenv("METRICS_TOKEN", "scraper-token")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.audit_signing_key_file == Path("/etc/diaspora-desk/audit.pem")
    assert settings.metrics_token is not None and settings.metrics_token.get_secret_value() == "scraper-token"
