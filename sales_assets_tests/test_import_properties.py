"""Property-based tests (Hypothesis) of the AdventureWorks importer on damaged files.

Each example starts from the valid sample folder of `test_import_adventureworks` (all three formats:
8-bit TAB, UTF-16 TAB, `+|`/`&|` rows), damages one file and imports the folder over an existing
source. The damages: a row with fields added or removed, bytes that are not text in the file's
encoding, the file cut at any byte, a huge field, a stray terminator. Each damage knows the outcome:
the import succeeds only when the file is still valid (cut exactly after a row, a huge value in a
column the contract does not read, a CR that turns an LF into a CRLF), and then holds exactly the
rows still in the file; otherwise it raises one AdventureWorksImportError that starts with the
file's name and the line an editor shows the damage on and says what was wrong, and the existing
source is left byte for byte as it was, with no temporary file behind.
"""

from __future__ import annotations

import codecs
import re
import shutil
import string
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sales_assets.sandbox.adventureworks import LAYOUTS, AdventureWorksImportError, FileLayout, import_adventureworks
from sales_assets.source import tables as t
from sales_assets_tests.source_rows import connect
from sales_assets_tests.test_import_adventureworks import write_sample

# The same examples on every run (CI is deterministic), and no example database in the repository.
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)


@dataclass(frozen=True)
class SampleFile:
    """One file of the valid sample: its rows of fields and how they are written."""

    name: str
    rows: tuple[tuple[str, ...], ...]
    encoding: str  # of the text after the BOM
    bom: bytes
    eol: str
    pipes: bool

    @property
    def layout(self) -> FileLayout:
        return next(layout for layout in LAYOUTS if layout.file_name == self.name)

    @property
    def separator(self) -> str:
        return "+|" if self.pipes else "\t"

    @property
    def terminator(self) -> str:
        return ("&|" if self.pipes else "") + self.eol

    def text(self, fields: Sequence[str]) -> str:
        """A row as written, terminator included."""
        return self.separator.join(fields) + self.terminator

    def encode(self, texts: Iterable[str]) -> bytes:
        return self.bom + "".join(texts).encode(self.encoding)

    def holding(self, rows: int | None = None) -> bytes:
        """The valid file with its first `rows` rows (all by default)."""
        return self.encode(map(self.text, self.rows[:rows]))

    def with_row(self, row: int, text: str) -> bytes:
        """The file with row `row` written as `text`."""
        return self.encode(self.text(fields) if i != row else text for i, fields in enumerate(self.rows))

    def with_bytes(self, row: int, offset: int, inserted: bytes) -> bytes:
        """The file with `inserted` before character `offset` of row `row`."""
        texts = [self.text(fields) for fields in self.rows]
        before = self.encode([*texts[:row], texts[row][:offset]])
        return before + inserted + "".join([texts[row][offset:], *texts[row + 1 :]]).encode(self.encoding)

    def line_of(self, row: int, offset: int = 0) -> int:
        """The line (1-based, as an editor counts) that character `offset` of row `row` is on."""
        before = "".join(self.text(fields) for fields in self.rows[:row]) + self.text(self.rows[row])[:offset]
        return 1 + before.count("\n")


def read_sample(path: Path) -> SampleFile:
    raw = path.read_bytes()
    bom = next((bom for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF8) if raw.startswith(bom)), b"")
    body = raw[len(bom) :]
    if bom == codecs.BOM_UTF16_LE:
        encoding = "utf-16-le"
    else:
        encoding = "utf-8" if body.decode("utf-8", "replace").encode() == body else "cp1252"
    text = body.decode(encoding)
    sample = SampleFile(path.name, (), encoding, bom, "\r\n" if text.endswith("\r\n") else "\n", "+|" in text)
    rows = tuple(tuple(row.split(sample.separator)) for row in text.split(sample.terminator)[:-1])
    sample = replace(sample, rows=rows)
    assert sample.holding() == raw, f"{path.name} is not read back exactly"
    return sample


