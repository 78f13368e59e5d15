"""PyVRP on one Solomon-format VRPTW instance, for `cargo xtask bench dispatch`.

Usage: python pyvrp_solve.py INSTANCE SECONDS SEED

Distances follow the DIMACS convention (scaled by 10, truncated), the same numbers Fixline is
given in the benchmark. Prints one line per route, "route c3 c17 ...", with the customers'
numbers as in the file; the benchmark checks the routes itself.
"""

import sys
import tempfile

import pyvrp
from pyvrp.stop import MaxRuntime


def solomon_to_vrplib(text: str) -> str:
    lines = [line.split() for line in text.splitlines()]
    vehicles = capacity = None
    rows = []
    for i, fields in enumerate(lines):
        if fields[:1] == ["NUMBER"]:
            vehicles, capacity = int(lines[i + 1][0]), int(lines[i + 1][1])
        elif vehicles is not None and len(fields) == 7 and fields[0].isdigit():
            rows.append([int(float(f)) for f in fields])
    out = [
        "NAME : instance",
        "TYPE : VRPTW",
        f"DIMENSION : {len(rows)}",
        f"VEHICLES : {vehicles}",
        f"CAPACITY : {capacity}",
        "EDGE_WEIGHT_TYPE : EUC_2D",
        "NODE_COORD_SECTION",
    ]
    out += [f"{k + 1} {r[1]} {r[2]}" for k, r in enumerate(rows)]
    out.append("DEMAND_SECTION")
    out += [f"{k + 1} {r[3]}" for k, r in enumerate(rows)]
    out.append("TIME_WINDOW_SECTION")
    out += [f"{k + 1} {r[4]} {r[5]}" for k, r in enumerate(rows)]
    out.append("SERVICE_TIME_SECTION")
    out += [f"{k + 1} {r[6]}" for k, r in enumerate(rows)]
    out += ["DEPOT_SECTION", "1", "-1", "EOF", ""]
    return "\n".join(out), [r[0] for r in rows]


def main() -> None:
    path, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    with open(path) as f:
        vrplib_text, numbers = solomon_to_vrplib(f.read())
    with tempfile.NamedTemporaryFile("w", suffix=".vrp") as tmp:
        tmp.write(vrplib_text)
        tmp.flush()
        data = pyvrp.read(tmp.name, round_func="dimacs")
    result = pyvrp.solve(
        data, stop=MaxRuntime(seconds), seed=seed, collect_stats=False, display=False
    )
    # A client activity's index counts clients only; the depot is the file's first row.
    for route in result.best.routes():
        visits = [numbers[a.idx + 1] for a in route if a.is_client()]
        print("route", " ".join(f"c{n}" for n in visits))


if __name__ == "__main__":
    main()
