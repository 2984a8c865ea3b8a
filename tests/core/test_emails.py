import hashlib
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.emails import email_hash, normalize_email

SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice@Example.COM  ", "alice@example.com"),
        ("BOB@EXAMPLE.ORG", "bob@example.org"),
        ("   ", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_email_trims_and_lowercases(raw, expected):
    assert normalize_email(raw) == expected


def test_normalize_keeps_inner_characters():
    assert normalize_email(" Jo Smith+Tag@Example.com ") == "jo smith+tag@example.com"


def test_email_hash_is_sha256_hex_of_normalized_email():
    expected = hashlib.sha256(b"alice@example.com").hexdigest()
    assert email_hash("  ALICE@example.com ") == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


def test_empty_and_missing_email_hash_to_sha256_of_empty_string():
    assert email_hash(None) == SHA256_EMPTY
    assert email_hash("") == SHA256_EMPTY
    assert email_hash("   ") == SHA256_EMPTY


def test_different_emails_hash_differently():
    assert email_hash("alice@example.com") != email_hash("alice@example.org")


def test_non_ascii_is_hashed_as_utf8():
    assert (
        email_hash("Zoë@Example.com")
        == hashlib.sha256("zoë@example.com".encode("utf-8")).hexdigest()
    )


local = st.text(string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20)
domain = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=15)
emails = st.builds(
    lambda a, b, tld: f"{a}@{b}.{tld}",
    local,
    domain,
    st.sampled_from(["com", "ORG", "De"]),
)


@given(emails, st.data())
def test_hash_is_stable_across_case_and_space_variants(email, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(email), max_size=len(email)))
    variant = "".join(c.swapcase() if f else c for c, f in zip(email, flips))
    padded = (
        " " * data.draw(st.integers(0, 3))
        + variant
        + " " * data.draw(st.integers(0, 3))
    )
    assert normalize_email(padded) == email.lower()
    assert email_hash(padded) == email_hash(email)
    assert email_hash(padded) == hashlib.sha256(email.lower().encode()).hexdigest()


def _pg_lower_btrim(value: str) -> str:
    """PostgreSQL ``lower(btrim(value))`` for ASCII input: btrim with no second
    argument removes spaces only; lower() maps A-Z to a-z in every collation."""
    return value.strip(" ").translate(
        str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    )


@pytest.mark.parametrize(
    "raw", ["\talice@example.com", "alice@example.com\n", " \r\nAlice@Example.com\t "]
)
def test_normalize_trims_exactly_what_sql_btrim_trims(raw):
    # email_hash must match EMAIL_HASH_SQL (lower(btrim(email))), otherwise an
    # erasure tombstone written from Python would not block re-import in SQL.
    assert normalize_email(raw) == _pg_lower_btrim(raw)


@given(st.text(string.printable + "\x0b\x0c", max_size=40))
def test_normalize_matches_sql_lower_btrim_for_ascii(raw):
    assert normalize_email(raw) == _pg_lower_btrim(raw)
    assert (
        email_hash(raw)
        == hashlib.sha256(_pg_lower_btrim(raw).encode("utf-8")).hexdigest()
    )
