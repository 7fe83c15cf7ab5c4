"""Jinja set-up: the language-aware text function, number filters and URL helpers."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup

from . import i18n
from .services import INDICATOR_KIND


def _lang(c) -> str:
    return c.get("lang") or i18n.DEFAULT_LANG


def region_url(lang: str, code: str) -> str:
    return f"/{lang}/region/{code}"


def simulate_url(lang: str, code: str, levers: dict | None = None,
                 scenario: str = "main") -> str:
    """The simulator's URL: the model variant first (if not the main one), then the levers."""
    q = urlencode(({"scenario": scenario} if scenario != "main" else {})
                  | {k: _num(v) for k, v in (levers or {}).items()})
    return f"/{lang}/region/{code}/simulate" + (f"?{q}" if q else "")


def _num(v) -> str:
    """A lever value for a URL: no trailing zeros («1.5», «20»)."""
    f = float(v)
    return str(int(f)) if f == int(f) else f"{f:.4g}"


def switch_url(request: Request, to_lang: str, query: str | None = None) -> str:
    """The same page in another language (path prefix swapped; query string kept, or `query`
    for a page kept in a cache under a normalised query)."""
    parts = request.url.path.split("/")
    if len(parts) > 1 and parts[1] in i18n.LANGS:
        parts[1] = to_lang
        path = "/".join(parts)
    else:
        path = f"/{to_lang}/"
    query = request.url.query if query is None else query
    if query:
        path += "?" + query
    return path


def install(templates: Jinja2Templates, app: FastAPI) -> None:
    env = templates.env
    env.trim_blocks = True
    env.lstrip_blocks = True

    @pass_context
    def t(c, key: str, **kw) -> str:
        return i18n.t(key, _lang(c), **kw)

    @pass_context
    def t_html(c, key: str, **kw) -> Markup:
        """Catalog text that contains markup (trusted); placeholder values are escaped."""
        safe = {k: Markup.escape(v) for k, v in kw.items()}
        return Markup(i18n.t(key, _lang(c)).format(**safe))

    @pass_context
    def has_t(c, key: str) -> bool:
        return i18n.has(key, _lang(c))

    @pass_context
    def num(c, x) -> str:
        return i18n.fmt_int(x, _lang(c))

    @pass_context
    def dec(c, x, digits: int = 1) -> str:
        return i18n.fmt_dec(x, _lang(c), digits)

    @pass_context
    def pct(c, x, digits: int = 1) -> str:
        return i18n.fmt_pct(x, _lang(c), digits)

    @pass_context
    def spct(c, x, digits: int = 1) -> str:
        return i18n.fmt_signed_pct(x, _lang(c), digits)

    @pass_context
    def sint(c, x) -> str:
        return i18n.fmt_signed_int(x, _lang(c))

    @pass_context
    def ind(c, x, indicator: str) -> str:
        return i18n.fmt_value(x, INDICATOR_KIND.get(indicator, "number"), _lang(c))

    @pass_context
    def lever_value(c, x, lever: dict) -> str:
        step = float(lever.get("step", 1))
        digits = 0 if step >= 1 else (1 if step >= 0.1 else 2)
        return i18n.fmt_dec(x, _lang(c), digits)

    @pass_context
    def date(c, value) -> str:
        """An ISO date in running text as people write it: «1. desember 2026»."""
        from .. import i18n as core

        try:
            return core.fmt_date(value, _lang(c)) if value else ""
        except (ValueError, TypeError):
            return str(value)

    def tojson_attr(obj) -> Markup:
        """JSON for a <script type="application/json"> block (</ and <!-- made harmless)."""
        s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        s = s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return Markup(s)

    @pass_context
    def rname(c, reg) -> str:
        """A region's name in running text; Norway in the page's language."""
        return i18n.t("region.norway", _lang(c)) if reg.code == "NO" else reg.name

    @pass_context
    def static(c, path: str) -> str:
        return f"/static/{path}?v={app.state.static_version}"

    @pass_context
    def url_region(c, code: str, lang: str | None = None) -> str:
        return region_url(lang or _lang(c), code)

    @pass_context
    def url_simulate(c, code: str, levers: dict | None = None) -> str:
        return simulate_url(_lang(c), code, levers)

    @pass_context
    def url_switch(c, to_lang: str) -> str:
        return switch_url(c["request"], to_lang, c.get("switch_query"))

    def hit_name(reg) -> str:
        """A search hit: the official name where it has a Sámi/Kven form, else the plain name
        (which tells same-named kommuner apart: «Våler (Innlandet)»)."""
        return reg.official_name if " - " in (reg.official_name or "") else reg.name

    def fylke_name(reg) -> str:
        code = reg.fylke if isinstance(reg.fylke, str) else None
        if not code or code == reg.code:
            return ""
        try:
            return app.state.ctx.regions.get(code).name
        except Exception:  # noqa: BLE001 - no such fylke in the store
            return ""

    from .static_charts import svg_for

    env.globals.update(hit_name=hit_name, fylke_name=fylke_name, static_svg=svg_for)
    env.globals.update(t=t, t_html=t_html, rname=rname, has_t=has_t, static=static, url_region=url_region,
                       url_simulate=url_simulate, url_switch=url_switch, LANGS=i18n.LANGS,
                       vega_src=lambda: f"/assets/{app.state.assets.vega_name}")
    env.filters.update(num=num, dec=dec, pct=pct, spct=spct, sint=sint, ind=ind,
                       lever_value=lever_value, tojson_attr=tojson_attr,
                       date=date)
