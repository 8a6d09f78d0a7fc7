"""Precision and recall of the claim proposals against the labelled reports.

Run as ``.venv/bin/python bench/claims_benchmark.py [--details]``. Every ``*.labels.json`` under
tests/fixtures/reports and fieldcheck/demo/data is read with the report beside it (same name,
.md or .txt). A proposal matches a label when their spans overlap by at least half the label's
length; each label and each proposal is matched at most once (largest overlaps first). The
labelled places of a report are the place list handed to the proposer.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldcheck.reports.propose import Proposal, propose_claims  # noqa: E402
from fieldcheck.reports.text import normalize_report_text  # noqa: E402

LABEL_DIRS = [ROOT / "tests" / "fixtures" / "reports", ROOT / "fieldcheck" / "demo" / "data"]
# The held-out reports (issue 13): their figures as measured before the rules were tuned, kept apart.
BEFORE_TUNING = ROOT / "bench" / "claims_before_tuning.json"
TARGET_RECALL, TARGET_PRECISION = 0.9, 0.9


@dataclass
class Result:
    """The counts for one report."""

    name: str
    labels: int
    proposals: int
    matched: int
    aspect_agree: int
    aspect_labelled: int
    places_found: int
    places_labelled: int


def _labels(text: str, path: Path) -> list[dict[str, Any]]:
    """The labelled claims with spans; a plain-string label is located in the text (it occurs once)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    claims = []
    for entry in doc["claims"]:
        if isinstance(entry, str):
            needle = normalize_report_text(entry)
            if text.count(needle) != 1:
                raise SystemExit(f"{path.name}: label not found exactly once: {entry}")
            start = text.index(needle)
            entry = {"start": start, "end": start + len(needle), "text": needle}
        elif text[entry["start"]:entry["end"]] != normalize_report_text(entry["text"]):
            raise SystemExit(f"{path.name}: offsets do not match the text: {entry['text']}")
        claims.append(entry)
    return claims


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match(proposals: list[Proposal], labels: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(proposal index, label index) pairs, one-to-one, largest overlaps first."""
    candidates = []
    for i, p in enumerate(proposals):
        for j, label in enumerate(labels):
            length = label["end"] - label["start"]
            common = _overlap((p.start, p.end), (label["start"], label["end"]))
            if common * 2 >= length > 0:
                candidates.append((common / length, -abs(p.end - p.start - length), i, j))
    candidates.sort(reverse=True)
    used_p: set[int] = set()
    used_l: set[int] = set()
    pairs = []
    for _, _, i, j in candidates:
        if i not in used_p and j not in used_l:
            used_p.add(i)
            used_l.add(j)
            pairs.append((i, j))
    return pairs


def _report_for(labels_path: Path) -> Path:
    stem = labels_path.name.removesuffix(".labels.json")
    for ext in (".md", ".txt"):
        candidate = labels_path.with_name(stem + ext)
        if candidate.exists():
            return candidate
    raise SystemExit(f"no report beside {labels_path}")


def run_one(labels_path: Path, details: bool) -> Result:
    """Propose claims for one report and count the matches."""
    text = normalize_report_text(_report_for(labels_path).read_text(encoding="utf-8"))
    labels = _labels(text, labels_path)
    place_names = sorted({p["name"] for c in labels for p in c.get("place", [])})
    proposals = propose_claims(text, place_names=place_names)
    pairs = match(proposals, labels)
    aspect_agree = sum(proposals[i].aspect == labels[j].get("aspect") for i, j in pairs if "aspect" in labels[j])
    aspect_labelled = sum("aspect" in labels[j] for _, j in pairs)
    places_labelled = places_found = 0
    for i, j in pairs:
        wanted = {p["name"] for p in labels[j].get("place", [])}
        places_labelled += len(wanted)
        places_found += len(wanted & set(proposals[i].places))
    name = labels_path.name.removesuffix(".labels.json")
    if details:
        matched_p, matched_l = {i for i, _ in pairs}, {j for _, j in pairs}
        for j, label in enumerate(labels):
            if j not in matched_l:
                print(f"  {name} missed: {label['text']}")
        for i, p in enumerate(proposals):
            if i not in matched_p:
                print(f"  {name} extra:  {p.text}  [{'; '.join(code + str(sorted(f.values())) for code, f in p.reasons)}]")
        for i, j in pairs:
            if "aspect" in labels[j] and proposals[i].aspect != labels[j]["aspect"]:
                print(f"  {name} aspect {proposals[i].aspect} ≠ {labels[j]['aspect']}: {labels[j]['text']}")
    return Result(name, len(labels), len(proposals), len(pairs), aspect_agree, aspect_labelled, places_found,
                  places_labelled)


def _row(r: Result) -> str:
    precision = r.matched / r.proposals if r.proposals else 0.0
    recall = r.matched / r.labels if r.labels else 0.0
    aspect = f"{r.aspect_agree / r.aspect_labelled:.0%}" if r.aspect_labelled else "-"
    places = f"{r.places_found}/{r.places_labelled}" if r.places_labelled else "-"
    return (f"{r.name:34} {r.labels:7} {r.proposals:9} {r.matched:7} {precision:9.3f} {recall:6.3f} "
            f"{aspect:>6} {places:>7}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list missed labels, extra proposals, aspect misses")
    args = parser.parse_args(argv)
    paths = sorted(p for d in LABEL_DIRS for p in d.glob("*.labels.json"))
    results = [run_one(p, args.details) for p in paths]
    print(f"{'report':34} {'labels':>7} {'proposals':>9} {'matched':>7} {'precision':>9} {'recall':>6} "
          f"{'aspect':>6} {'places':>7}")
    for r in results:
        print(_row(r))
    total = Result("overall", *(sum(getattr(r, f) for r in results) for f in
                                ("labels", "proposals", "matched", "aspect_agree", "aspect_labelled", "places_found",
                                 "places_labelled")))
    print(_row(total))
    precision = total.matched / total.proposals if total.proposals else 0.0
    recall = total.matched / total.labels if total.labels else 0.0
    before = json.loads(BEFORE_TUNING.read_text(encoding="utf-8"))["measured_before_tuning"]
    print()
    print("held-out reports (labelled before tuning, never tuned on): measured before tuning → now")
    for r in results:
        if r.name in before:
            b = before[r.name]
            now_p = r.matched / r.proposals if r.proposals else 0.0
            now_r = r.matched / r.labels if r.labels else 0.0
            print(f"{r.name:34} precision {b['precision']:.3f} → {now_p:.3f}   recall {b['recall']:.3f} → {now_r:.3f}")
    print(f"targets: recall ≥ {TARGET_RECALL} ({'met' if recall >= TARGET_RECALL else 'NOT met'}), "
          f"precision ≥ {TARGET_PRECISION} ({'met' if precision >= TARGET_PRECISION else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
