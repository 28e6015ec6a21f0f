"""Problem types of reports and exports."""

from app.core.errors import Forbidden, InternalError, ServiceUnavailable, TooManyRequests, ValidationFailed


class UnsupportedFormat(ValidationFailed):
    slug = "unsupported-format"
    title_fr, title_en = "Format non pris en charge", "Unsupported format"


class TooManyRowsForXlsx(ValidationFailed):
    slug = "too-many-rows-for-xlsx"
    title_fr, title_en = (
        "Trop de lignes pour un classeur XLSX",
        "Too many rows for an XLSX workbook",
    )


class UnknownServiceType(ValidationFailed):
    slug = "unknown-service-type"
    title_fr, title_en = "Type de service inconnu", "Unknown service type"


class UnknownDimension(ValidationFailed):
    slug = "unknown-dimension"
    title_fr, title_en = "Ventilation inconnue", "Unknown breakdown"


class ExportPurposeRequired(ValidationFailed):
    slug = "export-purpose-required"
    title_fr, title_en = (
        "Un export nominatif doit indiquer sa finalité",
        "A named export must state its purpose",
    )


class NamedExportForbidden(Forbidden):
    slug = "named-export-forbidden"
    title_fr, title_en = (
        "Seuls les administrateurs peuvent exporter des données nominatives",
        "Only administrators may export named data",
    )


class ExportsBusy(ServiceUnavailable):
    slug = "exports-busy"
    title_fr, title_en = "Trop d'exports en cours", "Too many exports in progress"


class TooManyExports(TooManyRequests):
    slug = "too-many-exports"
    title_fr, title_en = "Vous avez déjà des exports en cours", "You already have exports in progress"


class ExportFailed(InternalError):
    """The export's file could not be written (its writer process died, the disk is full, a value
    could not be written); nothing of it was sent. The cause is in the server's log."""

    slug = "export-failed"
    title_fr, title_en = "L'export n'a pas pu être écrit", "The export could not be written"
