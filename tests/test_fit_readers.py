"""Readers of a provider's exports: one clear error per bad file, nothing dropped silently."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from itmodels.fitting.errors import DataError
from itmodels.fitting.readers import read_assets, read_invoices, read_tickets

TICKETS = """id,opened,resolved,priority,category,hours,onsite,asset
T1,2024-01-02 09:00,2024-01-02 11:30,P3,user,1.5,remote,pc-1
T2,2024-01-03 10:00,2024-01-04 10:00,P1,network,3,yes,rt-1
T3,2024-01-05 08:15,,P4,user,0.25,no,
"""

ASSETS = """id,class,in_service,out_of_service,reason
pc-1,desktop,2019-01-01,2023-05-01,failed
pc-2,desktop,2020-06-01,,in service
pc-3,desktop,2018-01-01,2022-01-01,retired
"""

INVOICES = """date,kind,hours,amount
2024-01-02,labour,1.5,225
2024-01-02,trip,,50
2024-01-04,parts,,120
"""


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(reader, path: Path, **kwargs) -> DataError:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError) as info:
        reader(path, **kwargs)
    err = info.value
    assert str(path) in str(err)
    return err


def test_a_clean_ticket_export_reads_into_canonical_columns(tmp_path):
    t = read_tickets(write(tmp_path, TICKETS))
    f = t.frame
    assert f["id"].tolist() == ["T1", "T2", "T3"]
    assert f["row"].tolist() == [2, 3, 4]
    assert f["opened"].iloc[0] == pd.Timestamp("2024-01-02 09:00")
    assert pd.isna(f["resolved"].iloc[2])  # open at export: kept
    assert t.open == 1
    assert f["priority"].tolist() == ["P3", "P1", "P4"]
    assert f["onsite"].tolist() == [False, True, False]
    assert f["hours"].tolist() == [1.5, 3.0, 0.25]
    assert f["asset"].tolist()[:2] == ["pc-1", "rt-1"] and f["asset"].iloc[2] is None
    assert t.start == pd.Timestamp("2024-01-02 09:00")
    assert t.end == pd.Timestamp("2024-01-05 08:15")
    assert t.dropped.empty and "no rows left out" in t.report()


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        (TICKETS.replace("opened,", "created,"), None, "opened", "columns="),
        (TICKETS.replace("2024-01-03 10:00", "2024-13-03 10:00"), 3, "opened", "date"),
        (TICKETS.replace(",3,yes", ",-3,yes"), 3, "hours", ">= 0"),
        (TICKETS.replace("2024-01-04 10:00", "2024-01-02 10:00"), 3, "resolved", "opening"),
        (TICKETS.replace("P4", "urgent-ish"), 4, "priority", "P1, P2, P3 or P4"),
        (TICKETS.replace("remote", "maybe"), 2, "onsite", "onsite/remote"),
        (TICKETS.replace("T2,", ","), 3, "id", "not empty"),
    ],
    ids=["missing column", "bad date", "negative hours", "resolved early", "priority", "bool",
         "empty id"],
)  # fmt: skip
def test_each_bad_ticket_file_gives_one_error_naming_file_row_and_column(
    tmp_path, text, row, column, words
):
    err = error_of(read_tickets, write(tmp_path, text))
    assert err.row == row and err.column == column
    assert words in str(err)
    if row is not None:
        assert f"row {row}" in str(err)
    assert f"'{column}'" in str(err)


def test_a_missing_column_error_says_what_the_mapping_should_say(tmp_path):
    err = error_of(read_tickets, write(tmp_path, TICKETS.replace("opened,", "created,")))
    assert "columns={'<that header>': 'opened'}" in str(err)
    assert "'created'" in str(err)  # the header found is listed


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        (ASSETS.replace("2023-05-01", "2018-05-01"), 2, "out_of_service", "out-of-service"),
        (ASSETS.replace("retired", "stolen"), 4, "reason", "failed, retired or in service"),
        (ASSETS.replace("2022-01-01,retired", ",retired"), 4, "out_of_service", "since"),
        (ASSETS.replace("class,", "type,"), None, "class", "columns="),
        (ASSETS + "pc-2,desktop,2021-01-01,,in service\n", 5, "id", "one row per asset"),
    ],
    ids=["out before in", "reason", "retired without date", "missing class", "id clash"],
)
def test_each_bad_asset_file_gives_one_error(tmp_path, text, row, column, words):
    err = error_of(read_assets, write(tmp_path, text))
    assert (err.row, err.column) == (row, column)
    assert words in str(err)


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        (INVOICES.replace("225", "-225"), 2, "amount", ">= 0"),
        (INVOICES.replace("parts", "consulting"), 4, "kind", "labour, trip, parts or hardware"),
        (INVOICES.replace("1.5,", "-1,"), 2, "hours", ">= 0"),
        (INVOICES.replace("2024-01-02,trip", "yesterday,trip"), 3, "date", "date"),
    ],
    ids=["negative amount", "kind", "negative hours", "bad date"],
)
def test_each_bad_invoice_file_gives_one_error(tmp_path, text, row, column, words):
    err = error_of(read_invoices, write(tmp_path, text))
    assert (err.row, err.column) == (row, column)
    assert words in str(err)


def test_a_columns_mapping_reads_a_foreign_header(tmp_path):
    text = (
        "Ticket #,Created On,Closed,Prio,Type,Time Spent,Where\n"
        "981,2024-02-01 08:00,2024-02-01 09:00,2,email,0.75,Remote\n"
    )
    mapping = {
        "Ticket #": "id", "Created On": "opened", "Closed": "resolved", "Prio": "priority",
        "Type": "category", "Time Spent": "hours", "Where": "onsite",
    }  # fmt: skip
    t = read_tickets(write(tmp_path, text), mapping)
    row = t.frame.iloc[0]
    assert (row["id"], row["priority"], row["category"], row["hours"], row["onsite"]) == (
        "981", "P2", "email", 0.75, False,
    )  # fmt: skip
    assert t.headers["opened"] == "Created On"
    # headers differing only in case, spaces or underscores match without a mapping
    a = read_assets(
        write(
            tmp_path,
            ASSETS.replace("in_service,out_of_service", "In Service,Out-Of-Service"),
            "a.csv",
        )
    )
    assert a.frame["out_of_service"].notna().sum() == 2
    # an error in a mapped column names the file's own header
    bad = text.replace("2024-02-01 08:00", "tomorrow")
    err = error_of(read_tickets, write(tmp_path, bad, "bad.csv"), columns=mapping)
    assert (err.row, err.column) == (2, "Created On")
    with pytest.raises(DataError, match="to map to one of"):
        read_tickets(write(tmp_path, text), {"Ticket #": "ticket_id"})


def test_excel_reads_the_same_as_csv(tmp_path):
    csv = read_tickets(write(tmp_path, TICKETS))
    xlsx = tmp_path / "export.xlsx"
    raw = pd.read_csv(write(tmp_path, TICKETS), dtype=str, keep_default_na=False)
    raw["opened"] = pd.to_datetime(raw["opened"])  # real Excel date cells
    raw["hours"] = raw["hours"].astype(float)  # and number cells
    raw.to_excel(xlsx, index=False)
    excel = read_tickets(xlsx)
    pd.testing.assert_frame_equal(excel.frame, csv.frame)
    # Excel's own date cells still read when text dates are day-first
    dayfirst = read_tickets(xlsx, date_format="%d/%m/%Y %H:%M")
    pd.testing.assert_frame_equal(dayfirst.frame, csv.frame)
    bad = raw.copy()
    bad.loc[1, "priority"] = "P7"
    bad.to_excel(tmp_path / "bad.xlsx", index=False)
    err = error_of(read_tickets, tmp_path / "bad.xlsx")
    assert (err.row, err.column) == (3, "priority")  # Excel row 3: header, T1, T2


def test_assets_and_invoices_read_from_excel(tmp_path):
    for reader, text in ((read_assets, ASSETS), (read_invoices, INVOICES)):
        csv = reader(write(tmp_path, text))
        path = tmp_path / "x.xlsx"
        pd.read_csv(write(tmp_path, text), dtype=str, keep_default_na=False).to_excel(
            path, index=False
        )
        pd.testing.assert_frame_equal(reader(path).frame, csv.frame)


def test_duplicates_and_reopened_tickets_are_counted_with_reasons(tmp_path):
    text = TICKETS + (
        "T1,2024-01-02 09:00,2024-01-02 11:30,P3,user,1.5,remote,pc-1\n"  # identical copy
        "T2,2024-01-06 09:00,2024-01-06 12:00,P2,network,1,no,rt-1\n"  # reopened
        "\n"  # an empty row
        "T3,2024-01-07 09:00,2024-01-07 10:00,P4,user,0.5,no,\n"  # T3 reopened, resolved
    )
    t = read_tickets(write(tmp_path, text))
    assert len(t) == 3
    assert t.duplicates == 1 and t.merged == 2
    dropped = dict(zip(t.dropped["row"], t.dropped["reason"], strict=True))
    assert dropped == {
        5: "identical to row 2",
        6: "reopened ticket T2: merged into row 3",
        7: "empty row",
        8: "reopened ticket T3: merged into row 4",
    }
    t2 = t.frame.set_index("id").loc["T2"]
    assert t2["opened"] == pd.Timestamp("2024-01-03 10:00")
    assert t2["resolved"] == pd.Timestamp("2024-01-06 12:00")  # first opened, last resolved
    assert t2["priority"] == "P1" and t2["hours"] == 4.0 and t2["onsite"] is True
    t3 = t.frame.set_index("id").loc["T3"]
    assert t3["resolved"] == pd.Timestamp("2024-01-07 10:00") and t3["hours"] == 0.75
    report = t.report()
    assert "4 row(s) left out" in report
    assert "2 x reopened ticket .." in report and "1 x identical to row .." in report


def test_a_reopened_ticket_still_open_stays_open(tmp_path):
    text = TICKETS + "T1,2024-01-09 09:00,,P3,user,0.5,remote,pc-1\n"
    t = read_tickets(write(tmp_path, text))
    assert pd.isna(t.frame.set_index("id").loc["T1", "resolved"])
    assert t.open == 2


def test_time_zones_convert_to_the_given_zone_and_day_first_dates_parse(tmp_path):
    text = (
        "id,opened,resolved\n"
        "1,2024-03-01T09:00:00Z,2024-03-01T10:30:00+00:00\n"
        "2,2024-07-01 09:00+02:00,2024-07-01 12:00+02:00\n"
        "3,2024-07-01 09:00,\n"
    )
    t = read_tickets(write(tmp_path, text), tz="Europe/Berlin")
    assert t.frame["opened"].tolist() == [
        pd.Timestamp("2024-03-01 10:00"),  # UTC -> CET (+1)
        pd.Timestamp("2024-07-01 09:00"),  # +02:00 is CEST already
        pd.Timestamp("2024-07-01 09:00"),  # naive: taken as it is
    ]
    assert t.frame["opened"].dt.tz is None
    assert any("converted to Europe/Berlin" in n for n in t.notes)
    utc = read_tickets(write(tmp_path, text))
    assert utc.frame["opened"].iloc[1] == pd.Timestamp("2024-07-01 07:00")
    dayfirst = "id,opened\n1,03/02/2024 14:30\n2,25/12/2024\n"
    d = read_tickets(write(tmp_path, dayfirst), date_format=["%d/%m/%Y %H:%M", "%d/%m/%Y"])
    assert d.frame["opened"].tolist() == [
        pd.Timestamp("2024-02-03 14:30"),
        pd.Timestamp("2024-12-25"),
    ]
    err = error_of(read_tickets, write(tmp_path, dayfirst))  # ISO by default: refused
    assert (err.row, err.column) == (2, "opened") and "ISO 8601" in str(err)


def test_booleans_and_priorities_in_their_many_spellings(tmp_path):
    words = ["yes", "No", "TRUE", "false", "onsite", "Remote", "on-site", "1"]
    prios = ["P1", "p2", "3", "Low", "critical", "High", "medium", "P4"]
    text = "id,opened,onsite,priority\n" + "".join(
        f"{i},2024-01-01,{w},{p}\n" for i, (w, p) in enumerate(zip(words, prios, strict=True))
    )
    f = read_tickets(write(tmp_path, text)).frame
    assert f["onsite"].tolist() == [True, False, True, False, True, False, True, True]
    assert f["priority"].tolist() == ["P1", "P2", "P3", "P4", "P1", "P2", "P3", "P4"]


def test_assets_without_a_reason_column_say_they_assumed_failure(tmp_path):
    text = "id,class,in_service,out_of_service\na,pc,2020-01-01,2022-01-01\nb,pc,2020-01-01,\n"
    a = read_assets(write(tmp_path, text))
    assert a.frame["reason"].tolist() == ["failed", "in service"]
    assert "taken to have failed" in a.report()
    dup = ASSETS + ASSETS.splitlines()[1] + "\n"
    b = read_assets(write(tmp_path, dup, "dup.csv"))
    assert len(b) == 3 and b.dropped["reason"].tolist() == ["identical to row 2"]


def test_invoices_keep_identical_lines(tmp_path):
    inv = read_invoices(write(tmp_path, INVOICES + "2024-01-02,trip,,50\n"))
    assert len(inv) == 4 and inv.dropped.empty
    assert np.isnan(inv.frame["hours"].iloc[1])
    assert inv.frame["kind"].tolist() == ["labour", "trip", "parts", "trip"]


def test_an_unknown_file_type_is_refused(tmp_path):
    err = error_of(read_tickets, write(tmp_path, TICKETS, "tickets.json"))
    assert ".csv" in str(err)
