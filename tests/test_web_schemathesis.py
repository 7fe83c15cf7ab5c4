"""Property-based API testing: schemathesis generates requests from the app's own OpenAPI schema,
valid (positive) and invalid (negative), for every operation; no input may produce a server error
and every response must match the schema. At least 1,000 generated cases in total.

(`schemathesis.pytest.from_fixture` does not work with pytest 9 — it reads `node._nodeid` — so the
operations are driven here with their Hypothesis strategies, against the session store.)
"""

from __future__ import annotations

import time
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup

from framtid.web.app import create_app

EXAMPLES = {GenerationMode.POSITIVE: 80, GenerationMode.NEGATIVE: 50}
MIN_TOTAL_CASES = 1000
REAL_REGIONS = ("5501", "NO")
REAL_REGION_EXAMPLES = 15
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _runner(strategy, n, op, mode, counts, per_op, failures):
    """One Hypothesis test for one operation and generation mode."""

    @given(case=strategy)
    @settings(max_examples=n, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        counts["cases"] += 1
        per_op[op.label] = per_op.get(op.label, 0) + 1
        response = case.call()
        if response.status_code >= 500:
            counts["server_errors"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            failures.append(f"{op.label} [{mode.value}] {case.path_parameters} "
                            f"{case.query}: {str(exc)[:400]}")

    return run


def test_api_schema_fuzz(db_path):
    app = create_app(db_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    counts = {"cases": 0, "server_errors": 0}
    failures: list[str] = []
    per_op: dict[str, int] = {}
    t0 = time.perf_counter()

    for result in schema.get_all_operations():
        op = result.ok()
        runs = [(mode, n, None) for mode, n in EXAMPLES.items()]
        if "{code}" in op.path:  # random codes are nearly all unknown: also fuzz real regions
            runs += [(mode, REAL_REGION_EXAMPLES, code) for code in REAL_REGIONS
                     for mode in EXAMPLES]
        for mode, n, code in runs:
            strategy = op.as_strategy(generation_mode=mode, path_parameters=(
                {"code": code} if code else None))

            run = _runner(strategy, n, op, mode, counts, per_op, failures)
            try:
                run()
            except Unsatisfiable:  # e.g. no invalid request exists for an operation without input
                continue

    elapsed = time.perf_counter() - t0
    print(f"\nschemathesis: {counts['cases']} cases over {len(per_op)} operations in "
          f"{elapsed:.1f} s; server errors: {counts['server_errors']}; {per_op}")
    assert counts["server_errors"] == 0, failures[:5]
    assert not failures, "\n".join(failures[:10])
    assert counts["cases"] >= MIN_TOTAL_CASES, counts
