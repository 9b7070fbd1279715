"""Tests of the catalog data and the checklist generator: a box is ticked only when every test naming it passed."""
import itertools, json, pathlib, re, subprocess, sys

import pytest

SCRIPTS = pathlib.Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(SCRIPTS))
import catalog_from_seeds, checklist  # noqa: E402

CHAPTERS = {95: json.loads((ROOT / "catalog" / "chapter-95.json").read_text()),
            117: json.loads((ROOT / "catalog" / "chapter-117.json").read_text())}
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seeds are not at {SEEDS}")


class Stream:
    """Writes an event stream in the shape of `swift test --experimental-event-stream-version 0`."""

    def __init__(self):
        self.lines, self.ids = [], itertools.count(1)

    def record(self, kind, test_id, display_name, **extra):
        payload = {"kind": kind, "id": test_id, "name": test_id.split("/")[-1], "displayName": display_name, **extra}
        self.lines.append({"kind": "test", "version": 0, "payload": payload})

    def event(self, kind, test_id, **extra):
        self.lines.append({"kind": "event", "version": 0,
                           "payload": {"kind": kind, "testID": test_id, "instant": {}, "messages": [], **extra}})

    def test(self, display_name, outcome="pass", cases=None, suite=None):
        """outcome: pass, fail, known (a known issue only), skip, cancel (`Test.cancel()`: ends without an issue),
        or crash (started, never ended). With cases, a parametrised test whose failing cases are those listed in
        `outcome` as fail:<case>,<case>, or cancelled ones as cancel:<case>,<case>."""
        n = next(self.ids)
        test_id = f"{suite or 'CatalogTests'}/t{n}()/Synthetic.swift:{n}:2"
        self.record("function", test_id, display_name, isParameterized=bool(cases))
        if outcome == "skip":
            self.event("testSkipped", test_id)
            return test_id
        self.event("testStarted", test_id)
        for case in cases or []:
            self.event("testCaseStarted", test_id, _testCase={"displayName": str(case)})
            kind, _, listed = outcome.partition(":")
            if str(case) in listed.split(","):
                extra = {"issue": {"isKnown": False}} if kind == "fail" else {}
                self.event("issueRecorded" if kind == "fail" else "testCaseCancelled", test_id,
                           _testCase={"displayName": str(case)}, **extra)
            self.event("testCaseEnded", test_id, _testCase={"displayName": str(case)})
        if outcome in ("fail", "known"):
            self.event("issueRecorded", test_id, issue={"isKnown": outcome == "known"})
        if outcome == "cancel":
            self.event("testCancelled", test_id)
            self.event("testCaseCancelled", test_id)
        if outcome != "crash":
            self.event("testEnded", test_id)
        return test_id

    def suite(self, display_name, n):
        suite_id = f"CatalogTests.Suite{n}"
        self.record("suite", suite_id, display_name)
        return suite_id

    def text(self):
        return "".join(json.dumps(line) + "\n" for line in self.lines)


def all_of(item, outcome="pass"):
    """One test per check of a catalog item, e.g. all_of("95.1.2")."""
    chapter = CHAPTERS[int(item.split(".")[0])]
    found = next(i for s in chapter["sections"] for i in s["items"] if i["id"] == item)
    return [(f"{check} works", outcome) for check in checklist.item_checks(found)]


