"""The API's documentation page, made from the app's own OpenAPI schema (no Swagger from a CDN,
which the app's CSP would block and which would be a third-party request)."""

from __future__ import annotations

import re

EXAMPLES = {"code": "3403", "q": "hamar", "lang": "nb", "indicator": "aldersbaereevne_67",
            "lever": "young_adults"}


def _type(schema: dict) -> str:
    if not schema:
        return ""
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    t = schema.get("type", "")
    if t == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if "enum" in schema:
        return f"{t}: {', '.join(map(str, schema['enum']))}"
    rng = []
    for k, sym in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "length ≤")):
        if k in schema:
            rng.append(f"{sym} {schema[k]}")
    return t + (f" ({', '.join(rng)})" if rng else "")


def operations(schema: dict) -> list[dict]:
    """One entry per path and method: summary, parameters, responses and an example URL."""
    out = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            params = [{"name": p["name"], "where": p.get("in", ""),
                       "required": p.get("required", False),
                       "type": _type(p.get("schema", {})),
                       "description": p.get("description") or p.get("schema", {}).get(
                           "description", "")}
                      for p in op.get("parameters", [])]
            example = None
            if method == "get":
                filled = path
                for name in re.findall(r"\{(\w+)\}", path):
                    filled = filled.replace("{" + name + "}", EXAMPLES.get(name, "3403"))
                required = [p for p in params if p["where"] == "query" and p["required"]]
                if all(p["name"] in EXAMPLES for p in required):
                    q = "&".join(f"{p['name']}={EXAMPLES[p['name']]}" for p in required)
                    example = filled + (f"?{q}" if q else "")
            out.append({"id": f"{method}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-')}",
                        "method": method.upper(), "path": path,
                        "summary": op.get("summary", ""), "description": op.get("description",
                                                                                  ""),
                        "params": params, "example": example,
                        "responses": [(code, r.get("description", ""))
                                      for code, r in op.get("responses", {}).items()]})
    return out
