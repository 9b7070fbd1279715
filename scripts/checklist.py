#!/usr/bin/env python3
"""Ticks the catalog's checklists from a Swift Testing run.

Input: the JSON-lines event stream that `swift test --experimental-event-stream-output FILE
--experimental-event-stream-version 0` writes. Tests name the checklist ids they verify in their display name
(`@Test("95.1.1/2 …")`, `/expected` for an item's Expected Behavior); ids in a suite's display name apply to
every test inside it. A test passed when it ran to its end, was neither skipped nor cancelled (in any of its
parametrised cases either), and no issue was recorded for it or against a suite around it; a known issue
(`withKnownIssue`) counts as an issue here, since it marks behaviour known not to work. A check is ticked when
at least one test names it and every test naming it passed; an item when all its checks are; a topic
completion line when every item of its section is.

Writes <out>/<slug>.md for each catalog/chapter-*.json, in the seed's own shape, and <catalog>/status.json;
prints one summary line per chapter. Exits 1 when a test names an id the catalog does not have, 2 when the
results or the catalog are missing, 0 otherwise (failing tests are the test runner's to report).
Usage: scripts/checklist.py --results FILE [--catalog catalog] [--out catalog/checklists]
"""
import argparse, json, pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHECK_ID = re.compile(r"\b(\d+\.\d+\.\d+)/(\d+|expected)\b")


# Results

