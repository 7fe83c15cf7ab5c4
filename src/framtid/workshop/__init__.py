"""Framtidsverksted: a dialogue-meeting mode on top of a region's story.

A facilitator (no account) creates a workshop for a region and gets a secret facilitator link, a
short join code and a QR code. Participants join from their phones (no account, no personal data),
take a stand on one «veivalg» statement per story beat (1–5), set the levers they prefer and send
short ideas that others upvote. The big screen shows live results (Server-Sent Events, polling as
fallback) and the room's combined scenario (the median of every lever) beside the baseline and
SSB's figure for 2040.

The room is its own: `models` (tables), `db` (engine, Alembic migrations at start), `service`
(rules, no HTTP), `routes` (JSON API and pages, mounted by `framtid.web.app`), `texts` (nb/nn/en
catalogues), `qr` (SVG made locally), `limits` (per-client rate limits, in memory only).
Persistence is SQLite beside the store by default, PostgreSQL when FRAMTID_DATABASE_URL says so.
"""
