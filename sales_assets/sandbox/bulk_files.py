"""Reading the files of Microsoft's AdventureWorks install script as BULK INSERT reads them.

Three formats, sniffed per file (see sales_assets/sandbox/adventureworks.py for where they occur):
8-bit text (UTF-8, or Windows-1252 for older downloads) and UTF-16LE with TAB between fields and
a line break after each row, and `+|` between fields with `&|` and a line break after each row
(fields may then hold line breaks). Every row ends in its terminator, the last one included, so a
file cut short is reported; a byte that is not text in the file's encoding is reported with its
line. Records carry their row and first line number, for errors people can find in an editor.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path


class AdventureWorksImportError(ValueError):
    """The CSV folder cannot be imported; the message names the file, line and what was expected."""


# Decoded with surrogateescape, a byte that is not UTF-8 becomes a lone surrogate U+DC80..U+DCFF.
_NOT_UTF8 = re.compile(r"[\udc80-\udcff]")
_UTF8_BEYOND_ASCII = re.compile(r"[^\x00-\x7f\udc80-\udcff]")


def sniff_encoding(path: Path) -> str:
    """The codec that reads `path`: by BOM, else UTF-16LE if it has NUL bytes, else UTF-8 unless the
    file holds bytes that are not UTF-8 and no character that is, else cp1252."""
    with path.open("rb") as raw:
        head = raw.read(4096)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # the codec reads the BOM and drops it
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if b"\x00" in head:
            return "utf-16-le"
        raw.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        not_utf8 = utf8 = False
        while True:
            chunk = raw.read(1 << 20)
            text = decoder.decode(chunk, final=not chunk)
            if not text.isascii():
                not_utf8 = not_utf8 or _NOT_UTF8.search(text) is not None
                utf8 = utf8 or _UTF8_BEYOND_ASCII.search(text) is not None
            if not chunk:
                break
    return "cp1252" if not_utf8 and not utf8 else "utf-8"


def _undecodable(path: Path, encoding: str) -> AdventureWorksImportError:
    """The error for a file that is not valid `encoding` text, naming the line of its first bad byte.

    Reading stops at the first bad byte without knowing its line, so the file is decoded once more,
    counting line breaks up to that byte.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as raw:
        try:
            while chunk := raw.read(1 << 20):
                line += decoder.decode(chunk).count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            line += error.object[: error.start].decode(error.encoding, "replace").count("\n")
            bad = error.object[error.start : error.end].hex(" ")
            label = encoding.removesuffix("-sig").upper()
            return AdventureWorksImportError(
                f"{path.name}, line {line}: cannot be decoded as {label} ({error.reason}: bytes {bad})"
            )
    return AdventureWorksImportError(f"{path.name}: cannot be decoded as {encoding}")  # not reached


@dataclass(frozen=True)
class Record:
    row: int  # 1-based row number in the file
    line: int  # line on which the row starts
    fields: list[str]


def _strip_eol(line: str) -> str:
    return line[:-1].removesuffix("\r") if line.endswith("\n") else line


def _cut_short(path: Path, record: Record, terminator: str) -> AdventureWorksImportError:
    return error_at(path, record, f"the file ends inside this row, before its terminator ({terminator}): cut short?")


def _tab_records(path: Path, lines: Iterable[str]) -> Iterator[Record]:
    row = 0
    for number, line in enumerate(lines, start=1):
        text = _strip_eol(line)
        if not text:
            continue  # a blank line (e.g. at the end of the file) holds no row
        row += 1
        record = Record(row, number, text.split("\t"))
        if not line.endswith("\n"):
            raise _cut_short(path, record, "a line break")
        if "\r" in text:
            # Only before the LF of a CRLF: fields of the TAB format hold no line breaks.
            raise error_at(path, record, "a stray carriage return (CR) inside the row; rows end in LF or CRLF")
        yield record


def _pipe_records(path: Path, lines: Iterable[str]) -> Iterator[Record]:
    """Rows ending in `&|` at a line end; a line break inside a field belongs to the field."""
    row, start, pending = 0, 0, []
    for number, line in enumerate(lines, start=1):
        text = _strip_eol(line)
        if not pending:
            if not text:
                continue
            start = number
        if text.endswith("&|") and line.endswith("\n"):
            pending.append(text[:-2])
            row += 1
            yield Record(row, start, "".join(pending).split("+|"))
            pending = []
        else:
            pending.append(line)
    if pending:
        raise _cut_short(path, Record(row + 1, start, []), "&| and a line break")


def read_records(path: Path) -> tuple[str, Iterator[Record]]:
    """(format description, rows) of one CSV file, streamed: the file is read a line at a time."""
    encoding = sniff_encoding(path)
    stream = path.open(encoding=encoding, newline="\n")  # split at LF only; a CR before it is ours to strip
    try:
        first = stream.readline()
    except UnicodeDecodeError as error:
        stream.close()
        raise _undecodable(path, encoding) from error
    pipes = "+|" in first or _strip_eol(first).endswith("&|")
    kind = "+| fields, &| rows" if pipes else "tab-separated"

    def records() -> Iterator[Record]:
        with stream:
            lines = chain([first], stream)
            try:
                yield from (_pipe_records(path, lines) if pipes else _tab_records(path, lines))
            except UnicodeDecodeError as error:
                raise _undecodable(path, encoding) from error

    return f"{encoding.removesuffix('-sig').upper()}, {kind}", records()


def error_at(path: Path, record: Record, problem: str) -> AdventureWorksImportError:
    return AdventureWorksImportError(f"{path.name}, line {record.line} (row {record.row}): {problem}")
