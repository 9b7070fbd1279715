#!/usr/bin/env python3
"""Ticks the catalog's checklists from a Swift Testing run.

Input: the JSON-lines event stream of `swift test --experimental-event-stream-output FILE
--experimental-event-stream-version 0`. Tests name the checklist ids they verify in their display name
(`@Test("95.1.1/2 …")`; `/expected` for the Expected Behavior); a suite's display name applies its ids to
every test in it. A check is ticked when at least one test names it and every test naming it ran and passed
(no issue recorded, not skipped). An item is ticked when all its checks are; a topic-completion line when
every item of its section is. Output: catalog/checklists/<chapter>.md in the seed's own markdown shape,
catalog/status.json, and one summary line per chapter. Exit 1 if a test names an id the catalog lacks.
"""
import argparse, json, pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHECK_ID = re.compile(r"\b(\d+\.\d+\.\d+)/(\d+|expected)\b")
ITEM_LINE = re.compile(r"^### - \[ \] (\d+\.\d+\.\d+) ")
BULLET_LINE = re.compile(r"^- \[ \] ")


def read_results(path: pathlib.Path) -> dict[str, dict]:
    """Test id → {"names": [check ids], "ran", "issues", "skipped"} for every test (not suite) in the run."""
    records, outcome = {}, {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        payload = entry.get("payload", {})
        if entry.get("kind") == "test":
            records[payload["id"]] = payload
            continue
        kind, test_id = payload.get("kind"), payload.get("testID")
        if test_id is None:
            continue
        state = outcome.setdefault(test_id, {"ran": False, "issues": 0, "skipped": False})
        if kind == "testEnded":
            state["ran"] = True
        elif kind == "testSkipped":
            state["skipped"] = True
        elif kind == "issueRecorded" and not payload.get("issue", {}).get("isKnown", False):
            state["issues"] += 1
    tests = {}
    for test_id, record in records.items():
        if record.get("kind") == "suite":
            continue
        names = set(CHECK_ID.findall(record.get("displayName") or ""))
        for other_id, other in records.items():  # enclosing suites lend their ids
            if other.get("kind") == "suite" and test_id.startswith(other_id + "/"):
                names |= set(CHECK_ID.findall(other.get("displayName") or ""))
        # Issues of a parametrised case, or of a test inside a suite, are reported under ids that start with it.
        issues = sum(s["issues"] for i, s in outcome.items() if i == test_id or i.startswith(test_id + "/"))
        state = outcome.get(test_id, {"ran": False, "issues": 0, "skipped": False})
        tests[test_id] = {"names": sorted(f"{a}/{b}" for a, b in names), "ran": state["ran"],
                          "issues": issues, "skipped": state["skipped"]}
    return tests


def verdicts(tests: dict[str, dict]) -> dict[str, bool]:
    """Check id → passed (every test naming it ran, recorded no issue and was not skipped)."""
    result: dict[str, bool] = {}
    for test in tests.values():
        passed = test["ran"] and test["issues"] == 0 and not test["skipped"]
        for name in test["names"]:
            result[name] = result.get(name, True) and passed
    return result


def item_checks(item: dict) -> list[str]:
    checks = [f"{item['id']}/{n}" for n in range(1, len(item["bullets"]) + 1)]
    return checks + ([f"{item['id']}/expected"] if item.get("expected") else [])


def render(chapter: dict, seed: str, ticked: set[str]) -> str:
    """The seed's markdown with boxes ticked; the Expected Behavior line gets a box of its own."""
    items = {i["id"]: i for s in chapter["sections"] for i in s["items"]}
    complete = {i for i, item in items.items() if all(c in ticked for c in item_checks(item))}
    sections_done = [all(i["id"] in complete for i in s["items"]) for s in chapter["sections"]]
    out, current, bullet, in_topics, topic = [], None, 0, False, 0
    box = lambda done: "[x]" if done else "[ ]"
    for line in seed.splitlines():
        if m := ITEM_LINE.match(line):
            current, bullet, in_topics = m.group(1), 0, False
            line = line.replace("[ ]", box(current in complete), 1)
        elif line.startswith("#"):
            # Any other heading ends the current item; only the topic completion heading opens that list.
            current, in_topics = None, line.startswith("## Topic Completion Checklist")
        elif current and BULLET_LINE.match(line):
            bullet += 1
            line = line.replace("[ ]", box(f"{current}/{bullet}" in ticked), 1)
        elif current and line.startswith("**Expected Behavior**:"):
            line = f"- {box(f'{current}/expected' in ticked)} {line}"
        elif in_topics and BULLET_LINE.match(line):
            done = topic < len(sections_done) and sections_done[topic]
            line = line.replace("[ ]", box(done), 1)
            topic += 1
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, type=pathlib.Path)
    parser.add_argument("--catalog", default=ROOT / "catalog", type=pathlib.Path)
    parser.add_argument("--out", default=None, type=pathlib.Path)
    args = parser.parse_args(argv)
    out = args.out or args.catalog / "checklists"
    out.mkdir(parents=True, exist_ok=True)

    tests = read_results(args.results) if args.results.exists() else {}
    passed = verdicts(tests)
    ticked = {check for check, ok in passed.items() if ok}
    status, known = {"chapters": {}, "items": {}}, set()
    for chapter_file in sorted(args.catalog.glob("chapter-*.json"), key=lambda p: int(p.stem.split("-")[1])):
        chapter = json.loads(chapter_file.read_text())
        seed = (args.catalog / "seeds" / f"{chapter['slug']}.md").read_text()
        (out / f"{chapter['slug']}.md").write_text(render(chapter, seed, ticked))
        items = [i for s in chapter["sections"] for i in s["items"]]
        checks = [c for i in items for c in item_checks(i)]
        known |= set(checks)
        done_items = 0
        for item in items:
            item_ticked = [c for c in item_checks(item) if c in ticked]
            complete = len(item_ticked) == len(item_checks(item))
            done_items += complete
            status["items"][item["id"]] = {
                "product": item["product"], "title": item["title"], "complete": complete,
                "ticked": item_ticked, "unticked": [c for c in item_checks(item) if c not in ticked]}
        done_checks = sum(c in ticked for c in checks)
        status["chapters"][chapter["chapter"]] = {"title": chapter["title"], "items": len(items),
                                                  "complete_items": done_items, "checks": len(checks),
                                                  "ticked_checks": done_checks}
        print(f"chapter {chapter['chapter']}: {done_items}/{len(items)} items, {done_checks}/{len(checks)} checks")
    (args.catalog / "status.json").write_text(json.dumps(status, indent=2) + "\n")

    unknown = sorted(set(passed) - known)
    failing = sorted(c for c, ok in passed.items() if not ok and c in known)
    if failing:
        print("checks with a failing or skipped test (left unticked): " + ", ".join(failing))
    if unknown:
        print("tests name checklist ids that do not exist: " + ", ".join(unknown), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
