"""Documents as PDF: jinja2 templates under bot/templates rendered by
WeasyPrint, each with its verification code and a QR code leading to it.
Pure functions of the stored facts, run in a worker thread."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import segno
from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from bot.i18n import decimal_text
from flows.documents import CertificateFacts, ProofFacts, format_code

_ENV = Environment(loader=PackageLoader("bot", "templates"), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_CSS = resources.files("bot").joinpath("templates/document.css").read_text(encoding="utf-8")
VERIFY_START = "v_"  # /start's argument that the QR code's link carries: verify this code


def verify_target(code: str, bot_username: str | None) -> str:
    """What the QR code holds: a link that opens Bina on the verification,
    or, where the bot's name is not known, the command to send it."""
    if bot_username:
        return f"https://t.me/{bot_username}?start={VERIFY_START}{code}"
    return f"/verifikasi {format_code(code)}"


def _qr(target: str) -> str:
    return str(segno.make(target, error="m").svg_data_uri(scale=4, border=0))


_THREAD = threading.local()


def _pdf(html: str) -> bytes:
    # One font configuration per worker thread: WeasyPrint's may not be shared
    # across threads, and a new one per document costs memory that is not given back.
    if not hasattr(_THREAD, "fonts"):
        _THREAD.fonts = FontConfiguration()
    return bytes(HTML(string=html).write_pdf(font_config=_THREAD.fonts))


def proof_pdf(f: ProofFacts, code: str, bot_username: str | None) -> bytes:
    """The Bukti Keterangan, in Indonesian: an official document (K:829-858)."""
    first, last = f.span
    html = _ENV.get_template("bukti_keterangan.html").render(
        f=f, css=_CSS, code=format_code(code), qr=_qr(verify_target(code, bot_username)),
        jp=decimal_text(f.jp, "id"),  # an Indonesian document: 6 JP, 2,5 JP
        first=format_date(first, "dd MMMM", locale="id"), last=format_date(last, "dd MMMM", locale="id"))
    return _pdf(html)


def certificate_pdf(f: CertificateFacts, code: str, bot_username: str | None, texts: Mapping[str, str],
                    lang: str) -> bytes:
    """A certificate, worded in the reader's language (`texts`, from the catalog)."""
    html = _ENV.get_template("sertifikat.html").render(
        f=f, css=_CSS, t=texts, lang=lang, qr=_qr(verify_target(code, bot_username)))
    return _pdf(html)


@dataclass(frozen=True, slots=True)
class Paper:
    """One file of a bundle, rendered when the bundle is built."""

    filename: str
    render: Callable[[], bytes]


def bundle(papers: Sequence[Paper], progress: Callable[[int], None] = lambda done: None) -> bytes:
    """The papers as one ZIP, telling `progress` how many are done. PDFs are
    compressed already, so they are stored as they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for done, paper in enumerate(papers, 1):
            zf.writestr(paper.filename, paper.render())
            progress(done)
    return out.getvalue()
