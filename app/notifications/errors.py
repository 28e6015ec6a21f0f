"""Problems (RFC 9457) of the notification endpoints."""

from __future__ import annotations

from app.core.errors import Conflict, NotFound


class NotificationNotFound(NotFound):
    slug = "notification-not-found"
    title_fr, title_en = "Message introuvable", "Notification not found"


class NotInDoubt(Conflict):
    slug = "notification-not-in-doubt"
    title_fr, title_en = "Ce message n'est pas en attente de décision", "This notification is not in doubt"


class AddressForgotten(Conflict):
    slug = "notification-address-forgotten"
    title_fr, title_en = "L'adresse de ce message a été effacée", "This notification's address was erased"
