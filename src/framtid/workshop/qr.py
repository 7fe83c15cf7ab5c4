"""The join QR code as SVG, made locally with segno (no network, no third-party service)."""

from __future__ import annotations

import io

import segno


def svg(url: str, title: str, scale: int = 8) -> str:
    """An inline SVG of the QR code for `url`, with a <title> for screen readers; dark modules on
    white with a quiet zone (contrast and scanning both need it)."""
    q = segno.make(url, error="m", micro=False)
    buf = io.BytesIO()
    q.save(buf, kind="svg", scale=scale, border=4, dark="#000", light="#fff", xmldecl=False,
           svgns=True, title=title, svgclass="qr", lineclass=None, omitsize=False)
    return buf.getvalue().decode()
