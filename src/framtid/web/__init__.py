"""The web app «Framtidsbilder»: pages in nb, nn and en, and a JSON API (see app.py)."""
