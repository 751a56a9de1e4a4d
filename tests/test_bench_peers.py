"""The pure helpers of ``bench/peers.py`` (``run_bench.sh --vs-peers``): ratios and the table."""

import pytest
from conftest import ROOT, load_rules


@pytest.fixture(scope="module")
def peers():
    # plain Python at import time: Odoo is imported only by the measures
    return load_rules(ROOT / "bench" / "peers.py", "bench_peers")


def test_ratio_and_per_mail(peers):
    assert peers.ratio(102.0, 14.4) == 7.1
    assert peers.ratio(5.0, 0) is None
    assert peers.ratio(None, 3.0) is None
    assert peers.per_mail(2175, 870) == 2.5
    assert peers.per_mail(100, 0) is None
    assert peers.per_mail(None, 10) is None


def test_with_ratios_compares_each_peer_to_ours(peers):
    results = peers.with_ratios(
        {
            "ours": {"wall_s": 10.0, "cpu_s": 5.0, "mails": 100, "queries": 50},
            "credit_control": {"wall_s": 100.0, "cpu_s": 80.0, "mails": 200, "queries": 6000},
            "overdue_reminder": {"wall_s": 130.0, "cpu_s": 0, "mails": 0, "queries": 7},
        }
    )
    ours, credit, overdue = (results[k] for k in ("ours", "credit_control", "overdue_reminder"))
    assert ours["queries_per_mail"] == 0.5
    assert "wall_ratio" not in ours
    assert (credit["wall_ratio"], credit["cpu_ratio"]) == (10.0, 16.0)
    assert (credit["queries_per_mail"], credit["queries_per_mail_ratio"]) == (30.0, 60.0)
    # no mail, no CPU figure: no ratio rather than a division by zero
    assert overdue["queries_per_mail"] is None
    assert overdue["queries_per_mail_ratio"] is None
    assert overdue["cpu_ratio"] is None
    assert overdue["wall_ratio"] == 13.0


def test_table_has_a_column_per_product_and_aligned_rows(peers):
    results = peers.with_ratios(
        {
            "overdue_reminder": {"wall_s": 127.4, "cpu_s": 99.0, "mails": 900, "queries": 88200},
            "ours": {
                "wall_s": 14.4,
                "cpu_s": 5.0,
                "mails": 870,
                "queries": 2175,
                "peak_rss_mb": 185.2,
            },
        }
    )
    lines = peers.format_table(results)
    head = lines[0].split("  ")
    # ours first, whatever the order of the results
    assert [cell.strip() for cell in head if cell.strip()] == [
        "invoice_reminders",
        "OCA account_invoice_overdue_reminder",
    ]
    assert len({len(line) for line in lines}) == 1
    rows = {line.split("  ")[0].strip(): line.split() for line in lines[1:]}
    assert rows["Wall time (s)"][-2:] == ["14.4", "127.4"]
    assert rows["Queries per mail"][-2:] == ["2.50", "98.00"]
    assert rows["Wall time / ours"][-2:] == ["-", "8.8x"]
    assert rows["SQL queries"][-2:] == ["2,175", "88,200"]
    assert rows["Peak memory (MB)"][-2:] == ["185", "-"]
    assert len(lines) == 1 + len(peers.ROWS)
