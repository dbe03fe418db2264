#!/usr/bin/env python3
"""Generate the world views' coastline from Natural Earth's land polygons.

Reads ``land-110m.json`` of the npm package ``world-atlas`` (v2, ISC): Natural
Earth's 1:110m land polygons (public domain) as TopoJSON. Writes
``frontend/src/widgets/charts/coastline.path``: one SVG path ``d`` string in the
world views' equirectangular coordinates (x the longitude, y the latitude
negated, since SVG's y grows downwards), which ``world_grid.rs`` includes
with ``include_str!``.

TopoJSON stores each shared border once, as an *arc*: a line of quantized
integer points, each after the first a delta from the previous one, turned
into degrees by the topology's ``transform`` (``scale``, ``translate``). A
polygon is a list of rings, a ring a list of arc indexes, where ``~i``
(``-i - 1``) means arc ``i`` walked backwards; consecutive arcs share their
joining point, which is written once.

world-atlas's rings are spherical: a ring crossing the antimeridian
(Chukotka, Wrangel Island, Fiji) steps from 180° to -180°, and Antarctica's
ring goes once around the world, enclosing the South Pole. Drawn flat, both
would streak across the map, so each ring is unwrapped (longitudes made
continuous), closed along the map's bottom edge if it goes round a pole, and
cut at ±180 with the part beyond shifted a whole turn back onto the map.

Points are rounded to ``--precision`` decimals (0.1° by default, well under
a pixel of the maps); a point that rounds onto the previous one is dropped,
and a ring left with fewer than three points (an islet smaller than the
rounding) is dropped too. Each ring is written as
its first point, then relative steps (``l``), with no leading zeros and no
space before a minus sign: about 31 KB, where absolute points with spaces
take 55 KB. The path is filled with ``fill-rule: evenodd`` so holes show
whatever their winding.

Python 3 standard library only. Run by hand (see README.md beside this file);
the output is committed and reviewed like any other source file::

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-*.tgz
    python3 tools/gen-coastline/gen_coastline.py /tmp/package/land-110m.json
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUTPUT = os.path.join(REPO, "frontend", "src", "widgets", "charts", "coastline.path")

# Past this the file is heavier than a coastline on a 360-unit map is worth:
# ask for a coarser precision instead.
SIZE_LIMIT_BYTES = 40_000


def decode_arcs(topology):
    """Every arc as a list of (longitude, latitude) in degrees."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (scale_x, scale_y) = transform["scale"]
        (translate_x, translate_y) = transform["translate"]
        x = y = 0
        points = []
        for delta in arc:
            x += delta[0]
            y += delta[1]
            points.append((x * scale_x + translate_x, y * scale_y + translate_y))
        arcs.append(points)
    return arcs


def ring_points(ring, arcs):
    """The points of a ring given as arc indexes (``~i`` is arc i reversed)."""
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        # Each arc after the first starts where the previous one ended.
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry):
    """The polygons (lists of rings) of a Polygon, MultiPolygon or collection."""
    kind = geometry["type"]
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    if kind == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in polygons(g)]
    # Points and lines have no land to fill.
    return []


def number(units, precision):
    """``units`` of ``10**-precision`` as the shortest decimal SVG reads:
    no trailing ``.0``, no leading ``0`` (``-123.4``, ``.5``, ``-.5``, ``12``)."""
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**precision)
    if fraction == 0 or precision == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{fraction:0{precision}d}".rstrip("0")


def numbers(values, precision):
    """Numbers in SVG path syntax: a space between two, none before a minus
    sign, which already ends the previous number."""
    text = ""
    for value in values:
        written = number(value, precision)
        text += written if not text or written.startswith("-") else " " + written
    return text


