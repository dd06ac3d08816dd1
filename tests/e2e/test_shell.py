"""The local shell as a person uses it: `python app.py shell` driven through stdin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """\
release new v2.3 in 3 weeks
@lee requirement for v2.3: pricing page needs a tier table by fri | audience: SMB admins
@lee messaging for v2.3: homepage hero copy due in 5 days
@lee question for v2.3: who briefs the analysts?
as lee
ack 1
start 1
done 1
decline 2 hero copy is web team's, not ours
as dana
who owns battlecards?
release decide v2.3 We launch to mid-market first
search mid-market
release show v2.3
frobnicate the widgets
ack
show 1
"""


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args], input=stdin, capture_output=True, text=True,
        env={**base, **(env or {})}, cwd=cwd, timeout=60,
    )


def test_the_done_when_scenario_through_stdin(tmp_path: Path) -> None:
    result = run_cli("shell", "--as", "dana", stdin=SCRIPT, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "handoff.db").exists()  # the SQLite default, migrated on start
    assert "Handed off #1 to lee" in out and "Handed off #2 to lee" in out and "Handed off #3 to lee" in out
    assert "requirement (PM → PMM)" in out and "messaging (PMM → PM)" in out and "Kind       question" in out
    assert "#1 is now acknowledged" in out and "#1 is now in progress" in out and "#1 is now done" in out
    assert "#2 is now declined" in out and "hero copy is web team's, not ours" in out
    assert "→ dana: lee declined #2" in out
    assert "Competitive messaging (shared)" in out and "Nobody drives competitive messaging yet" in out
    assert "Found for “mid-market” (1)" in out and "[v2.3] We launch to mid-market first" in out
    assert re.search(r"Open +1 \(1 question\)", out) and re.search(r"Done +1 \(1 requirement\)", out)
    assert "We launch to mid-market first — dana" in out
    assert "I don't know “frobnicate”" in out and "Which handoff? Give its number." in out
    assert "Usage: `ack <N>`" in out
    assert "Traceback" not in out + result.stderr


def test_state_survives_between_runs_and_demo_seeds(tmp_path: Path) -> None:
    seeded = run_cli("demo", cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    shown = seeded.stdout
    assert "Seeded release v2.3" in shown
    # The tour: gates in several states, an at-risk release with a proposed slip, a flagged workload, a dispute.
    assert "Release v2.3 — at risk" in shown and "Blocking the launch: Functional and Usability Reqs was declined" in shown
    assert "✓ 1. Market Opportunity — approved by dana" in shown and "– 2. Use Case Definition — waived by alex" in shown
    assert "… 4. Engineering Development Timeline — pending" in shown and re.search(r"\[release slip accept v2.3 S\d+\]", shown)
    assert "lee has 3 open, far above the team median" in shown
    assert "priya drives pricing (inbound) and launch (outbound) for v2.3" in shown
    assert "Open disputes (2)" in shown and "[dispute resolve 2 2]" in shown and "sam claims to drive customer advisory board" in shown
    again = run_cli("demo", cwd=tmp_path)
    assert "already there" in again.stdout
    out = run_cli("shell", "--as", "dana", stdin="list owed\nwho owns battlecards?\nsearch pricing\n", cwd=tmp_path).stdout
    assert "Handoffs owed to you" in out and re.search(r"Driver +lee", out) and "Pricing page shows the usage tier" in out


def test_no_command_opens_the_shell(tmp_path: Path) -> None:
    """`python app.py` (and `dev.py run`) with no command is the local shell; `serve` always serves HTTP."""
    result = run_cli(stdin="help\n", cwd=tmp_path)
    assert result.returncode == 0 and "Handoff keeps PMs and PMMs in step" in result.stdout


def test_a_platform_without_its_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, cwd=tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET is required" in result.stderr
    assert "xoxb-1-2-abc" not in result.stderr + result.stdout
    result = run_cli("serve", env={"MICROSOFT_APP_ID": "abc"}, cwd=tmp_path)
    assert result.returncode == 2 and "MICROSOFT_APP_PASSWORD is required" in result.stderr
    result = run_cli("serve", env={"HANDOFF_TIMEZONE": "Mars/Base"}, cwd=tmp_path)
    assert result.returncode == 2 and "Mars/Base" in result.stderr


def test_migrate_command(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path)
    assert result.returncode == 0 and "latest schema" in result.stdout


def test_jobs_run_prints_what_it_would_send_then_sends_it_once(tmp_path: Path) -> None:
    # Handoffs are stamped with the real clock; "--at" a week on, the open one is overdue.
    setup = "release new v9 in 3 weeks\n@lee requirement for v9: battlecards by tomorrow\ndigest here 09:00\n"
    assert run_cli("shell", "--as", "dana", stdin=setup, cwd=tmp_path).returncode == 0
    monday = datetime.now(UTC).date() + timedelta(days=14 - datetime.now(UTC).weekday())
    at = f"{monday.isoformat()}T10:00:00+00:00"

    dry = run_cli("jobs", "run", "nudges", "--at", at, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "would nudge lee: overdue #1" in dry.stdout
    sent = run_cli("jobs", "run", "nudges", "--at", at, cwd=tmp_path)
    assert "nudged lee: overdue #1" in sent.stdout and "→ @lee (nudge)" in sent.stdout and "battlecards" in sent.stdout
    again = run_cli("jobs", "run", "nudges", "--at", at, cwd=tmp_path)
    assert again.stdout.strip() == "nudges: nothing to do."

    digest = run_cli("jobs", "run", "digests", "--at", f"{monday.isoformat()}T09:30:00+00:00", cwd=tmp_path)
    assert "→ #shell (digest)" in digest.stdout and "Overdue" in digest.stdout
    bad = run_cli("jobs", "run", "digests", "--at", "tomorrow", cwd=tmp_path)
    assert bad.returncode == 2 and "not an ISO time" in bad.stderr


def test_gates_slip_disputes_and_load_through_the_shell(tmp_path: Path) -> None:
    script = "\n".join([
        "person me role lead", "person @dana role pm", "person @lee role pmm",
        "release new v2.3 2027-03-01",
        "as dana", "gate decline v2.3 1", "gate decline v2.3 1 market too small",
        "@lee requirement for v2.3: battlecards",
        "as lee", "dispute 1 positioning work, not a requirement", "gate approve v2.3 2",
        "as alex", "release slip accept v2.3", "dispute resolve 1 1 lee keeps it this time", "load", "release show v2.3",
    ]) + "\n"
    out = run_cli("shell", "--as", "alex", stdin=script, cwd=tmp_path).stdout
    assert "Say why Market Opportunity is declined" in out and "✗ 1. Market Opportunity — declined by dana" in out
    assert "→ alex: v2.3 is at risk" in out and re.search(r"Move to 2027-03-15 \[release slip accept v2.3 S\d+\]", out)
    assert "Only an approver (PM), a lead or an admin can decide Use Case Definition." in out
    assert "Dispute D1 recorded" in out and "→ alex: lee disputed #1 battlecards" in out
    assert "moved the target of v2.3 from 2027-03-01 to 2027-03-15" in out
    assert "D1 decided: lee keeps #1 (lee keeps it this time)" in out
    assert "Workload: team (3 people)" in out
    assert "Release v2.3 — at risk" in out and "Target            2027-03-15" in out


def test_rights_through_the_shell(tmp_path: Path) -> None:
    """Issue 14, findings 1 and 2, as a team met them: whoever starts the shell is its admin; a salesperson
    cannot make themselves a lead, demote the real one, or record release decisions."""
    script = "\n".join([
        "person me role lead", "release new v2.3 2027-03-01",
        "as omar", "person me role lead", "person @kim role other", "person me role other",
        "release decide v2.3 we ship friday", "release note v2.3 we ship friday",
        "as kim", "release owner v2.3 @omar",
        "as omar", "release decide v2.3 we ship friday", "person @kim",
    ]) + "\n"
    result = run_cli("shell", "--as", "kim", stdin=script, cwd=tmp_path)
    out = result.stdout
    assert "kim is now lead." in out
    assert "Only a lead or an admin can make someone a lead." in out
    assert "Only kim, a lead or an admin can set the role of kim." in out
    assert "omar is now other." in out
    assert ("Only the area's driver, kim (the release owner), a lead or an admin can record a decision for v2.3. "
            "Anyone can add it as a note: `release note v2.3 …`.") in out
    assert "omar now owns v2.3." in out and "→ omar: kim made you the owner of v2.3" in out
    assert "Decision added to v2.3\nwe ship friday" in out  # as the release's owner now
    assert out.rstrip().endswith("kim\n  Role       lead\n  Time zone  UTC (workspace default)\n  Admin      yes")
    assert "Traceback" not in out + result.stderr


def test_an_answer_returns_the_handoff_to_where_the_question_was_asked(tmp_path: Path) -> None:
    """Issue 14, finding 5: ack, start, ask, answer used to land on `open`, and the next pass nagged the
    owner that it was "not acknowledged"."""
    script = "\n".join([
        "@lee requirement: tier table | audience: SMB admins",
        "as lee", "ack 1", "start 1", "ask 1 which segment?",
        "as dana", "answer 1 problem: seats don't fit bursty use", "show 1",
    ]) + "\n"
    out = run_cli("shell", "--as", "dana", stdin=script, cwd=tmp_path).stdout
    answered = out.split("(you are now dana)")[-1]
    assert "#1 is now in progress." in answered and "dana answer: problem: seats don't fit bursty use" in answered
    assert re.search(r"#1 tier table\n +Kind +requirement \(PM → PMM\)\n +Status +in progress", answered)
    monday = datetime.now(UTC).date() + timedelta(days=7 - datetime.now(UTC).weekday())
    nudges = run_cli("jobs", "run", "nudges", "--at", f"{monday.isoformat()}T10:00:00+00:00", "--dry-run", cwd=tmp_path)
    assert nudges.returncode == 0 and "unacknowledged #1" not in nudges.stdout, nudges.stdout


def test_a_secret_in_notes_is_redacted_once_in_the_draft_the_handoff_and_the_export(tmp_path: Path) -> None:
    """Issue 14, finding 6: `My api key is sk-…` came out as `[redacted secret] secret] secret]`, and that
    mangled text was stored in the handoff's details and exported."""
    key = "sk-abcdefghijklmnopqrstuvwx"
    script = "\n".join([
        "person me role pmm", "release new v2.3 2027-03-01",
        f"draft for v2.3 My api key is {key} and password: hunter2 . We added SAML SSO for admins",
        "draft use 1", "show 1", "release export v2.3",
    ]) + "\n"
    result = run_cli("shell", "--as", "dana", stdin=script, cwd=tmp_path)
    files = "".join(p.read_text(encoding="utf-8-sig") for p in sorted(tmp_path.glob("*v2.3*")))
    assert "launch brief" in files.lower() or "Launch brief" in files
    for text in (result.stdout, files):
        assert key not in text and "hunter2" not in text
        assert "My api key is [redacted secret] and password: [redacted secret] ." in text
        assert text.count("secret]") == text.count("[redacted secret]")  # no fragments of a marker


