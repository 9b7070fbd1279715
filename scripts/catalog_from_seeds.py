#!/usr/bin/env python3
"""Extracts both chapters' checklists from the seeds into catalog/ as data.

Writes catalog/chapter-95.json and catalog/chapter-117.json (every item's id, filename, product, title, tags,
purpose, bullets, expected behaviour; each chapter's topic completion checklist), and copies each seed's
markdown to catalog/seeds/ so the generator can re-render the checklist in the seed's own shape.
Usage: scripts/catalog_from_seeds.py [SEEDS_DIR]   (default: ../shared/seeds beside the repo)
"""
import ast, json, pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = {"95": ("000_18b2211e387441e6.txt", "95_event_driven_patterns"),
         "117": ("001_8c24ef13f3510277.txt", "117_asset_watchers")}

ITEM = re.compile(r"^### - \[ \] (\d+)\.(\d+)\.(\d+) (.+)$")
FILE = re.compile(r"^Filename: `([^`]+)` \| Tags: `(\[.*\])`\s*$")
BULLET = re.compile(r"^- \[ \] (.+)$")
SECTION = re.compile(r"^(?:# (\d+)\.(\d+) (.+)|## Section (\d+): (.+))$")


def parse(chapter: str, text: str) -> dict:
    lines = text.splitlines()
    title = next(l[2:].strip() for l in lines if l.startswith("# ") and not l.startswith("# Summary"))
    data = {"chapter": chapter, "title": title, "sections": [], "topic_completion": [],
            "related_topics": [], "notes_for_implementation": []}
    section = item = None
    block = None  # which summary list we are in
    for line in lines:
        if m := SECTION.match(line):
            number = int(m.group(2) or m.group(4))
            section = {"number": number, "id": f"{chapter}.{number}", "title": (m.group(3) or m.group(5)).strip(),
                       "items": []}
            data["sections"].append(section)
            item, block = None, None
            continue
        if line.startswith("# Summary"):
            section = item = None
            continue
        if line.startswith("## Topic Completion Checklist"):
            block = "topic_completion"; continue
        if line.startswith("## Related Topics"):
            block = "related_topics"; continue
        if line.startswith("## Notes for Implementation"):
            block = "notes_for_implementation"; continue
        if m := ITEM.match(line):
            item = {"id": f"{m.group(1)}.{m.group(2)}.{m.group(3)}", "title": m.group(4).strip(),
                    "filename": None, "product": None, "tags": [], "purpose": None, "bullets": [], "expected": None}
            section["items"].append(item)
            continue
        if item is not None and (m := FILE.match(line)):
            item["filename"] = m.group(1)
            item["product"] = m.group(1).removesuffix(".py")
            item["tags"] = ast.literal_eval(m.group(2))
            continue
        if item is not None and line.startswith("**Purpose**:"):
            item["purpose"] = line.split(":", 1)[1].strip(); continue
        if item is not None and line.startswith("**Expected Behavior**:"):
            item["expected"] = line.split(":", 1)[1].strip(); continue
        if item is not None and (m := BULLET.match(line)):
            item["bullets"].append(m.group(1).strip()); continue
        if block and line.startswith("- "):
            data[block].append(re.sub(r"^- (\[ \] )?", "", line).strip())
    return data


def main() -> None:
    seeds = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"
    out = ROOT / "catalog"
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    for chapter, (filename, slug) in SEEDS.items():
        text = (seeds / filename).read_text()
        data = parse(chapter, text)
        data["slug"] = slug
        (out / f"chapter-{chapter}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        (out / "seeds" / f"{slug}.md").write_text(text)
        items = [i for s in data["sections"] for i in s["items"]]
        print(f"chapter {chapter}: {len(data['sections'])} sections, {len(items)} items, "
              f"{sum(len(i['bullets']) for i in items)} bullets, "
              f"{sum(1 for i in items if i['expected'])} expected behaviours")


if __name__ == "__main__":
    main()