def ring_path(points, precision):
    """``M x y l dx dy … Z`` in map coordinates, or None if the ring vanishes.

    Points are rounded first, in whole units of ``10**-precision`` so that
    the relative steps add up exactly to the rounded points (no drift); the
    steps are much shorter to write than the absolute points.
    """
    factor = 10**precision
    rounded = []
    for longitude, latitude in points:
        point = (round(longitude * factor), round(-latitude * factor))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()  # Z closes the ring.
    if len(set(rounded)) < 3:
        return None
    steps = [value for a, b in zip(rounded, rounded[1:]) for value in (b[0] - a[0], b[1] - a[1])]
    return "M" + numbers(rounded[0], precision) + "l" + numbers(steps, precision) + "Z"


def unwrap(points):
    """The ring with continuous longitudes: a step of over 180° crosses the
    antimeridian, so it is taken the short way round, past ±180."""
    unwrapped = [points[0]]
    for longitude, latitude in points[1:]:
        previous = unwrapped[-1][0]
        longitude += 360 * round((previous - longitude) / 360)
        unwrapped.append((longitude, latitude))
    return unwrapped


def close_around_pole(points):
    """A ring that goes once around the world (Antarctica) encloses a pole,
    which is the map's bottom (or top) edge: close it along that edge."""
    (first, last) = (points[0], points[-1])
    if abs(last[0] - first[0]) < 180:
        return points
    pole = -90 if sum(latitude for _, latitude in points) < 0 else 90
    return points + [(last[0], pole), (first[0], pole)]


def clip(points, keep, cross):
    """Sutherland–Hodgman: the ring clipped to the half-plane ``keep``,
    ``cross(a, b)`` being where the edge a→b meets its border."""
    clipped = []
    for index, current in enumerate(points):
        previous = points[index - 1]
        if keep(current):
            if not keep(previous):
                clipped.append(cross(previous, current))
            clipped.append(current)
        elif keep(previous):
            clipped.append(cross(previous, current))
    return clipped


def at_longitude(edge_longitude):
    def cross(a, b):
        t = (edge_longitude - a[0]) / (b[0] - a[0])
        return (edge_longitude, a[1] + t * (b[1] - a[1]))

    return cross


def world_pieces(points):
    """The ring as drawn on the map: unwrapped and closed around a pole if it
    needs it, then cut at ±180, each part past the edge shifted a whole turn
    back onto the map (Chukotka, Fiji and Antarctica cross it)."""
    ring = close_around_pole(unwrap(points))
    longitudes = [longitude for longitude, _ in ring]
    pieces = []
    for shift in (-360, 0, 360):
        if min(longitudes) + shift >= 180 or max(longitudes) + shift <= -180:
            continue
        shifted = [(longitude + shift, latitude) for longitude, latitude in ring]
        shifted = clip(shifted, lambda p: p[0] <= 180, at_longitude(180))
        shifted = clip(shifted, lambda p: p[0] >= -180, at_longitude(-180))
        if len(shifted) >= 3:
            pieces.append(shifted)
    return pieces


def coastline(topology, object_name, precision):
    arcs = decode_arcs(topology)
    geometry = topology["objects"][object_name]
    rings = (
        ring_path(piece, precision)
        for polygon in polygons(geometry)
        for ring in polygon
        for piece in world_pieces(ring_points(ring, arcs))
    )
    return "".join(r for r in rings if r is not None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", help="world-atlas's land-110m.json")
    parser.add_argument("--object", default="land", help="the topology's object to draw (default: land)")
    parser.add_argument("--precision", type=int, default=1, help="decimals kept (default: 1, i.e. 0.1°)")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="the path file to write")
    args = parser.parse_args()

    with open(args.topojson, encoding="utf-8") as source:
        topology = json.load(source)
    if topology.get("type") != "Topology" or args.object not in topology.get("objects", {}):
        sys.exit(f"{args.topojson}: not a TopoJSON topology with an object {args.object!r}")
    path = coastline(topology, args.object, args.precision)
    if len(path) > SIZE_LIMIT_BYTES:
        sys.exit(f"{len(path)} bytes at precision {args.precision}: over {SIZE_LIMIT_BYTES}, use a coarser one")
    with open(args.output, "w", encoding="utf-8") as output:
        output.write(path + "\n")
    print(f"wrote {args.output}: {path.count('M')} rings, {len(path)} bytes")


if __name__ == "__main__":
    main()