def test_the_digest_shows_what_is_stuck_and_a_standing_risk_in_one_line(tmp_path: Path) -> None:
    """Issue 14, finding 9: blocked, needs-info and declined handoffs never appeared in a digest, and an
    at-risk release was said again in full every day."""
    setup = "\n".join([
        "release new v9 in 3 weeks", "digest here 09:00", "@lee requirement for v9: battlecards | audience: sales",
        "@lee question for v9: which segment?", "as lee", "block 1 waiting on legal", "ask 2 SMB or mid-market?",
        "as dana", "gate decline v9 1 market too small",
    ]) + "\n"
    assert run_cli("shell", "--as", "dana", stdin=setup, cwd=tmp_path).returncode == 0
    monday = datetime.now(UTC).date() + timedelta(days=14 - datetime.now(UTC).weekday())  # the decline is old news by then
    out = run_cli("jobs", "run", "digests", "--at", f"{monday.isoformat()}T09:30:00+00:00", cwd=tmp_path).stdout
    assert re.search(r"Stuck +2", out), out
    assert re.search(r"#1 battlecards — blocked for \d+ days?: waiting on legal \(lee\)", out), out
    assert re.search(r"#2 which segment\? — waiting for dana's answer for \d+ days?: SMB or mid-market\? \(lee\)", out)
    assert re.search(r"Still at risk: v9 \(Market Opportunity declined \d+ days? ago: market too small", out), out
    assert out.count("market too small") == 1


LAUNCH_SCRIPT = """\
person me role pm
owner set competitive messaging @lee
owner set launch @lee
release new v2.3 in 8 weeks tier 2
release skip v2.3 web content: the site is frozen
release brief v2.3 Admins audit every SSO login in one place
as lee
release confirm v2.3
as dana
release tier v2.3 3
release show v2.3
release target v2.3 in 10 weeks
release ship v2.3
"""


def test_a_launch_plan_through_the_shell(tmp_path: Path) -> None:
    result = run_cli("shell", "--as", "dana", stdin=LAUNCH_SCRIPT, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Launch plan of v2.3 (Tier 2)" in out and "Competitive battlecard — lee" in out
    assert "web content does not apply to v2.3" in out and "Cancelled its untouched plan items" in out
    assert "→ lee: dana wrote what v2.3 does; please confirm it." in out
    assert "Confirmed: both sides stand behind what v2.3 does" in out
    assert "Tier 3: " in out and "cancelled" in out
    assert "Statement         confirmed by both sides" in out and "Not applicable    web content" in out
    assert "moved the target of v2.3" in out and "shipped v2.3. Pre-launch reminders stop" in out
    assert "Traceback" not in out + result.stderr