@cache
def samples() -> tuple[SampleFile, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_sample(Path(tmp))
        return tuple(read_sample(folder / layout.file_name) for layout in LAYOUTS)


def files(where: Callable[[SampleFile], bool] = lambda sample: True) -> st.SearchStrategy[SampleFile]:
    return st.deferred(lambda: st.sampled_from([sample for sample in samples() if where(sample)]))


@dataclass(frozen=True)
class Damage:
    """A damaged file and what importing it must do."""

    sample: SampleFile
    data: bytes
    what: str
    line: int | None = None  # the line the error names; None: the file is still valid
    reason: str = ""  # a pattern of what the error says was wrong
    rows_left: int = 0  # the rows a valid file still holds

    def __repr__(self) -> str:
        expected = f"valid, {self.rows_left} rows" if self.line is None else f"line {self.line}, {self.reason!r}"
        return f"<{self.sample.name}: {self.what}; expected {expected}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # for Hypothesis, whose own printer would show the file's bytes


def _row(draw: st.DrawFn, sample: SampleFile) -> int:
    return draw(st.integers(0, len(sample.rows) - 1))


def _field_count_error(sample: SampleFile, found: int) -> str:
    return rf"expected {len(sample.layout.columns)} fields .*, found {found}$"


@st.composite
def wrong_field_counts(draw: st.DrawFn) -> Damage:
    sample = draw(files())
    row = _row(draw, sample)
    fields = list(sample.rows[row])
    # Neither count the file may have: with or without the fields of computed columns.
    valid = {len(sample.layout.columns), len(sample.layout.stored_columns)}
    count = draw(st.sampled_from([n for n in range(1, len(fields) + 4) if n not in valid]))
    while len(fields) > count:  # the first field, a key, stays: the row is never a blank line
        del fields[draw(st.integers(1, len(fields) - 1))]
    while len(fields) < count:
        fields.insert(
            draw(st.integers(0, len(fields))), draw(st.text(string.ascii_letters + string.digits, max_size=8))
        )
    data, what = sample.with_row(row, sample.text(fields)), f"row {row + 1} with {count} fields"
    return Damage(sample, data, what, sample.line_of(row), _field_count_error(sample, count))


# Invalid wherever they stand between two characters: a byte >= 0x80 before a character's first
# byte, or a sequence cut short, overlong, a surrogate, beyond U+10FFFF.
INVALID_UTF8 = st.one_of(
    st.integers(0x80, 0xFF).map(lambda byte: bytes([byte])),
    st.sampled_from([b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]),
)
UNDEFINED_CP1252 = st.sampled_from([b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
LONE_SURROGATE = st.integers(0xD800, 0xDFFF).map(lambda unit: unit.to_bytes(2, "little"))


def _reads_as_utf8(sample: SampleFile) -> bool:
    """A UTF-8 file the importer cannot take for Windows-1252: a BOM, or UTF-8 beyond ASCII."""
    return sample.encoding == "utf-8" and (bool(sample.bom) or not sample.holding().isascii())


@st.composite
def undecodable_bytes(draw: st.DrawFn) -> Damage:
    sample = draw(files(lambda s: s.encoding in {"utf-16-le", "cp1252"} or _reads_as_utf8(s)))
    label = {"utf-16-le": "UTF-16", "utf-8": "UTF-8", "cp1252": "CP1252"}[sample.encoding]
    reason = f"cannot be decoded as {label}"
    if sample.encoding == "utf-16-le" and draw(st.booleans()):
        data = sample.holding() + draw(st.binary(min_size=1, max_size=1))
        line = 1 + "".join(map(sample.text, sample.rows)).count("\n")
        return Damage(sample, data, "an odd trailing byte", line, reason)
    row = _row(draw, sample)
    text = sample.text(sample.rows[row])
    if sample.encoding == "cp1252":
        # After an ASCII character, where no byte can complete a UTF-8 sequence.
        offset = draw(st.sampled_from([i for i in range(len(text)) if i == 0 or text[i - 1].isascii()]))
    else:
        offset = draw(st.integers(0, len(text) - 1))
    bad = draw({"utf-16-le": LONE_SURROGATE, "utf-8": INVALID_UTF8, "cp1252": UNDEFINED_CP1252}[sample.encoding])
    return Damage(
        sample, sample.with_bytes(row, offset, bad), f"{bad!r} in row {row + 1}", sample.line_of(row, offset), reason
    )


@st.composite
def cut_files(draw: st.DrawFn) -> Damage:
    sample = draw(files())
    whole = sample.holding()
    cut = draw(st.integers(0, len(whole) - 1))
    starts = [len(sample.holding(row)) for row in range(len(sample.rows))]
    if cut == 0 or cut in starts:  # nothing, the BOM alone, or whole rows: a valid file
        return Damage(sample, whole[:cut], f"cut at byte {cut}", rows_left=starts.index(cut) if cut else 0)
    row = max([i for i, start in enumerate(starts) if start < cut], default=0)
    body = whole[len(sample.bom) : cut]
    if sample.encoding == "utf-16-le" and cut > len(sample.bom) and len(body) % 2:
        line = 1 + body[:-1].decode("utf-16-le").count("\n")
        return Damage(sample, whole[:cut], f"cut at byte {cut}", line, "cannot be decoded as UTF-16")
    kept = body.decode(sample.encoding, "ignore")
    if kept.encode(sample.encoding) != body and (sample.bom or not kept.isascii()):
        reason = "cannot be decoded as UTF-8"  # cut inside a character of a file that still reads as UTF-8
    else:
        reason = "the file ends inside this row, before its terminator"
    return Damage(sample, whole[:cut], f"cut at byte {cut}", sample.line_of(row), reason)


@st.composite
def huge_fields(draw: st.DrawFn) -> Damage:
    sample = draw(files())
    row = _row(draw, sample)
    fields = list(sample.rows[row])
    index = draw(st.integers(0, len(fields) - 1))
    size = draw(st.integers(100_000, 500_000))
    fields[index] = draw(st.sampled_from("x9\u00e9 -")) * size
    layout = sample.layout
    column = (layout.columns if len(fields) == len(layout.columns) else layout.stored_columns)[index]
    data = sample.with_row(row, sample.text(fields))
    what = f"{size:,} characters in {column} of row {row + 1}"
    if column in layout.computed or column not in layout.table.column_names:
        return Damage(sample, data, what, rows_left=len(sample.rows))  # a field SQL Server ignores too
    # The message shows the value's start and its size, not the value.
    return Damage(sample, data, what, sample.line_of(row), rf"{column} '.{{40}}'\.\.\. \({size:,} characters\)")


@st.composite
def stray_pipe_terminators(draw: st.DrawFn) -> Damage:
    sample = draw(files(lambda s: s.pipes))
    row = _row(draw, sample)
    fields = list(sample.rows[row])
    if draw(st.booleans()):  # `+|` inside a field: one field more
        index = draw(st.integers(0, len(fields) - 1))
        offset = draw(st.integers(0, len(fields[index])))
        fields[index] = fields[index][:offset] + "+|" + fields[index][offset:]
        what, found = f"+| in field {index + 1} of row {row + 1}", len(fields) + 1
    else:  # `&|` and a line break after a field: the row ends there
        index = draw(st.integers(0, len(fields) - 2))
        fields[index] += sample.terminator
        what, found = f"&| after field {index + 1} of row {row + 1}", index + 1
    text = sample.text(fields)
    return Damage(sample, sample.with_row(row, text), what, sample.line_of(row), _field_count_error(sample, found))


@st.composite
def stray_tab_terminators(draw: st.DrawFn) -> Damage:
    # A TAB makes one field more: not in a file whose rows would then have the computed column's field.
    sample = draw(files(lambda s: not s.pipes))
    row = _row(draw, sample)
    content = sample.separator.join(sample.rows[row])
    offset = draw(st.one_of(st.just(len(content)), st.integers(0, len(content))))  # the end too, before the EOL
    valid = {len(sample.layout.columns), len(sample.layout.stored_columns)}
    found = len(sample.rows[row]) + 1
    if found not in valid and draw(st.booleans()):
        text = content[:offset] + "\t" + content[offset:] + sample.eol
        what, reason = f"TAB in row {row + 1}", _field_count_error(sample, found)
    else:
        text = content[:offset] + "\r" + content[offset:] + sample.eol
        what, reason = f"CR in row {row + 1}", "a stray carriage return"
        if offset == len(content) and sample.eol == "\n":
            return Damage(sample, sample.with_row(row, text), what + ", an LF made a CRLF", rows_left=len(sample.rows))
    return Damage(sample, sample.with_row(row, text), what, sample.line_of(row), reason)


@st.composite
def missing_last_terminators(draw: st.DrawFn) -> Damage:
    sample = draw(files())
    last = len(sample.rows) - 1
    text = sample.text(sample.rows[last])
    kept = draw(st.integers(0, len(sample.terminator) - 1))  # of the terminator's characters
    text = text[: len(text) - len(sample.terminator) + kept]
    reason = "the file ends inside this row, before its terminator"
    return Damage(sample, sample.with_row(last, text), f"{text[-4:]!r} at the end", sample.line_of(last), reason)


# -- the property ---------------------------------------------------------------------------------


@dataclass
class Workspace:
    root: Path
    folder: Path  # the sample folder the examples damage, one file at a time
    existing: Path  # a source imported from the valid sample
    expected: dict[tuple[str, int], dict[str, list[tuple]]] = field(default_factory=dict)

    def source_with(self, sample: SampleFile, rows: int) -> dict[str, list[tuple]]:
        """What the source holds after importing the sample with only the first `rows` rows of `sample`."""
        if rows == len(sample.rows):
            return contents(self.existing)
        if (sample.name, rows) not in self.expected:
            with tempfile.TemporaryDirectory(dir=self.root) as tmp:
                folder = write_sample(Path(tmp) / "csv")
                (folder / sample.name).write_bytes(sample.holding(rows))
                import_adventureworks(folder, Path(tmp) / "source")
                self.expected[sample.name, rows] = contents(Path(tmp) / "source")
        return self.expected[sample.name, rows]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("import-properties")
    folder = write_sample(root / "csv")
    import_adventureworks(folder, root / "existing")
    return Workspace(root, folder, root / "existing")


def contents(source: Path) -> dict[str, list[tuple]]:
    """Every row of every table the import writes, in a stable order."""
    with closing(connect(source)) as conn:
        return {
            table.qualified_name: sorted(conn.execute(f"select * from {table.qualified_name}").fetchall(), key=repr)
            for table in t.ALL_TABLES
            if not table.optional
        }


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and directory (None) under `directory`, hidden ones included."""
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None for p in directory.rglob("*")}


@contextmanager
def damaged(path: Path, data: bytes) -> Iterator[None]:
    valid = path.read_bytes()
    path.write_bytes(data)
    try:
        yield
    finally:
        path.write_bytes(valid)


def check(damage: Damage, workspace: Workspace) -> None:
    event("still valid" if damage.line is None else "error")  # see --hypothesis-show-statistics
    with (
        damaged(workspace.folder / damage.sample.name, damage.data),
        tempfile.TemporaryDirectory(dir=workspace.root) as tmp,
    ):
        out = Path(shutil.copytree(workspace.existing, Path(tmp) / "source"))
        before = snapshot(out)
        if damage.line is None:
            report = import_adventureworks(workspace.folder, out)
            assert report.counts[damage.sample.layout.table.qualified_name] == damage.rows_left
            assert contents(out) == workspace.source_with(damage.sample, damage.rows_left)
            assert snapshot(out).keys() == before.keys()  # the schemas' files, no temporary left
            return

        with pytest.raises(AdventureWorksImportError) as caught:
            import_adventureworks(workspace.folder, out)
        message = str(caught.value)
        assert type(caught.value) is AdventureWorksImportError
        assert re.match(rf"{re.escape(damage.sample.name)}, line {damage.line}\b", message), message
        assert re.search(damage.reason, message), message
        assert len(message) < 300, "the message says what is wrong without repeating the damaged value"
        assert snapshot(out) == before
        with pytest.raises(AdventureWorksImportError):
            import_adventureworks(workspace.folder, Path(tmp) / "new")
        assert not (Path(tmp) / "new").exists()


@PROPERTY
@given(damage=wrong_field_counts())
def test_a_row_with_fields_added_or_removed(damage: Damage, workspace: Workspace) -> None:
    check(damage, workspace)


@PROPERTY
@given(damage=undecodable_bytes())
def test_bytes_that_are_not_text_in_the_files_encoding(damage: Damage, workspace: Workspace) -> None:
    check(damage, workspace)


@PROPERTY
@given(damage=cut_files())
def test_a_file_cut_at_any_byte(damage: Damage, workspace: Workspace) -> None:
    check(damage, workspace)


@PROPERTY
@given(damage=huge_fields())
def test_a_huge_field(damage: Damage, workspace: Workspace) -> None:
    check(damage, workspace)


@PROPERTY
@given(damage=st.one_of(stray_pipe_terminators(), stray_tab_terminators()))
def test_stray_terminators(damage: Damage, workspace: Workspace) -> None:
    check(damage, workspace)


@PROPERTY
@given(damage=missing_last_terminators())
def test_a_terminator_missing_on_the_last_row(damage: Damage, workspace: Workspace) -> None:
    check(damage, workspace)
