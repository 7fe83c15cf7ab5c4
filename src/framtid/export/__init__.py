"""Taking framtid out of the browser: PDF report, PowerPoint deck, data files (CSV/XLSX), chart
images (PNG/SVG), embeddable chart pages and the static site.

Every export carries its scenario (name, variant, levers) and its sources. Export is a
presentation layer beside `web/`: it calls the same functions the CLI and the web app call
(`project_with_indicators`, the story, the charts) and never reads the store itself.

    scenario.py  Scenario: name + variant + levers; parsing (CLI, URL), plain words
    text.py      per-language catalog of export texts (templates/text/{nb,nn,en}.toml)
    files.py     write aside, then rename: no partial file is ever left behind
    story.py     the region's story told in a scenario (levers on the focus region)
    document.py  what a report or deck says, as data, built once (numbers = project --json)
    charts.py    chart images with title, source line and scenario (PNG 2×, SVG); several
                 scenarios on one chart
    data.py      projection, age groups, indicators, quantiles, SSB's figure, metadata → CSV/XLSX
    report.py    the PDF report (HTML template → WeasyPrint)
    deck.py      the PowerPoint deck (python-pptx)
    site.py      the static site (every region × language) with a link check
    routes.py    thin web routes: /export/…, /embed/…, mounted by web/app.py
    cli.py       `framtid report`, `framtid export`, `framtid site` (registered by framtid.cli)
"""
