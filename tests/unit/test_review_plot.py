"""The review page's map-free plot: positions projected around the place, to scale."""

from fieldcheck.places.geo import geodesic_distance_m
from fieldcheck.review.plot import SIZE, plot


def test_the_geotag_north_of_the_place_is_drawn_above_it_with_its_accuracy_to_scale():
    place = (30.0, 120.0)
    geotag = (30.0009, 120.0)  # about 100 m north
    photo = (30.0, 120.00104)  # about 100 m east
    drawing = plot(place, geotag, 20.0, [("1", photo)])
    by_kind = {p.kind: p for p in drawing.points}
    assert by_kind["geotag"].y < by_kind["place"].y and abs(by_kind["geotag"].x - by_kind["place"].x) < 0.5
    assert by_kind["photo"].x > by_kind["place"].x and abs(by_kind["photo"].y - by_kind["place"].y) < 0.5
    assert abs(by_kind["geotag"].distance_m - geodesic_distance_m(geotag, place)) < 0.5
    metres_per_unit = geodesic_distance_m(geotag, place) / (by_kind["place"].y - by_kind["geotag"].y)
    assert abs(drawing.accuracy_r * metres_per_unit - 20.0) < 1.0
    assert abs(drawing.scale_px * metres_per_unit - drawing.scale_m) < 1.0
    assert all(0 <= p.x <= SIZE and 0 <= p.y <= SIZE for p in drawing.points)


def test_nothing_to_place_gives_no_plot_and_a_lone_place_is_centred():
    assert plot(None, None, None, []) is None
    lone = plot((30.0, 120.0), None, None, [])
    assert lone.accuracy_r is None and (lone.points[0].x, lone.points[0].y) == (SIZE / 2, SIZE / 2)


def test_a_photo_far_beyond_the_place_goes_on_the_edge_in_its_direction_and_keeps_the_scale():
    place, geotag = (30.0, 120.0), (30.0009, 120.0)
    near_only = plot(place, geotag, 20.0, [])
    drawing = plot(place, geotag, 20.0, [("1", (43.47, 11.89))])  # Tuscany, far to the north-west
    photo = next(p for p in drawing.points if p.kind == "photo")
    assert photo.off and photo.distance_m > 8_000_000
    assert photo.x < SIZE / 2 and photo.y < SIZE / 2  # west and north: left and up
    assert drawing.scale_m == near_only.scale_m and drawing.accuracy_r == near_only.accuracy_r
