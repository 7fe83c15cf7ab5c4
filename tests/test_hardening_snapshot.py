"""Hardening (#12): a broken snapshot is refused naming the file, column and first bad row, and
the store stays byte-identical. Each case breaks one file of a symlinked copy of the snapshot."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pytest

from framtid.errors import SnapshotError
from framtid.pipeline import import_snapshot

POP = "ssb/population_by_region_sex_age.csv.gz"
MORT = "extra/demography/hmd_norway_mx_deaths_1x1_2000_2023.csv"
FERT = "extra/demography/hfd_norway_asfr_2000_2022.csv"
CARE = "extra/care/care_users_by_age_2022_helsedir.csv"
EMP = "extra/employment/employment_rates_by_age_ssb.csv"
WORK = "extra/care/health_care_workforce_key_figures.csv"


@pytest.fixture(scope="module")
def pop_lines(shared_data) -> list[str]:
    return gzip.decompress((shared_data / POP).read_bytes()).decode().splitlines()


def _linked_copy(src: Path, dst: Path) -> Path:
    from test_store_import import _linked_copy as linked

    return linked(src, dst)


def _write(snap: Path, rel: str, lines: list[str]) -> None:
    p = snap / rel
    p.unlink()
    data = "\n".join(lines) + "\n"
    p.write_bytes(gzip.compress(data.encode(), compresslevel=1) if rel.endswith(".gz")
                  else data.encode())


def _text_lines(shared_data: Path, rel: str) -> list[str]:
    return (shared_data / rel).read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], prefix: str) -> int:
    return next(i for i, ln in enumerate(lines) if ln.startswith(prefix))


# Each case: (name, function(lines-or-shared_data) -> (rel, new lines), expected substrings)
def case_no_rows_in_last_year(pop, data):
    return POP, [ln for ln in pop if not ln.startswith("2026,municipality,3403,")], [
        POP.split("/")[-1], "kommune 3403 has no rows in the last year 2026"]


def case_missing_year(pop, data):
    return POP, [ln for ln in pop if not ln.startswith("2012,municipality,3403,")], [
        "kommune 3403 has no rows for 2012", "missing year"]


def case_whole_year_missing(pop, data):
    return POP, [ln for ln in pop if not ln.startswith("2015,")], ["has no rows for 2015"]


def case_incomplete_grid(pop, data):
    return POP, [ln for ln in pop if not ln.startswith("2024,municipality,3403,male,")], [
        "3403 2024 has only female rows", "grid must be complete"]


def case_fractional_population(pop, data):
    i = _line_of(pop, "2020,municipality,3403,female,30,")
    out = list(pop)
    head = out[i].split(",")
    head[5] = "12.7"
    out[i] = ",".join(head)
    return POP, out, ["column population", f"line {i + 1}:", "not a whole", "age=30"]


def case_negative_population(pop, data):
    i = _line_of(pop, "2019,municipality,1804,male,3,")
    out = list(pop)
    head = out[i].split(",")
    head[5] = "-5"
    out[i] = ",".join(head)
    return POP, out, ["column population", f"line {i + 1}:", "non-negative", "region_code=1804"]


def case_duplicate_population_row(pop, data):
    i = _line_of(pop, "2021,municipality,5501,female,44,")
    return POP, pop + [pop[i]], ["column year+region_code+sex+age", f"line {len(pop) + 1}:",
                                 f"first seen on line {i + 1}", "region_code=5501"]


def case_care_use_missing_column(pop, data):
    lines = _text_lines(data, CARE)
    lines[0] = lines[0].replace("share_of_population_pct", "share_pct")
    return CARE, lines, ["care_use (care_users_by_age_2022_helsedir.csv)",
                         "missing column(s) share_of_population_pct"]


def case_care_use_text_in_number(pop, data):
    lines = _text_lines(data, CARE)
    lines[2] = lines[2].replace(",8.2,", ",eight,", 1)
    return CARE, lines, ["care_users_by_age_2022_helsedir.csv", "column share_of_population_pct",
                         "line 3:", "not a number ('eight')"]


def case_negative_mx(pop, data):
    lines = _text_lines(data, MORT)
    i = _line_of(lines, "2005,80,male,")
    lines[i] = lines[i].replace(",male,", ",male,-", 1)
    return MORT, lines, ["hmd_norway_mx_deaths_1x1_2000_2023.csv", "column mx",
                         f"line {i + 1}:", "below 0"]


def case_duplicate_mortality_row(pop, data):
    lines = _text_lines(data, MORT)
    i = _line_of(lines, "2010,50,female,")
    return MORT, lines + [lines[i]], ["column year+age+sex", f"line {len(lines) + 1}:",
                                      f"first seen on line {i + 1}"]


def case_asfr_above_half(pop, data):
    lines = _text_lines(data, FERT)
    i = _line_of(lines, "2010,30,")
    lines[i] = "2010,30,0.71"
    return FERT, lines, ["hfd_norway_asfr_2000_2022.csv", "column asfr", f"line {i + 1}:",
                         "above 0.5"]


def case_asfr_negative(pop, data):
    lines = _text_lines(data, FERT)
    i = _line_of(lines, "2011,25,")
    lines[i] = "2011,25,-0.01"
    return FERT, lines, ["column asfr", f"line {i + 1}:", "below 0"]


def case_employment_text(pop, data):
    lines = _text_lines(data, EMP)
    lines[3] = lines[3].replace(",69.9,", ",n/a,", 1)
    return EMP, lines, ["employment_rates_by_age_ssb.csv", "column value_pct", "line 4:",
                        "not a number ('n/a')"]


def case_employment_missing_column(pop, data):
    lines = _text_lines(data, EMP)
    lines[0] = lines[0].replace("value_pct", "value")
    return EMP, lines, ["missing column(s) value_pct"]


def case_workforce_text(pop, data):
    lines = _text_lines(data, WORK)
    lines[1] = lines[1].replace(",400000,", ",many,", 1)
    return WORK, lines, ["health_care_workforce_key_figures.csv", "column value", "line 2:"]


CASES = [case_no_rows_in_last_year, case_missing_year, case_whole_year_missing,
         case_incomplete_grid, case_fractional_population, case_negative_population,
         case_duplicate_population_row, case_care_use_missing_column,
         case_care_use_text_in_number, case_negative_mx, case_duplicate_mortality_row,
         case_asfr_above_half, case_asfr_negative, case_employment_text,
         case_employment_missing_column, case_workforce_text]


@pytest.fixture(scope="module")
def store_digest(tmp_path_factory, db_path):
    store = tmp_path_factory.mktemp("store") / "store.duckdb"
    shutil.copy(db_path, store)
    return store, hashlib.sha256(store.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[5:] for c in CASES])
def test_broken_snapshot_is_refused_naming_file_column_row(case, tmp_path, shared_data,
                                                            pop_lines, store_digest):
    store, digest = store_digest
    snap = _linked_copy(shared_data, tmp_path / "snap")
    rel, lines, expect = case(pop_lines, shared_data)
    _write(snap, rel, lines)
    with pytest.raises(SnapshotError) as info:
        import_snapshot(snap, store)
    msg = str(info.value)
    for part in expect:
        assert part in msg, (part, msg)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest
    assert not Path(str(store) + ".new").exists()
