"""Problem types of the register import.

Every one of them is raised before anything is written: a file that cannot be read as a register
is refused as a whole (4xx over the API, exit code 2 on the command line).
"""

from app.core.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed


class UnreadableRegister(ValidationFailed):
    """The file is not text in a known encoding, or a broken spreadsheet."""

    slug = "import-unreadable-file"
    title_fr, title_en = "Fichier de registre illisible", "Unreadable register file"


class EmptyRegister(ValidationFailed):
    """The file is empty, or holds a header line and no data row."""

    slug = "import-empty-file"
    title_fr, title_en = "Registre vide", "Empty register"


class TruncatedRegister(ValidationFailed):
    """The file ends in the middle of a row (an unclosed quote, a last line with missing cells)."""

    slug = "import-truncated-file"
    title_fr, title_en = "Registre tronqué", "Truncated register"


class UnrecognisedHeaders(ValidationFailed):
    """The header line does not name the columns of a desk register."""

    slug = "import-unrecognised-headers"
    title_fr, title_en = "En-têtes du registre non reconnus", "Unrecognised register headers"


class UnsupportedRegisterFormat(UnsupportedMediaType):
    """Neither a delimited text file nor an XLSX workbook (or an .xlsx that is not a zip)."""

    slug = "import-unsupported-format"
    title_fr, title_en = "Format de registre non pris en charge", "Unsupported register format"


class RegisterTooLarge(PayloadTooLarge):
    """The file is over an import bound: its size (``IMPORT_MAX_BYTES``), what it inflates to, its
    compression ratio or member count (a zip bomb), its rows, columns or parse time
    (``IMPORT_MAX_*``); the ``limit`` member names the setting."""

    slug = "import-file-too-large"
    title_fr, title_en = "Fichier de registre trop volumineux", "Register file too large"


class ImportBatchNotFound(NotFound):
    slug = "import-batch-not-found"
    title_fr, title_en = "Import introuvable", "Import not found"


class AmbiguousDelimiter(ValidationFailed):
    """No delimiter makes the header line name the register's columns, and several could be meant."""

    slug = "import-ambiguous-delimiter"
    title_fr, title_en = "Séparateur de colonnes incertain", "Ambiguous column delimiter"
