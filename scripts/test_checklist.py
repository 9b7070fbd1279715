"""Tests of the checklist generator: a box is ticked only when every test naming it ran and passed."""
import json, pathlib, re, subprocess, sys

import pytest

SCRIPTS = pathlib.Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
import checklist  # noqa: E402


def stream(tests):
    """An event stream in Swift Testing's format (version 0) for `tests`: (display name, outcome) where
    outcome is "pass", "fail", "skip" or "missing-end" (started, never ended)."""
    lines = []
    for n, (name, outcome) in enumerate(tests):
        test_id = f"CatalogTests.Synthetic/t{n}()/Synthetic.swift:{n}:1"
        lines.append({"kind": "test", "version": 0, "payload": {"kind": "function", "id": test_id, "name": f"t{n}()",
                                                               "displayName": name}})
        if outcome == "skip":
            lines.append({"kind": "event", "version": 0, "payload": {"kind": "testSkipped", "testID": test_id}})
            continue
        lines.append({"kind": "event", "version": 0, "payload": {"kind": "testStarted", "testID": test_id}})
        if outcome == "fail":
            lines.append({"kind": "event", "version": 0, "payload": {"kind": "issueRecorded", "testID": test_id,
                                                                    "issue": {"isKnown": False}}})
        if outcome != "missing-end":
            lines.append({"kind": "event", "version": 0, "payload": {"kind": "testEnded", "testID": test_id}})
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def generate(tmp_path, tests):
    results = tmp_path / "events.jsonl"
    results.write_text(stream(tests))
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for f in (ROOT / "catalog").glob("chapter-*.json"):
        (catalog / f.name).write_text(f.read_text())
    (catalog / "seeds").mkdir()
    for f in (ROOT / "catalog" / "seeds").glob("*.md"):
        (catalog / "seeds" / f.name).write_text(f.read_text())
    run = subprocess.run([sys.executable, str(SCRIPTS / "checklist.py"), "--results", str(results),
                          "--catalog", str(catalog)], capture_output=True, text=True)
    md = (catalog / "checklists" / "95_event_driven_patterns.md").read_text()
    status = json.loads((catalog / "status.json").read_text())
    return run, md, status


def line(md, pattern):
    return next(l for l in md.splitlines() if re.search(pattern, l))


ALL_OF_95_1_2 = [(f"95.1.2/{k} ok", "pass") for k in (1, 2, 3, 4)] + [("95.1.2/expected ok", "pass")]


def test_one_failure_leaves_its_box_item_and_topic_unticked(tmp_path):
    tests = [("95.1.1/1 a", "pass"), ("95.1.1/2 b", "fail"), ("95.1.1/2 another test of b", "pass"),
             ("95.1.1/3 c", "pass"), ("95.1.1/4 d", "pass"), ("95.1.1/expected e", "pass")] + ALL_OF_95_1_2
    run, md, status = generate(tmp_path, tests)
    assert run.returncode == 0, run.stderr
    assert line(md, r"Define Asset URIs").startswith("- [x]")
    assert line(md, r"Outlet declaration").startswith("- [ ]"), "one failing test of 95.1.1/2 unticks it"
    assert line(md, r"95\.1\.1 Asset Producer").startswith("### - [ ]")
    assert line(md, r"95\.1\.2 Asset Consumer").startswith("### - [x]")
    assert line(md, r"Expected Behavior\*\*: Consumer triggers").startswith("- [x]")
    assert line(md, r"Asset triggers explained").startswith("- [ ]"), "section 95.1 is incomplete"
    assert status["items"]["95.1.1"]["unticked"] == ["95.1.1/2"]
    assert "chapter 95: 1/50 items, 9/250 checks" in run.stdout


def test_missing_skipped_and_unfinished_tests_tick_nothing(tmp_path):
    tests = [("95.1.1/1 skipped", "skip"), ("95.1.1/2 never ended", "missing-end")]
    run, md, status = generate(tmp_path, tests)
    assert line(md, r"Define Asset URIs").startswith("- [ ]")
    assert line(md, r"Outlet declaration").startswith("- [ ]")
    assert line(md, r"Asset update emission").startswith("- [ ]"), "no test at all"
    assert status["chapters"]["95"]["ticked_checks"] == 0


def test_a_complete_section_ticks_its_topic_line(tmp_path):
    tests = []
    for item in range(1, 6):
        tests += [(f"95.1.{item}/{k} ok", "pass") for k in (1, 2, 3, 4)] + [(f"95.1.{item}/expected ok", "pass")]
    run, md, status = generate(tmp_path, tests)
    assert line(md, r"Asset triggers explained").startswith("- [x]")
    assert line(md, r"External events covered").startswith("- [ ]")
    assert "chapter 95: 5/50 items, 25/250 checks" in run.stdout


def test_unknown_ids_fail_the_generator(tmp_path):
    run, _, _ = generate(tmp_path, [("95.1.1/9 typo", "pass")])
    assert run.returncode == 1
    assert "95.1.1/9" in run.stderr


def test_real_swift_testing_output_suite_ids_and_parametrised_failures():
    """probe-events.jsonl is a real `swift test` event stream: a suite named "95.9.9/1 …" holding a failing
    test (95.9.8/1), a disabled one (/2), a parametrised one with one failing case (/3) and a passing one (/4)."""
    tests = checklist.read_results(SCRIPTS / "testdata" / "probe-events.jsonl")
    verdict = checklist.verdicts(tests)
    assert verdict["95.9.8/1"] is False
    assert verdict["95.9.8/2"] is False
    assert verdict["95.9.8/3"] is False, "one failing case fails the parametrised test"
    assert verdict["95.9.8/4"] is True
    assert verdict["95.9.9/1"] is False, "the suite's id needs every test inside it to pass"


def test_catalog_matches_the_seeds():
    for chapter, expected_checks in (("95", 250), ("117", 200)):
        data = json.loads((ROOT / "catalog" / f"chapter-{chapter}.json").read_text())
        items = [i for s in data["sections"] for i in s["items"]]
        assert len(data["sections"]) == 10 and len(items) == 50
        assert sum(len(checklist.item_checks(i)) for i in items) == expected_checks
        assert len(data["topic_completion"]) == 10
        assert all(i["product"] and i["product"].startswith(chapter + "_") for i in items)
