"""Question banks: YAML files validated against the schema in question_banks/SCHEMA.md.

`reader` turns a file into values and lines in one parse (the C parser when available) and
refuses anchors, aliases, tags and duplicate keys; `schema` checks every field and reports
every problem with file, line and field; `model` is what the rest of the bot uses.
"""

from bot.core.banks.files import MAX_FILE_BYTES, dump_library, load_paths, load_text, shipped_bank_dir
from bot.core.banks.model import (
    DEFAULT_LOCALE,
    DIMENSIONS,
    LOCALES,
    MODES,
    BankInfo,
    Category,
    Library,
    Question,
    RubricDimension,
)
from bot.core.banks.schema import MAX_PROBLEMS, build_library
from bot.core.errors import BankError

__all__ = [
    "DEFAULT_LOCALE", "DIMENSIONS", "LOCALES", "MAX_FILE_BYTES", "MAX_PROBLEMS", "MODES", "BankError", "BankInfo",
    "Category", "Library", "Question", "RubricDimension", "build_library", "dump_library", "load_paths",
    "load_text", "shipped_bank_dir",
]  # fmt: skip
