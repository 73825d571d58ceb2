"""scanner.report.json: schema 2 gives every finding the polygon it covers beside its box."""

from __future__ import annotations

import pytest
from helpers import rotated_square

from scanner.report.json import SCHEMA_VERSION, finding_dict, report_dict, result_from_dict
from scanner.report.json import result_dict as to_dict
from scanner.types import Action, Finding, FindingKind, Region, ScanResult, Shape, Status


def _result(*findings: Finding) -> ScanResult:
    return ScanResult(source="a.jpg", status=Status.REDACTED, output=None, width=400,
                      height=300, format="JPEG", findings=findings)


def test_schema_version_is_2() -> None:
    assert SCHEMA_VERSION == 2
    assert report_dict([], out_root=None, mode="scan", settings={})["version"] == 2


def test_a_shaped_finding_has_its_polygon_and_the_box_around_it() -> None:
    shape = rotated_square(100.04, 80, 30, 20)
    f = Finding(FindingKind.TEXT, shape.bounds, 0.9, "d", Action.FILL, shape=shape)
    d = finding_dict(f)
    assert d["polygon"] == shape.as_list()
    assert len(d["polygon"]) == 4
    x1, y1, x2, y2 = d["box"]
    assert all(x1 <= x <= x2 and y1 <= y <= y2 for x, y in d["polygon"])


@pytest.mark.parametrize(("region", "polygon"), [
    (Region(10.2, 20.7, 30.5, 40.0), [[10, 20], [31, 20], [31, 40], [10, 40]]),
    (Region(0, 0, 1, 1), [[0, 0], [1, 0], [1, 1], [0, 1]]),
])
def test_a_box_finding_has_its_whole_pixel_window_as_polygon(
        region: Region, polygon: list[list[int]]) -> None:
    d = finding_dict(Finding(FindingKind.FACE, region, 0.9, "d", Action.MOSAIC))
    assert d["polygon"] == polygon
    assert d["box"] == [p for p in (polygon[0] + polygon[2])]


def test_findings_read_back_keep_their_shapes() -> None:
    shape = Shape.of([(10, 10), (90, 20), (85, 60), (5, 50)])
    r = _result(Finding(FindingKind.DOCUMENT, shape.bounds, 0.8, "d", Action.FILL, shape=shape),
                Finding(FindingKind.FACE, Region(200, 100, 240, 150), 0.9, "f", Action.MOSAIC))
    back = result_from_dict(to_dict(r))
    doc, face = back.findings
    assert doc.shape == shape and doc.kind is FindingKind.DOCUMENT
    assert face.shape is None and face.region == Region(200, 100, 240, 150)
    assert to_dict(back) == to_dict(r)


def test_a_version_1_record_without_polygons_reads_as_boxes() -> None:
    record = to_dict(_result(Finding(FindingKind.TEXT, Region(1, 2, 30, 40), 0.5, "d",
                                     Action.FILL)))
    for f in record["findings"]:
        del f["polygon"]
    (f,) = result_from_dict(record).findings
    assert f.shape is None and f.outline == Shape.box(Region(1, 2, 30, 40))
