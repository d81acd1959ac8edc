"""The benchmark command's own parts that run without a server: the referral bodies it
posts, picking endpoints, and the report against a saved baseline."""

import itertools
import json
import statistics
import time
from io import StringIO

import pytest
from django.core.management.base import CommandError

from demo.management.commands import benchmark
from referrals.models import Person, Referral


@pytest.mark.django_db
def test_each_posted_body_makes_a_referral_of_someone_new(api, police_officer):
    client = api(police_officer)
    answers = [
        client.post(
            "/api/v1/referrals", benchmark._new_referral(n), content_type="application/json"
        )
        for n in (0, 1, 27, 10**6)
    ]
    assert [a.status_code for a in answers] == [201] * 4, answers[0].json()
    assert Referral.objects.count() == 4
    assert Person.objects.count() == 4


def command(**options):
    cmd = benchmark.Command(stdout=StringIO())
    cmd.options = {
        "figures": False,
        "only": "",
        "baseline": "",
        "save": "",
        "requests": 10,
        "threads": 2,
        "rounds": 1,
        **options,
    }
    cmd.rebuild_failure = ""
    return cmd


SAMPLES = {
    "referrals": ["r1"],
    "cases": ["c1", "c2"],
    "nhs_numbers": ["9434765919"],
    "audited_people": ["p1"],
    "audited_users": [7],
    "meeting": "m1",
}


def test_only_picks_endpoints_beside_the_bare_view_and_figures_are_optional():
    every = command()._endpoints(
        {w: "t" for w in benchmark.ACCOUNTS}, {"analyst": "s", "coordinator": "s"}, SAMPLES
    )
    assert not [e for e in every if e.group == "figures"]
    assert {"referral-create", "panel-agenda", "audit-user", "web-case"} <= {e.key for e in every}
    timeline = next(e for e in every if e.key == "case-timeline")
    assert timeline.paths == ["/api/v1/cases/c1/timeline", "/api/v1/cases/c2/timeline"]

    chosen = command(only="case-list,figures-api-funnel", figures=True)._endpoints(
        {w: "t" for w in benchmark.ACCOUNTS}, {"analyst": "s", "coordinator": "s"}, SAMPLES
    )
    assert [e.key for e in chosen] == ["bare", "case-list", "figures-api-funnel"]
    with pytest.raises(CommandError, match="unknown nonsense"):
        command(only="nonsense")._endpoints(
            {w: "t" for w in benchmark.ACCOUNTS}, {"analyst": "s", "coordinator": "s"}, SAMPLES
        )


def test_a_run_saved_is_the_baseline_of_the_next(tmp_path):
    saved = tmp_path / "base.json"
    rows = [
        {"key": "bare", "label": "bare view", "group": "key", "rate": 500.0, "p50": 2.0,
         "p95": 4.0, "sent": 10, "problem": "", "queries": 1},
        {"key": "case-list", "label": "case list", "group": "key", "rate": 50.0, "p50": 20.0,
         "p95": 30.0, "sent": 10, "problem": "", "queries": 7},
        {"key": "panel-agenda", "label": "panel agenda", "group": "key",
         "problem": "not available (404)"},
    ]  # fmt: skip
    counts = {"people": 2000, "referrals": 4000, "audit events": 24000}
    timings = {"migrate": 1.0, "analyze": 1.0, "rebuild": 2.0}
    first = command(save=str(saved))
    first._report(counts, None, timings, rows)
    assert json.loads(saved.read_text())["rows"][1]["p95"] == 30.0

    slower = [dict(row) for row in rows]
    slower[1]["p95"] = 45.0
    second = command(baseline=str(saved))
    second._report(counts, None, timings, slower)
    out = second.stdout.getvalue()
    assert "p95 vs base" in out
    case_list = next(line for line in out.splitlines() if line.startswith("case list"))
    assert case_list.split()[-1] == "1.50"
    assert "10.0%" in case_list  # of the bare view's rate
    assert "not available (404)" in out


class FakeEndpoint(benchmark.Endpoint):
    """Answers without a server, taking ``pause`` seconds; logs the order it was asked in."""

    def __init__(self, key, pause, log, status=200):
        super().__init__(key, key, {}, [f"/{key}/"])
        self.pause, self.log, self.status = pause, log, status

    def send(self, port, n):
        self.log.append((self.key, n))
        time.sleep(self.pause)
        return self.status


def test_each_endpoint_is_measured_in_rounds_between_turns_of_the_bare_view():
    log = []
    endpoints = [
        FakeEndpoint("bare", 0.001, log),
        FakeEndpoint("slow", 0.004, log),
        FakeEndpoint("gone", 0, log, status=404),
        FakeEndpoint("other", 0.002, log),
    ]
    cmd = command(requests=7, threads=1, rounds=3, max_seconds=60.0)
    cmd._queries = lambda endpoint: 3
    rows = {row["key"]: row for row in cmd._measure_rounds(0, endpoints)}

    turns = [key for key, n in log if n >= 4]  # after the warming requests
    runs = [key for key, _ in itertools.groupby(turns)]
    assert runs == ["bare"] + ["slow", "bare", "other", "bare"] * 3
    # Every request of an endpoint asks for its next path and body: none is sent twice.
    slow = [n for key, n in log if key == "slow" and n >= 4]
    assert sorted(slow) == list(range(4, 11))
    assert rows["slow"]["sent"] == 7
    assert len(rows["slow"]["shares"]) == 3
    assert 0 < rows["slow"]["share"] < 1
    assert rows["slow"]["share"] == statistics.median(rows["slow"]["shares"])
    assert rows["bare"]["share"] == 1.0
    assert len(rows["bare"]["rates"]) == 7
    assert rows["bare"]["rate"] == statistics.median(rows["bare"]["rates"])
    assert rows["gone"] == {"key": "gone", "label": "gone", "group": "key",
                            "problem": "not available (404)"}  # fmt: skip
    assert rows["other"]["queries"] == 3
    assert not rows["other"]["problem"]


def test_the_report_gives_each_share_against_its_neighbours_and_the_bare_spread(tmp_path):
    rows = [
        {"key": "bare", "label": "bare view", "group": "key", "rate": 500.0, "p50": 2.0,
         "p95": 4.0, "sent": 40, "problem": "", "queries": 1, "share": 1.0,
         "rates": [400.0, 500.0, 600.0], "shares": []},
        {"key": "case-list", "label": "case list", "group": "key", "rate": 50.0, "p50": 20.0,
         "p95": 30.0, "sent": 10, "problem": "", "queries": 7, "share": 0.125,
         "rates": [40.0, 60.0], "shares": [0.1, 0.15]},
    ]  # fmt: skip
    saved = tmp_path / "run.json"
    cmd = command(rounds=2, save=str(saved))
    cmd._report({"people": 2000, "referrals": 4000, "audit events": 1}, None,
                {"migrate": 1.0, "analyze": 1.0, "rebuild": 2.0}, rows)  # fmt: skip
    out = cmd.stdout.getvalue()
    assert "Bare view over 3 turns: median 500.0 req/s, 400.0 to 600.0 (40% of the median)" in out
    case_list = next(line for line in out.splitlines() if line.startswith("case list"))
    assert case_list.split()[-3:] == ["12.5%", "10.0-15.0", "7"]
    report = json.loads(saved.read_text())
    assert report["rounds"] == 2
    assert report["rows"][1]["shares"] == [0.1, 0.15]
