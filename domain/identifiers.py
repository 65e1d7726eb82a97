"""Identifier formats shared by several areas: email addresses and NPIs."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NPI = re.compile(r"[0-9]{10}")
NPI_PREFIX = "80840"  # ISO 7812 issuer prefix of US health identifiers, part of the Luhn sum


def npi_check_digit(base: str) -> int:
    """The tenth digit of an NPI whose first nine are `base` (Luhn over 80840 + base)."""
    total = 0
    for position, char in enumerate(reversed(NPI_PREFIX + base)):
        digit = int(char)
        if position % 2 == 0:  # the check digit will be appended, so the rightmost is doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit, as CMS defines the NPI."""
    return bool(NPI.fullmatch(npi)) and npi_check_digit(npi[:9]) == int(npi[9])