def read_results(path: pathlib.Path) -> list[dict]:
    """Every test function in the stream: {"id", "name", "checks": [check ids], "passed": bool}."""
    records, ended, skipped, issues = {}, set(), set(), {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        payload = entry.get("payload", {})
        if entry.get("kind") == "test":
            records[payload["id"]] = payload
            continue
        kind, test_id = payload.get("kind"), payload.get("testID")
        if kind == "testEnded":
            ended.add(test_id)
        elif kind in ("testSkipped", "testCancelled", "testCaseCancelled"):  # `Test.cancel()`: ended, no issue
            skipped.add(test_id)
        elif kind == "issueRecorded" and test_id is not None:
            issues[test_id] = issues.get(test_id, 0) + 1
    suites = [r for r in records.values() if r.get("kind") == "suite"]
    tests = []
    for test_id, record in records.items():
        if record.get("kind") == "suite":
            continue
        enclosing = [s for s in suites if test_id.startswith(s["id"] + "/")]
        names = [record.get("displayName") or ""] + [s.get("displayName") or "" for s in enclosing]
        checks = sorted({f"{item}/{part}" for name in names for item, part in CHECK_ID.findall(name)}, key=check_key)
        failed = issues.get(test_id, 0) + sum(issues.get(s["id"], 0) for s in enclosing)
        passed = test_id in ended and test_id not in skipped and failed == 0
        tests.append({"id": test_id, "name": record.get("displayName") or record.get("name"), "checks": checks,
                      "passed": passed})
    return tests


def check_key(check: str):
    """Sorts 95.2.1/2 before 95.10.1/1, and an item's bullets before its expected behavior."""
    item, part = check.split("/")
    return [int(n) for n in item.split(".")], part == "expected", int(part) if part.isdigit() else 0


# Catalog

def item_checks(item: dict) -> list[str]:
    checks = [f"{item['id']}/{n}" for n in range(1, len(item["bullets"]) + 1)]
    return checks + [f"{item['id']}/expected"] if item["expected"] is not None else checks


def render(chapter: dict, ticked: set[str]) -> str:
    """The chapter's checklist in the seed's markdown shape, boxes ticked. The Expected Behavior line gets a box
    of its own, so it can be ticked like a bullet."""
    box = lambda done: "- [x]" if done else "- [ ]"
    complete = lambda item: all(c in ticked for c in item_checks(item))
    out = [chapter["preamble"], ""] if chapter["preamble"] else []
    out += [f"# {chapter['heading']}", "", "## Overview", chapter["overview"], ""]
    for note in chapter["notes"]:
        out += [f"## {note['title']}", *(f"- {line}" for line in note["lines"]), ""]
    out += ["---", ""]
    for section in chapter["sections"]:
        if chapter["layout"] == "tasks":
            out += [f"# {section['id']} {section['title']}", ""]
            out += ["## Overview", section["overview"], ""] if section["overview"] is not None else []
            out += ["## Tasks", ""]
        else:
            out += [f"## Section {section['number']}: {section['title']}", ""]
        for item in section["items"]:
            checks = item_checks(item)
            out += [f"### {box(complete(item))} {item['id']} {item['title']}",
                    f"Filename: `{item['filename']}` | Tags: `[{', '.join(repr(t) for t in item['tags'])}]`"]
            if item["purpose"] is not None:
                out += ["", f"**Purpose**: {item['purpose']}", ""]
            out += [f"{box(check in ticked)} {text}" for check, text in zip(checks, item["bullets"])]
            if item["expected"] is not None:
                out += ["", f"{box(checks[-1] in ticked)} **Expected Behavior**: {item['expected']}"]
            out += ["", "---", ""] if chapter["layout"] == "tasks" else [""]
        if chapter["layout"] != "tasks":
            out += ["---", ""]
    sections_done = [all(complete(i) for i in s["items"]) for s in chapter["sections"]]
    out += ["# Summary", "", "## Topic Completion Checklist"]
    out += [f"{box(n < len(sections_done) and sections_done[n])} {line}"
            for n, line in enumerate(chapter["topic_completion"])]
    out += ["", "## Related Topics", *(f"- {t}" for t in chapter["related_topics"])]
    out += ["", "## Notes for Implementation", *(f"- {t}" for t in chapter["notes_for_implementation"])]
    return "\n".join(out) + "\n"


# Command

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, type=pathlib.Path, help="the event stream of `swift test`")
    parser.add_argument("--catalog", default=ROOT / "catalog", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, help="default: <catalog>/checklists")
    args = parser.parse_args(argv)
    if not args.results.is_file():
        print(f"checklist: no test results at {args.results} (did `swift test` run?)", file=sys.stderr)
        return 2
    chapters = sorted((json.loads(p.read_text()) for p in args.catalog.glob("chapter-*.json")),
                      key=lambda c: c["number"])
    if not chapters:
        print(f"checklist: no chapter-*.json in {args.catalog} (run scripts/catalog_from_seeds.py)", file=sys.stderr)
        return 2
    out = args.out or args.catalog / "checklists"
    out.mkdir(parents=True, exist_ok=True)

    tests = read_results(args.results)
    verdict: dict[str, bool] = {}
    for test in tests:
        for check in test["checks"]:
            verdict[check] = verdict.get(check, True) and test["passed"]
    ticked = {check for check, passed in verdict.items() if passed}

    known, status = set(), {"chapters": {}, "items": {}}
    for chapter in chapters:
        (out / f"{chapter['slug']}.md").write_text(render(chapter, ticked))
        items = [i for s in chapter["sections"] for i in s["items"]]
        totals = {"title": chapter["title"], "checklist": f"checklists/{chapter['slug']}.md", "items": len(items),
                  "complete_items": 0, "checks": 0, "ticked_checks": 0}
        for item in items:
            checks = item_checks(item)
            known.update(checks)
            done = [c for c in checks if c in ticked]
            status["items"][item["id"]] = {"id": item["id"], "product": item["product"], "title": item["title"],
                                           "complete": len(done) == len(checks), "ticked": done,
                                           "unticked": [c for c in checks if c not in ticked]}
            totals["complete_items"] += len(done) == len(checks)
            totals["checks"] += len(checks)
            totals["ticked_checks"] += len(done)
        status["chapters"][str(chapter["number"])] = totals
        print(f"chapter {chapter['number']}: {totals['complete_items']}/{totals['items']} items, "
              f"{totals['ticked_checks']}/{totals['checks']} checks")
    (args.catalog / "status.json").write_text(json.dumps(status, indent=2, ensure_ascii=False) + "\n")

    failing = sorted((c for c, passed in verdict.items() if not passed and c in known), key=check_key)
    if failing:
        print(f"left unticked, a test naming them failed or was skipped or cancelled: {', '.join(failing)}")
    unknown = sorted(((c, t) for t in tests for c in t["checks"] if c not in known), key=lambda u: check_key(u[0]))
    if unknown:
        print("tests name checklist ids that the catalog does not have:", file=sys.stderr)
        for check, test in unknown:
            print(f"  {check}  in  {test['name']!r}  ({test['id']})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
