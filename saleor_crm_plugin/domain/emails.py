import hashlib


def normalize_email(email: str | None) -> str:
    """Key used to attribute guest orders: trimmed and lower-cased.

    Trims spaces only, exactly like PostgreSQL's ``btrim()`` in
    ``saleor_crm_plugin.sql`` (``str.strip()`` would also drop tabs and newlines,
    so Python and SQL would disagree on the key and on :func:`email_hash`).
    """
    return (email or "").strip(" ").lower()


def email_hash(email: str | None) -> str:
    """One-way hash kept after erasure, so erased data is never re-imported.

    Must match the SQL expression in ``saleor_crm_plugin.sql.EMAIL_HASH_SQL``.
    """
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()
