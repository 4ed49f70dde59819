"""Message catalogs (gettext .po files read with Babel) and rendering of
engine messages into text in the reader's language."""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

import locales
from flows.messages import Msg

LOCALES_DIR = Path(locales.__file__).resolve().parent
DOMAIN = "bina"
LANGUAGES = ("id", "en")
DEFAULT = "id"


class Catalogs:
    """The bundled catalogs, plus those of extra spec directories (a program
    added as YAML brings its texts in `<dir>/locales/<lang>/LC_MESSAGES/`)."""

    def __init__(self, directory: Path = LOCALES_DIR, extra: tuple[Path, ...] = ()) -> None:
        self.messages: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        for root in (directory, *(d / "locales" for d in extra)):
            for lang in LANGUAGES:
                path = root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
                if root != directory and not path.exists():
                    continue
                with path.open("rb") as fh:
                    catalog = read_po(fh, locale=lang)
                self.messages[lang].update({str(m.id): str(m.string) for m in catalog if m.id and m.string})

    def lang(self, code: str | None) -> str:
        if code and code[:2].lower() in self.messages:
            return code[:2].lower()
        return DEFAULT

    def text(self, lang: str, key: str, **params: Any) -> str:
        return self.render(Msg(key, params), lang)

    def render(self, msg: Msg, lang: str) -> str:
        table = self.messages[self.lang(lang)]
        template = table.get(msg.key) or self.messages[DEFAULT].get(msg.key) or msg.key
        if not msg.params:
            return template
        values = {k: self._value(v, lang) for k, v in msg.params.items()}
        return string.Formatter().vformat(template, (), _Defaulting(values))

    def _value(self, value: Any, lang: str) -> Any:
        if isinstance(value, Msg):
            return self.render(value, lang)
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, Decimal):
            return decimal_text(value, self.lang(lang))
        if isinstance(value, list | tuple):  # items of one line, each in the reader's language
            return " · ".join(str(self._value(v, lang)) for v in value)
        return value


def decimal_text(value: Decimal, lang: str) -> str:
    """JP keep one decimal place; whole ones are shown without it (2 JP,
    2,4 JP in Indonesian, 2.4 JP in English)."""
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"
    return text.replace(".", ",") if lang == "id" else text


class _Defaulting(dict[str, Any]):
    """Leave an unknown placeholder visible rather than crash on a typo."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def used_placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
