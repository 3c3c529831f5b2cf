"""A field of a BULK INSERT file turned into the value of its column, as the contract declares it
(`sales_assets/source/tables.py`): exact Decimals within the column's precision, integers within
their range, ISO datetimes, booleans, upper-case GUIDs, text within its length. A field that is not
such a value raises ValueError, which the importer reports with its file and line."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial


def _datetime(text: str) -> str:
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        raise ValueError("a datetime has no time zone in AdventureWorks")
    # The embedded source's storage format (see generator._ts); datetime keeps milliseconds.
    if value.microsecond:
        return value.isoformat(" ", timespec="milliseconds")
    return value.isoformat(" ")


def _integer(text: str, bits: int) -> int:
    value = int(text)
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise ValueError("out of the column's range")
    return value


def _decimal(text: str, integer_digits: int) -> Decimal:
    value = Decimal(text.strip())
    if not value.is_finite() or (value and value.adjusted() >= integer_digits):
        raise ValueError("not a finite number within the column's precision")
    return value


def _text(text: str, length: int) -> str:
    # SQL Server would refuse it too ("String or binary data would be truncated").
    if len(text) > length:
        raise ValueError("longer than the column holds")
    return text


_BITS = {"0": False, "1": True, "false": False, "true": True}


def _bit(text: str) -> bool:
    return _BITS[text.strip().lower()]


_GUID = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")


def _guid(text: str) -> str:
    # uniqueidentifier as SQL Server prints it (and the generator stores it): upper-case, no braces.
    text = text.strip().removeprefix("{").removesuffix("}")
    if not _GUID.fullmatch(text):
        raise ValueError("not a uniqueidentifier")
    return text.upper()


_INTEGER_BITS = {"SMALLINT": 16, "INTEGER": 32}  # SQL Server's smallint (and tinyint) and int
NUMBER = re.compile(r"(?:NUMERIC|DECIMAL)\((\d+),(\d+)\)")
_CHARACTERS = re.compile(r"N?(?:VAR)?CHAR\((\d+)\)")


def converter(declaration: str) -> Callable[[str], object]:
    """The function that turns a field into the value of a column so declared, or raises ValueError."""
    kind = declaration.split()[0].split("(")[0].upper()
    if kind in _INTEGER_BITS:
        return partial(_integer, bits=_INTEGER_BITS[kind])
    if number := NUMBER.match(declaration):
        precision, scale = int(number[1]), int(number[2])
        return partial(_decimal, integer_digits=precision - scale)
    if kind == "DATETIME":
        return _datetime
    if kind == "BOOLEAN":
        return _bit
    if declaration.startswith("CHAR(36)"):
        return _guid
    if characters := _CHARACTERS.match(declaration):
        return partial(_text, length=int(characters[1]))
    return str
