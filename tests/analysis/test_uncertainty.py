"""Share ranges: loss intervals and rank confidence (design §4.7)."""

from __future__ import annotations

import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_capacity import make_graph, random_graphs

from analysis.capacity import CapacityModel
from analysis.chokepoints import chokepoints
from analysis.uncertainty import _draw_weights, _ManyDraws, chokepoint_uncertainty, share_ranges


def crossing():
    """A chip made in X or Y: X's share anywhere in 20–80 %, Y's the rest."""
    return make_graph(
        {"car": "industry", "chip": "chip", "X": "country", "Y": "country"},
        [("car", "chip", "REQUIRES"),
         ("chip", "X", "LOCATED_IN", {"share": 0.5, "share_low": 0.2, "share_high": 0.8}),
         ("chip", "Y", "LOCATED_IN", {"share": 0.5, "share_low": 0.2, "share_high": 0.8})])


def run(graph, draws=400, k=1, seed=0):
    ranked = chokepoints(graph, top=None)
    return chokepoint_uncertainty(graph, ranked, ["car"], draws, seed=seed, k=k)


def test_a_ranged_share_gives_a_loss_interval_inside_its_range():
    found = run(crossing())
    x = found["X"]
    assert 0.2 <= x.loss_interval[0] < 0.3
    assert 0.7 < x.loss_interval[1] <= 0.8
    assert x.mean_loss == pytest.approx(0.5, abs=0.05)


def test_two_chokepoints_whose_losses_cross_share_the_top_rank_and_are_not_distinct():
    found = run(crossing())
    assert found["X"].p_top_k + found["Y"].p_top_k == pytest.approx(1.0)
    assert 0.3 < found["X"].p_top_k < 0.7
    assert not found["X"].distinct_from_next or not found["Y"].distinct_from_next


def test_the_draws_are_reproducible_with_a_fixed_seed():
    assert run(crossing(), seed=3) == run(crossing(), seed=3)
    assert run(crossing(), seed=3)["X"].loss_interval != run(crossing(), seed=4)["X"].loss_interval


def test_without_ranges_every_draw_is_the_nominal_ranking():
    graph = make_graph(
        {"car": "industry", "chip": "chip", "X": "country", "Y": "country"},
        [("car", "chip", "REQUIRES"), ("chip", "X", "LOCATED_IN", 0.7),
         ("chip", "Y", "LOCATED_IN", 0.3)])
    found = run(graph, draws=50)
    assert found["X"].loss_interval == pytest.approx((0.7, 0.7))
    assert (found["X"].p_top_k, found["Y"].p_top_k) == (1.0, 0.0)
    assert found["X"].distinct_from_next


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_one_vectorised_pass_equals_the_plain_propagation_of_each_draw(data):
    graph = data.draw(random_graphs())
    for _, _, kind, attrs in graph.edges(keys=True, data=True):
        if kind in ("SUPPLIED_BY", "LOCATED_IN") and data.draw(st.booleans()):
            share = attrs.get("share") or 0.3
            attrs.update(share=share, share_low=share / 2, share_high=min(1.0, share * 2))
    model = CapacityModel.from_graph(graph)
    ranges = share_ranges(graph, model)
    weights = _draw_weights(ranges, random.Random(1), 3)
    engine = _ManyDraws(model, weights, 3)
    relevant = set(range(len(model.ids)))
    for node in range(len(model.ids)):
        many = engine.removal(node, relevant)
        for column in range(3):
            plain = copy.copy(model)
            plain.suppliers, plain.locations = list(model.suppliers), list(model.locations)
            for (i, side), (inputs, matrix) in weights.items():
                getattr(plain, side)[i] = tuple(zip(inputs, matrix[:, column], strict=True))
            expected = plain.propagate({node: 1.0}, (node,))
            for i in range(len(model.ids)):
                got = many[i][column] if i in many else 1.0
                assert got == pytest.approx(expected.get(i, 1.0), abs=1e-6)
