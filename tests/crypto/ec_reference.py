"""Textbook short-Weierstrass arithmetic, independent of OpenSSL and libsecp256k1.

Slow and not constant-time: for recomputing published test vectors (a signature made with a
given k) in the tests only.
"""

from __future__ import annotations

Point = tuple[int, int] | None  # None is the point at infinity


def add(p: int, a: int, first: Point, second: Point) -> Point:
    if first is None:
        return second
    if second is None:
        return first
    (x1, y1), (x2, y2) = first, second
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if first == second:
        slope = (3 * x1 * x1 + a) * pow(2 * y1, -1, p) % p
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (slope * slope - x1 - x2) % p
    return x3, (slope * (x1 - x3) - y1) % p


def multiply(p: int, a: int, k: int, point: Point) -> Point:
    result: Point = None
    addend = point
    while k:
        if k & 1:
            result = add(p, a, result, addend)
        addend = add(p, a, addend, addend)
        k >>= 1
    return result