def generate(tmp_path, tests=(), stream=None):
    """Runs the generator on a stream of `tests` ((display name, outcome) pairs) over a copy of the catalog."""
    stream = stream or Stream()
    for name, outcome in tests:
        stream.test(name, outcome)
    (tmp_path / "events.jsonl").write_text(stream.text())
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for number, chapter in CHAPTERS.items():
        (catalog / f"chapter-{number}.json").write_text(json.dumps(chapter))
    run = subprocess.run([sys.executable, str(SCRIPTS / "checklist.py"), "--results", str(tmp_path / "events.jsonl"),
                          "--catalog", str(catalog), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    md = {n: (tmp_path / "out" / f"{c['slug']}.md").read_text() for n, c in CHAPTERS.items()}
    status = json.loads((catalog / "status.json").read_text())
    return run, md, status


def line(md, pattern):
    """The one line of a rendered checklist that matches `pattern`."""
    found = [l for l in md.splitlines() if re.search(pattern, l)]
    assert len(found) == 1, f"{pattern!r} matches {found}"
    return found[0]


def ticked(md, pattern):
    return re.match(r"^(### )?- \[x\] ", line(md, pattern)) is not None


def item_status(status, item):
    return status["items"][item]


def totals(chapter):
    items = [i for s in chapter["sections"] for i in s["items"]]
    return len(items), sum(len(checklist.item_checks(i)) for i in items)


# The generator

def test_one_failing_test_leaves_its_check_its_item_and_its_topic_line_unticked(tmp_path):
    tests = [("95.1.1/1 asset URIs", "pass"), ("95.1.1/2 outlets", "fail"), ("95.1.1/2 outlets again", "pass"),
             ("95.1.1/3 emission", "pass"), ("95.1.1/4 producer", "pass"), ("95.1.1/expected events", "pass"),
             *all_of("95.1.2")]
    run, md, status = generate(tmp_path, tests)
    assert run.returncode == 0, run.stderr
    assert ticked(md[95], r"\] Define Asset URIs$")
    assert not ticked(md[95], r"\] Outlet declaration$"), "one of the two tests naming 95.1.1/2 failed"
    assert not ticked(md[95], r"95\.1\.1 Asset Producer Pattern$")
    assert ticked(md[95], r"\*\*Expected Behavior\*\*: Asset updates emitted$")
    assert ticked(md[95], r"95\.1\.2 Asset Consumer Pattern$")
    assert ticked(md[95], r"\*\*Expected Behavior\*\*: Consumer triggers on Asset$")
    assert not ticked(md[95], r"\] Asset triggers explained$"), "section 95.1 has unticked items"
    assert item_status(status, "95.1.1") | {"ticked": None} == {
        "id": "95.1.1", "product": "95_01_01_asset_producer", "title": "Asset Producer Pattern",
        "complete": False, "ticked": None, "unticked": ["95.1.1/2"]}
    assert item_status(status, "95.1.2")["complete"]
    items95, checks95 = totals(CHAPTERS[95])
    items117, checks117 = totals(CHAPTERS[117])
    assert run.stdout.splitlines()[:2] == [f"chapter 95: 1/{items95} items, 9/{checks95} checks",
                                           f"chapter 117: 0/{items117} items, 0/{checks117} checks"]
    assert "95.1.1/2" in run.stdout.splitlines()[2], "the failing check is named"


def test_missing_skipped_cancelled_crashed_and_known_issue_tests_tick_nothing(tmp_path):
    tests = [("95.1.1/1 skipped", "skip"), ("95.1.1/2 crashed before it ended", "crash"),
             ("95.1.1/3 passes only with a known issue", "known"), ("95.1.1/expected cancelled", "cancel")]
    run, md, status = generate(tmp_path, tests)
    assert run.returncode == 0, run.stderr
    for bullet in ("Define Asset URIs", "Outlet declaration", "Asset update emission", "Producer DAG pattern"):
        assert not ticked(md[95], rf"\] {bullet}$")
    assert item_status(status, "95.1.1")["unticked"] == [f"95.1.1/{n}" for n in (1, 2, 3, 4)] + ["95.1.1/expected"]
    assert status["chapters"]["95"]["ticked_checks"] == 0


def test_a_failing_case_of_a_parametrised_test_unticks_its_checks(tmp_path):
    stream = Stream()
    stream.test("95.1.3/1 95.1.3/2 every update order", "fail:2", cases=[1, 2, 3])
    stream.test("95.1.3/3 partial patterns", "pass", cases=["a", "b"])
    stream.test("95.1.3/4 groups", "cancel:b", cases=["a", "b"])
    run, md, status = generate(tmp_path, stream=stream)
    assert item_status(status, "95.1.3")["ticked"] == ["95.1.3/3"], "a cancelled case verified nothing"
    assert not ticked(md[95], r"\] AND logic for Assets$") and not ticked(md[95], r"\] All Assets must update$")
    assert ticked(md[95], r"\] Partial trigger patterns$")


def test_a_suites_ids_apply_to_every_test_inside_it(tmp_path):
    stream = Stream()
    ok, failing, broken = stream.suite("95.2.1/1 endpoint", 1), stream.suite("95.2.1/2 conf", 2), stream.suite("x", 3)
    stream.test("95.2.1/3 accepts a token", suite=ok)
    stream.test("rejects a missing token", suite=ok)
    stream.test("conf reaches the run", suite=failing)
    stream.test("conf is validated", "fail", suite=failing)
    stream.test("95.2.1/4 status codes", suite=broken)
    stream.event("issueRecorded", broken, issue={"isKnown": False})  # e.g. the suite's own trait failed
    run, md, status = generate(tmp_path, stream=stream)
    assert item_status(status, "95.2.1")["ticked"] == ["95.2.1/1", "95.2.1/3"]


def test_a_complete_section_ticks_its_topic_line(tmp_path):
    tests = [t for n in range(1, 6) for t in all_of(f"95.1.{n}")] + [t for n in range(1, 6) for t in all_of(f"117.2.{n}")]
    run, md, status = generate(tmp_path, tests)
    assert ticked(md[95], r"\] Asset triggers explained$")
    assert not ticked(md[95], r"\] External events covered$")
    assert ticked(md[117], r"\] AWS SQS triggers explained$")
    assert not ticked(md[117], r"\] AssetWatcher fundamentals covered$")
    assert f"chapter 95: 5/50 items, 25/{totals(CHAPTERS[95])[1]} checks" in run.stdout
    assert f"chapter 117: 5/50 items, 20/{totals(CHAPTERS[117])[1]} checks" in run.stdout


def test_ids_the_catalog_lacks_fail_the_generator_and_are_listed(tmp_path):
    run, md, _ = generate(tmp_path, [("95.1.1/5 one bullet too many", "pass"), ("117.1.1/expected none", "pass"),
                                     ("95.11.1/1 no such section", "pass"), ("95.1.1/1 fine", "pass")])
    assert run.returncode == 1
    for bad in ("95.1.1/5", "117.1.1/expected", "95.11.1/1"):
        assert bad in run.stderr
    assert "95.1.1/1 " not in run.stderr
    assert ticked(md[95], r"\] Define Asset URIs$"), "the checklists are still written"


def test_a_missing_results_file_is_an_error(tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPTS / "checklist.py"), "--results", str(tmp_path / "none.jsonl"),
                          "--catalog", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 2 and "no test results" in run.stderr


def test_ids_are_matched_as_whole_tokens():
    assert checklist.CHECK_ID.findall("95.1.2/1 95.1.2/3 and 117.10.5/expected, 95.1.1/2x 195.1.1/1a 95.1/1") == [
        ("95.1.2", "1"), ("95.1.2", "3"), ("117.10.5", "expected")]


def test_a_real_swift_test_event_stream():
    """testdata/probe-events.jsonl was written by Swift 6.3.1's `swift test` (see testdata/probe-events.md)."""
    tests = checklist.read_results(SCRIPTS / "testdata" / "probe-events.jsonl")
    passed = {t["name"]: (t["passed"], t["checks"]) for t in tests}
    assert passed == {
        "95.1.1/1 passes": (True, ["95.1.1/1"]),
        "95.1.1/2 fails": (False, ["95.1.1/2"]),
        "95.1.1/3 skipped": (False, ["95.1.1/3"]),
        "95.1.1/4 parametrised, one case fails": (False, ["95.1.1/4"]),
        "95.1.1/expected parametrised all pass": (True, ["95.1.1/expected"]),
        "95.1.2/1 95.1.2/3 two ids": (True, ["95.1.2/1", "95.1.2/3"]),
        "95.1.2/2 known issue only": (False, ["95.1.2/2"]),
        "95.1.2/4 warning only": (True, ["95.1.2/4"]),  # a warning is not an issue; the stream omits it
        "95.1.3/1 throws": (False, ["95.1.3/1"]),
        "95.1.3/2 require fails": (False, ["95.1.3/2"]),
        "noDisplayName()": (True, []),
        "95.9.9/2 inside suite passes": (True, ["95.9.9/1", "95.9.9/2"]),
        "95.9.9/3 inside suite param": (False, ["95.9.9/1", "95.9.9/3"]),
        "95.9.9/4 nested passes": (True, ["95.9.9/1", "95.9.9/4"]),
        "95.9.8/2 in disabled suite": (False, ["95.9.8/1", "95.9.8/2"]),
        "95.9.7/2 in throwing suite": (False, ["95.9.7/1", "95.9.7/2"]),
        "95.9.6/1 cancelled": (False, ["95.9.6/1"]),  # testCancelled, then testEnded with no issue
        "95.9.6/2 case cancelled": (False, ["95.9.6/2"]),  # the runner says passed: one case was cancelled
    }


# The catalog

def seed_items(path):
    """Item id → bullet count, read straight from a seed."""
    counts, current = {}, None
    for text in path.read_text().splitlines():
        if m := re.match(r"^### - \[ \] (\d+\.\d+\.\d+) ", text):
            current = m.group(1)
            counts[current] = 0
        elif text.startswith("# Summary"):
            current = None
        elif current and text.startswith("- [ ] "):
            counts[current] += 1
    return counts


@pytest.mark.parametrize("number", CHAPTERS)
def test_the_catalog_has_fifty_items_with_ids_products_and_checks(number):
    chapter = CHAPTERS[number]
    items = [i for s in chapter["sections"] for i in s["items"]]
    assert len(chapter["sections"]) == 10 and len(chapter["topic_completion"]) == 10
    assert len(items) == 50 and len({i["id"] for i in items}) == 50
    for section in chapter["sections"]:
        assert [i["id"] for i in section["items"]] == [f"{number}.{section['number']}.{n}" for n in range(1, 6)]
    for item in items:
        c, s, n = item["id"].split(".")
        assert item["product"] == item["filename"].removesuffix(".py")
        assert item["product"].startswith(f"{c}_{int(s):02}_{int(n):02}_")
        assert item["bullets"] and all(item["bullets"])
        assert (item["expected"] is not None) == (number == 95) == (item["purpose"] is not None)


@needs_seeds
@pytest.mark.parametrize("number", CHAPTERS)
def test_each_items_bullet_count_matches_the_seed(number):
    chapter = CHAPTERS[number]
    counts = seed_items(SEEDS / chapter["seed"])
    assert {i["id"]: len(i["bullets"]) for s in chapter["sections"] for i in s["items"]} == counts


@needs_seeds
@pytest.mark.parametrize("number", CHAPTERS)
def test_the_catalog_json_is_what_the_seeds_give(number):
    chapter = CHAPTERS[number]
    parsed = {"slug": chapter["slug"], "seed": chapter["seed"]} | catalog_from_seeds.parse(
        (SEEDS / chapter["seed"]).read_text())
    assert parsed == chapter, "catalog/ is stale: run scripts/catalog_from_seeds.py"


@needs_seeds
@pytest.mark.parametrize("number", CHAPTERS)
def test_the_rendered_checklist_keeps_every_line_of_the_seed(number):
    """Nothing ticked, the checklist is the seed line for line (blank lines aside), except that each Expected
    Behavior has a box of its own."""
    chapter = CHAPTERS[number]
    seed = (SEEDS / chapter["seed"]).read_text().replace("\n**Expected Behavior**", "\n- [ ] **Expected Behavior**")
    rendered = checklist.render(chapter, set())
    assert [l for l in rendered.splitlines() if l] == [l for l in seed.splitlines() if l]
