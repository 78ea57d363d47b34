#!/usr/bin/env python3
"""The tables of a `make bench` results file in Markdown, as docs/performance.md shows them.

.venv/bin/python bench/results_table.py [bench/results.json]
"""

import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent / "results.json"


def number(value, pattern="{:.1f}") -> str:
    return "–" if value is None else pattern.format(value)


def table(size: dict) -> str:
    lines = [
        f"**{size['published']:,} published actors** ({size['data']})".replace(",", " "),
        "",
        "| scenario | portal | reference | ratio | target | p50 ms | p95 ms | errors | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in size["scenarios"]:
        met = ("yes" if s["passed"] else "**no**") if s["target"] else "–"
        lines.append(
            f"| {s['name']} | {number(s['app_rate'])} | {number(s['reference_rate'])} | "
            f"{number(s['ratio'], '{:.2f}')} | {s['target'] or '–'} | {number(s['app_p50_ms'])} | "
            f"{number(s['app_p95_ms'])} | {s['errors']} | {met} |"
        )
    return "\n".join(lines)


def main(path: Path) -> None:
    results = json.loads(path.read_text())
    machine = results.get("machine", {})
    print(
        f"Run of {results['started']} ({results['minutes']} min, commit {results['git']}, {results['rounds']} "
        f"rounds of {results['duration_s']:g} s, {machine.get('cpus')} cores, load average "
        f"{machine.get('load_average_start')} → {machine.get('load_average_end')}, PostgreSQL "
        f"{machine.get('postgresql', {}).get('server_version', '?')} with shared_buffers "
        f"{machine.get('postgresql', {}).get('shared_buffers', '?')})."
    )
    for size in results["sizes"]:
        print()
        print(table(size))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
