#!/usr/bin/env python3
"""An independent reference for skolval's placement rules (issue 13), used by placement_law.sh.

Written from doc/placement.md, not from the C code: it reads the round's raw tables (units,
seats, homes, walking distances, wishes), the lottery numbers and the verified sibling facts
(the one input taken from allocate(): the register check of siblings is tested elsewhere), and
computes on its own

  * each child's near-home units: the municipal units offering the form with seats in the
    round within the near-home distance, or the nearest such unit when none is within it,
    all distances in whole metres rounded half away from zero (the letters' resolution);
  * each child's list: its wishes in rank order, then its near-home units not wished,
    nearest first (ties by unit id);
  * the priorities of the round's criteria (near-home first), active choice meaning that the
    guardians wished this unit, relative proximity against the nearest (second-nearest)
    municipal unit with seats;
  * student-proposing deferred acceptance;
  * the least total walking (whole metres) of an administrative placement of the children
    left over at municipal units' free seats (min-cost flow).

It compares with the stored run and prints one line per check with a count of violations;
every count must be 0.  Exit status 1 when any is not.
"""
import csv
import heapq
import math
import sys
from collections import defaultdict


def metres(x):
    """Whole metres, half away from zero."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main(d):
    rnd = read(f"{d}/round.csv")[0]
    near = float(rnd["near_home_distance_m"])
    criteria = rnd["criteria"].strip("{}").split(",")
    policy = rnd["admin_policy"]
    units = {}
    for u in read(f"{d}/units.csv"):
        units[int(u["unit_id"])] = dict(municipal=u["municipal"] == "t", offers=u["offers"] == "t",
                                        seats=int(u["seats"]))
    home = {int(h["child_id"]): int(h["residence_id"]) for h in read(f"{d}/homes.csv")}
    dist = defaultdict(dict)
    for x in read(f"{d}/dist.csv"):
        dist[int(x["residence_id"])][int(x["unit_id"])] = float(x["walking_m"])
    wishes = defaultdict(list)
    for w in sorted(read(f"{d}/wishes.csv"), key=lambda w: (int(w["child_id"]), int(w["rank"]))):
        wishes[int(w["child_id"])].append(int(w["unit_id"]))
    sibling = {(int(s["child_id"]), int(s["unit_id"])) for s in read(f"{d}/siblings.csv")}
    lottery = {int(x["child_id"]): float(x["lottery_number"]) for x in read(f"{d}/lottery.csv")}
    # Independent units admit by their own rules: unit_admission, else the default profile.
    profile = {int(x["unit_id"]): x["criteria"].strip("{}").split(",") for x in read(f"{d}/admission.csv")}
    queue = {(int(x["unit_id"]), int(x["child_id"])): int(x["queue_day"]) for x in read(f"{d}/queue.csv")}
    result = {int(p["child_id"]): (int(p["unit_id"]), p["kind"]) for p in read(f"{d}/result.csv")}
    children = sorted(home)

    munis = sorted(u for u, x in units.items() if x["municipal"] and x["offers"] and x["seats"] > 0)
    nh, lists, key = {}, {}, {}
    for c in children:
        dm = {u: metres(w) for u, w in dist[home[c]].items()}
        ranked = sorted((dm[u], u) for u in munis if u in dm)
        nh_c = [u for m, u in ranked if m <= near] or [u for m, u in ranked[:1]]
        nh[c] = set(nh_c)
        lst = list(wishes[c]) + [u for u in nh_c if u not in wishes[c]]
        lists[c] = lst
        nearest = ranked[0] if ranked else None
        second = ranked[1] if len(ranked) > 1 else None
        for u in lst:
            if nearest is None:
                rn = 0.0
            elif nearest[1] == u:
                rn = second[0] - dm[u] if second else 0.0
            else:
                rn = nearest[0] - dm[u]
            fact = dict(near_home=1 if u in nh[c] else 0, active_choice=1 if u in wishes[c] else 0,
                        sibling=1 if (c, u) in sibling else 0, relative_proximity=rn,
                        distance=dm[u], lottery=lottery[c], queue_date=queue.get((u, c), 1e9))
            crit = criteria if units[u]["municipal"] else profile.get(u, ["queue_date", "sibling", "distance", "lottery"])
            k = []
            for cr in crit:
                v = fact[cr]
                k.append(1 - v if cr in ("near_home", "active_choice", "sibling")
                         else -v if cr == "relative_proximity" else v)
            if "lottery" not in crit:
                k.append(lottery[c])
            k.append(c)
            key[(c, u)] = tuple(k)

    # Deferred acceptance, child-proposing.
    held = defaultdict(list)      # unit -> heap of (-key, child)
    nxt = {c: 0 for c in children}
    free = list(reversed(children))
    while free:
        c = free.pop()
        while nxt[c] < len(lists[c]):
            u = lists[c][nxt[c]]
            nxt[c] += 1
            cap = units[u]["seats"] if u in units else 0
            h = held[u]
            kk = key[(c, u)]
            if len(h) < cap:
                heapq.heappush(h, (tuple(-x for x in kk), c))
                break
            if cap > 0 and kk < tuple(-x for x in h[0][0]):
                _, out = heapq.heapreplace(h, (tuple(-x for x in kk), c))
                free.append(out)
                break
    match = {c: u for u, h in held.items() for _, c in h}
    leftover = [c for c in children if c not in match]

    bad = defaultdict(int)
    for c in children:
        if c not in result:
            bad["child without a stored placement"] += 1
            continue
        u, kind = result[c]
        if c in match:
            if u != match[c] or kind == "administrative":
                bad["matching differs from the reference"] += 1
        elif kind != "administrative":
            bad["administrative set differs from the reference"] += 1
    if len(result) != len(children):
        bad["placements outside the cohort"] += abs(len(result) - len(children))

    # Administrative placement: at municipal units only, within the seats left, and for
    # min_cost of the least total walking in whole metres (min-cost flow over free seats).
    left = {u: (x["seats"] - sum(1 for c in match if match[c] == u)) if x["municipal"] else 0
            for u, x in units.items()}
    admin_units = [result[c][0] for c in leftover if c in result]
    for u in admin_units:
        if not units[u]["municipal"]:
            bad["administrative placement at an independent unit"] += 1
    for u in set(admin_units):
        if admin_units.count(u) > left.get(u, 0):
            bad["administrative placements over the seats left"] += 1
    if policy == "min_cost" and leftover:
        best = min_cost(leftover, left, lambda c, u: metres(dist[home[c]][u]) if u in dist[home[c]] else None)
        got = sum(metres(dist[home[c]][result[c][0]]) for c in leftover)
        if best is None or abs(best - got) > 0.5:
            bad["administrative total walking above the least possible"] += 1
    # Seats.
    count = defaultdict(int)
    for c, (u, _) in result.items():
        count[u] += 1
    for u, n in count.items():
        if n > (units[u]["seats"] if u in units else 0):
            bad["unit over its seats"] += 1
    # The law: no child outside its near-home units while one of them, ranked above its
    # place, holds a child who has no near-home right there.
    holders = defaultdict(list)
    for c, (u, _) in result.items():
        holders[u].append(c)
    for c in children:
        u, kind = result[c]
        if u in nh[c]:
            continue
        above = lists[c] if kind == "administrative" else lists[c][:lists[c].index(u)] if u in lists[c] else lists[c]
        for v in above:
            if v in nh[c] and any(v not in nh[d] for d in holders[v]):
                bad["near-home displacement"] += 1
                break
    # Stability of the whole list (wishes and claims): no child prefers a unit that has a free
    # seat or holds a child of lower priority.
    for c in children:
        u, kind = result[c]
        above = lists[c] if kind == "administrative" else lists[c][:lists[c].index(u)] if u in lists[c] else []
        for v in above:
            cap = units[v]["seats"] if v in units else 0
            hs = [d for d in holders[v] if result[d][1] != "administrative"]
            if cap > 0 and (len(holders[v]) < cap or any(key[(d, v)] > key[(c, v)] for d in hs)):
                bad["blocking pair"] += 1
                break

    checks = ["child without a stored placement", "placements outside the cohort",
              "matching differs from the reference", "administrative set differs from the reference",
              "administrative placement at an independent unit", "administrative placements over the seats left",
              "administrative total walking above the least possible", "unit over its seats",
              "near-home displacement", "blocking pair"]
    for k in checks:
        print(f"reference: {k}: {bad[k]}")
    print(f"reference: children {len(children)}, matched {len(match)}, administrative {len(leftover)}, "
          f"near-home units per child {sum(len(v) for v in nh.values()) / max(len(nh), 1):.1f}")
    return 1 if any(bad.values()) else 0


def min_cost(kids, left, cost):
    """Least total cost of giving every kid one seat (successive shortest paths, Bellman-Ford)."""
    units = [u for u, n in left.items() if n > 0]
    S, T = "S", "T"
    graph = defaultdict(dict)   # a -> b -> [cap, cost]

    def add(a, b, cap, w):
        graph[a][b] = [cap, w]
        graph[b].setdefault(a, [0, -w])
    for c in kids:
        add(S, ("c", c), 1, 0)
        for u in units:
            w = cost(c, u)
            if w is not None:
                add(("c", c), ("u", u), 1, w)
    for u in units:
        add(("u", u), T, left[u], 0)
    total = 0
    for _ in kids:
        dist = {S: 0}
        prev = {}
        changed = True
        while changed:
            changed = False
            for a in list(dist):
                for b, (cap, w) in graph[a].items():
                    if cap > 0 and dist[a] + w < dist.get(b, math.inf):
                        dist[b] = dist[a] + w
                        prev[b] = a
                        changed = True
        if T not in dist:
            return None
        b = T
        while b != S:
            a = prev[b]
            graph[a][b][0] -= 1
            graph[b][a][0] += 1
            b = a
        total += dist[T]
    return total


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
