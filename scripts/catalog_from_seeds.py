#!/usr/bin/env python3
"""Turns the two chapter seeds into the catalog's data: catalog/chapter-95.json and catalog/chapter-117.json.

Every text is kept exactly as the seed has it: chapter heading and overview, each section's title and overview,
each item's id, filename, title, tags, purpose, bullets and expected behavior (null where the seed has none),
and the summary's topic completion checklist, related topics and notes for implementation. A line the parser
does not understand is an error, so nothing is dropped silently; scripts/test_checklist.py checks that the
checklist rendered from this data has every non-blank line of the seed.

Usage: scripts/catalog_from_seeds.py [SEEDS_DIR]   (default: ../shared/seeds, relative to the repo root)
"""
import ast, json, pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = {  # seed file → the name of the generated checklist (catalog/checklists/<slug>.md)
    "000_18b2211e387441e6.txt": "95_event_driven_patterns",
    "001_8c24ef13f3510277.txt": "117_asset_watchers",
}

CHAPTER = re.compile(r"^# (\d+)(?: -)? (.+)$")
TASKS_SECTION = re.compile(r"^# (\d+)\.(\d+) (.+)$")           # chapter 95: "# 95.1 Title", Overview, Tasks
NAMED_SECTION = re.compile(r"^## Section (\d+): (.+)$")         # chapter 117: "## Section 1: Title"
ITEM = re.compile(r"^### - \[ \] (\d+)\.(\d+)\.(\d+) (.+)$")
FILE = re.compile(r"^Filename: `(([^`]+)\.py)` \| Tags: `(\[[^`]*\])`$")
BOX = re.compile(r"^- \[ \] (.+)$")
SUMMARY_LISTS = {"Topic Completion Checklist": "topic_completion", "Related Topics": "related_topics",
                 "Notes for Implementation": "notes_for_implementation"}


class SeedError(ValueError):
    pass


def parse(text: str) -> dict:
    """One seed's markdown → the chapter as data."""
    chapter: dict = {"number": None, "title": None, "heading": None, "preamble": None, "overview": None,
                     "notes": [], "layout": None, "sections": [],
                     "topic_completion": [], "related_topics": [], "notes_for_implementation": []}
    lines = text.splitlines()
    if lines and lines[0].startswith("<!--"):  # a license comment ahead of the heading, kept verbatim
        end = next(n for n, line in enumerate(lines) if line.rstrip().endswith("-->"))
        chapter["preamble"], lines = "\n".join(lines[: end + 1]), lines[end + 1:]
    section = item = None
    place = None  # what the following plain lines belong to
    for number, line in enumerate(lines, 1):
        fail = lambda why: SeedError(f"line {number}: {why}: {line!r}")
        if not line.strip() or line == "---":
            continue
        if chapter["number"] is None:
            if not (m := CHAPTER.match(line)):
                raise fail("expected the chapter heading")
            chapter.update(number=int(m.group(1)), title=m.group(2), heading=line[2:])
            place = "chapter"
        elif (m := TASKS_SECTION.match(line)) or (m := NAMED_SECTION.match(line)):
            layout = "tasks" if line.startswith("# ") else "sections"
            if chapter["layout"] not in (None, layout):
                raise fail("sections in two layouts")
            chapter["layout"] = layout
            if layout == "tasks" and int(m.group(1)) != chapter["number"]:
                raise fail("section of another chapter")
            *_, section_number, title = m.groups()
            section = {"number": int(section_number), "id": f"{chapter['number']}.{section_number}", "title": title,
                       "overview": None, "items": []}
            if section["number"] != len(chapter["sections"]) + 1:
                raise fail("sections out of order")
            chapter["sections"].append(section)
            item, place = None, "section"
        elif line == "# Summary":
            section = item = place = None
        elif line == "## Overview":
            place = "chapter overview" if section is None else "section overview"
        elif line == "## Tasks" and section is not None and item is None:
            place = None
        elif line.startswith("## ") and section is None:  # summary lists, or chapter notes like "Airflow 3.x Notes"
            heading = line[3:]
            if heading in SUMMARY_LISTS:
                place = SUMMARY_LISTS[heading]
            else:
                chapter["notes"].append({"title": heading, "lines": []})
                place = "notes"
        elif m := ITEM.match(line):
            if section is None or (int(m.group(1)), int(m.group(2))) != (chapter["number"], section["number"]):
                raise fail("item outside its section")
            item = {"id": ".".join(m.group(1, 2, 3)), "filename": None, "product": None, "title": m.group(4),
                    "tags": [], "purpose": None, "bullets": [], "expected": None}
            section["items"].append(item)
            place = "item"
        elif place == "item" and (m := FILE.match(line)):
            c, s, i = (int(part) for part in item["id"].split("."))
            if not m.group(2).startswith(f"{c}_{s:02}_{i:02}_"):
                raise fail(f"filename does not match item {item['id']}")
            item.update(filename=m.group(1), product=m.group(2), tags=ast.literal_eval(m.group(3)))
        elif place == "item" and line.startswith("**Purpose**: "):
            item["purpose"] = line.removeprefix("**Purpose**: ")
        elif place == "item" and line.startswith("**Expected Behavior**: "):
            item["expected"] = line.removeprefix("**Expected Behavior**: ")
        elif place == "item" and (m := BOX.match(line)):
            item["bullets"].append(m.group(1))
        elif place in ("chapter overview", "section overview"):
            owner = chapter if place == "chapter overview" else section
            owner["overview"] = line if owner["overview"] is None else owner["overview"] + "\n" + line
        elif place == "notes" and line.startswith("- "):
            chapter["notes"][-1]["lines"].append(line[2:])
        elif place in SUMMARY_LISTS.values() and (m := BOX.match(line) or re.match(r"^- (.+)$", line)):
            chapter[place].append(m.group(1))
        else:
            raise fail("not understood")
    if len(chapter["topic_completion"]) != len(chapter["sections"]):
        raise SeedError("the topic completion checklist needs one line per section")
    for item in (i for s in chapter["sections"] for i in s["items"]):
        if item["filename"] is None or not item["bullets"]:
            raise SeedError(f"item {item['id']} has no Filename line or no bullets")
    return chapter


def main() -> None:
    seeds = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"
    for filename, slug in SEEDS.items():
        chapter = {"slug": slug, "seed": filename} | parse((seeds / filename).read_text())
        out = ROOT / "catalog" / f"chapter-{chapter['number']}.json"
        out.write_text(json.dumps(chapter, indent=2, ensure_ascii=False) + "\n")
        items = [i for s in chapter["sections"] for i in s["items"]]
        print(f"{out.relative_to(ROOT)}: {len(chapter['sections'])} sections, {len(items)} items, "
              f"{sum(len(i['bullets']) for i in items)} bullets, "
              f"{sum(i['expected'] is not None for i in items)} expected behaviors")


if __name__ == "__main__":
    main()
