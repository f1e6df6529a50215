"""Estimates of the undocumented: the methods against a published table and a known
total, the diagnostics, `docket estimate`, and the page, which counts only what its
reader may see."""

import io
import json
import math
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from docket.accounts.models import Role, Team, User
from docket.cases import services as case_services
from docket.estimates import lcmcr, loglinear
from docket.estimates.mse import (
    EstimateError,
    Options,
    estimate,
    explanation,
    from_pairs,
    read_csv,
)
from docket.people.merges import merge_persons
from tests import factories
from tests.conftest import _person

KOSOVO = Path("/work/shared/reference/mse-kosovo-1999.txt")
# Ball et al. (2002): 10,356 killed (9,002 to 12,122); the Kosovo Memory Book counts 10,401.
PUBLISHED = 10_356
NEAR_CENSUS = 10_401
# Fast runs for tests: a few hundred sampler steps, with a seed.
QUICK = Options(seed=7, burn_in=300, samples=300, thinning=2, bootstrap=60)


def _kosovo_membership() -> dict:
    lines = KOSOVO.read_text(encoding="utf-8").splitlines()
    header = lines[1].split(",")[:4]
    triples = []
    person = 0
    for line in lines[2:]:
        *flags, count = line.split(",")
        for _ in range(int(count)):
            person += 1
            for name, flag in zip(header, flags, strict=True):
                if flag == "1":
                    triples.append(("", str(person), name))
    return from_pairs(triples)


def _simulated(total: int, lists: int, rate: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    captured = rng.random((total, lists)) < rate
    return from_pairs(
        ("", str(person), f"L{index}")
        for person in range(total)
        for index in range(lists)
        if captured[person, index]
    )


def test_the_latent_class_method_reproduces_the_published_kosovo_estimate():
    """Within 10% of Ball et al.'s 10,356, its interval holding the near-census count.

    Four chains of 1,500 steps (6,000 in all; the default is 30,000, which the page and
    the command run): a few hundred steps are not enough on this table (a chain can sit
    near 8,000 for a thousand steps before it finds the bulk of the posterior)."""
    chain = Options(seed=1, burn_in=500, samples=1000, thinning=4)
    result = estimate(_kosovo_membership(), method="lcmcr", options=chain)

    assert result.observed == 4400
    assert abs(result.estimate - PUBLISHED) / PUBLISHED < 0.10
    low, high = result.interval
    assert low < NEAR_CENSUS < high
    assert result.trustworthy


def test_log_linear_models_on_kosovo_stay_in_the_published_range_of_unstratified_models():
    """An unstratified log-linear fit is known to land between 7,400 and 16,900 (the
    reference file's note): BIC chooses a model with many interactions."""
    result = estimate(_kosovo_membership(), method="loglinear", options=QUICK)

    assert 7_400 < result.estimate < 16_900
    low, high = result.interval
    assert low < result.estimate < high
    assert result.strata[0].detail["model"].count("×") >= 3


def test_log_linear_models_recover_a_known_total_of_independent_lists():
    result = estimate(_simulated(2000, 3, 0.3, seed=3), method="loglinear", options=QUICK)

    assert abs(result.estimate - 2000) / 2000 < 0.08
    assert result.interval[0] < 2000 < result.interval[1]


def test_the_model_search_covers_every_hierarchical_two_way_model():
    # Four lists: six pairs, 2**6 subsets, all with fewer parameters than cells.
    assert len(loglinear._candidate_models(4)) == 64
    # Three lists: the model with all three interactions has as many parameters as cells.
    assert len(loglinear._candidate_models(3)) == 8


def test_the_sampler_gives_the_same_draws_for_the_same_seed():
    cells = loglinear.patterns(3)
    counts = np.array([30, 30, 5, 30, 5, 5, 2])
    first = lcmcr.sample(cells, counts, seed=4, burn_in=50, samples=40, thinning=1)
    second = lcmcr.sample(cells, counts, seed=4, burn_in=50, samples=40, thinning=1)

    assert np.array_equal(first.draws, second.draws)
    assert first.draws.min() >= counts.sum()


@pytest.mark.parametrize("prior", [lcmcr.UNIFORM, lcmcr.JEFFREYS], ids=["uniform", "jeffreys"])
def test_the_sampler_with_one_class_draws_the_exact_posterior_of_the_population_size(prior):
    """With one class the model is M_t, whose posterior under p(N) ∝ 1/N and Beta(a, b)
    capture probabilities is known in closed form: the sampler (negative binomial step
    and the moves with capture probabilities integrated out) must reproduce it, with the
    paper's uniform prior and with Jeffreys'. A wrong prior term or a forgotten
    undocumented person in the capture step shifts it."""
    a, b = prior
    cells = loglinear.patterns(3)
    counts = np.array([40, 35, 6, 30, 5, 7, 2])
    observed = int(counts.sum())
    on = counts @ cells
    grid = np.arange(observed, 3000)
    log_posterior = np.array(
        [
            -math.log(n)
            + math.lgamma(n + 1)
            - math.lgamma(n - observed + 1)
            + sum(math.lgamma(a + x) + math.lgamma(b + n - x) - math.lgamma(a + b + n) for x in on)
            for n in grid
        ]
    )
    posterior = np.exp(log_posterior - log_posterior.max())
    posterior /= posterior.sum()
    exact_mean = float(grid @ posterior)

    result = lcmcr.sample(
        cells, counts, seed=3, classes=1, burn_in=100, samples=600, thinning=1, capture_prior=prior
    )

    assert abs(result.draws.mean() - exact_mean) / exact_mean < 0.06
    low, high = np.quantile(result.draws, [0.025, 0.975])
    cdf = np.cumsum(posterior)
    assert abs(low - grid[np.searchsorted(cdf, 0.025)]) < 25
    assert abs(high - grid[np.searchsorted(cdf, 0.975)]) < 50


def test_the_sampler_moves_class_sizes_by_the_exact_change_of_their_marginal():
    """The Metropolis moves weigh a class's new size by the change of the stick-breaking
    marginal, computed from the classes up to it only: it must equal the whole marginal's
    difference (a wrong term there biases every multi-class posterior, which the one-class
    check above cannot see)."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        classes = int(rng.integers(1, 11))
        sizes = [int(x) for x in rng.integers(0, 60, size=classes)]
        k = int(rng.integers(classes))
        change = int(rng.integers(-sizes[k], 40))
        alpha = float(rng.uniform(0.05, 5))
        moved = list(sizes)
        moved[k] += change
        exact = lcmcr._stick_log_marginal(moved, alpha) - lcmcr._stick_log_marginal(sizes, alpha)
        assert lcmcr._stick_log_change(sizes, k, change, alpha) == pytest.approx(exact, abs=1e-8)


def test_chains_that_have_not_met_are_flagged():
    """Four chains start apart; if they are stopped before they meet, R-hat says so and
    the estimate carries a warning. Chains drawn from one distribution are not flagged."""
    hurried = Options(seed=2, burn_in=1, samples=80, thinning=1)
    result = estimate(_simulated(400, 3, 0.3, seed=2), method="lcmcr", options=hurried)

    detail = result.strata[0].detail
    assert detail["chains"] == 4 and detail["rhat"] > 1.1
    assert any("R-hat" in item.message for item in result.all_diagnostics())
    rng = np.random.default_rng(0)
    assert lcmcr.split_rhat(rng.normal(size=(4, 200))) < 1.05
    assert lcmcr.split_rhat(rng.normal(size=(4, 200)) + np.arange(4)[:, None]) > 1.1


def test_two_lists_are_too_few_for_the_latent_class_method():
    membership = from_pairs(
        [("", str(n), "A") for n in range(30)] + [("", str(n), "B") for n in range(20, 50)]
    )

    result = estimate(membership, method="lcmcr", options=QUICK)

    assert result.estimate is None
    codes = {item.code for item in result.all_diagnostics()}
    assert "too_few_lists" in codes and not result.trustworthy
    # Log-linear models take two lists, under independence, and say so.
    two = estimate(membership, method="loglinear", options=QUICK)
    assert round(two.estimate) == 90  # Lincoln-Petersen: 30 × 30 / 10 in both
    assert "two_lists" in {item.code for item in two.all_diagnostics()}


def test_the_latent_class_method_warns_that_three_lists_leave_it_to_its_assumptions():
    """With three lists a latent-class model has as many free figures as the table has
    cells: the data cannot say how many persons are hard to document."""
    lists = ["A", "B", "C", "D"]
    pairs = [("", str(n), name) for n in range(120) for i, name in enumerate(lists) if n % (i + 2)]
    four = from_pairs(pairs)
    three = from_pairs([pair for pair in pairs if pair[2] != "D"])

    def codes(membership: Any) -> set[str]:
        result = estimate(membership, method="lcmcr", options=QUICK)
        return {item.code for item in result.all_diagnostics()}

    assert "three_lists" in codes(three)
    assert "three_lists" not in codes(four)
    loglinear = estimate(three, method="loglinear", options=QUICK)
    assert "three_lists" not in {item.code for item in loglinear.all_diagnostics()}


def test_a_list_that_shares_no_one_and_a_small_list_are_flagged():
    triples = [("", str(n), "A") for n in range(40)]
    triples += [("", str(n), "B") for n in range(20, 60)]
    triples += [("", str(n), "C") for n in range(100, 106)]
    result = estimate(from_pairs(triples), method="loglinear", options=QUICK)

    messages = {item.code: item.message for item in result.all_diagnostics()}
    assert "C shares no person" in messages["no_overlap"]
    assert "C holds only 6" in messages["list_too_small"]
    assert not result.trustworthy


def test_strata_are_estimated_apart_and_added_and_thin_ones_flagged():
    big = _simulated(600, 3, 0.4, seed=5)[""]
    triples = [("north", person, name) for person, on in big.items() for name in on]
    triples += [("south", f"s{n}", "L0") for n in range(12)]
    triples += [("south", f"s{n}", "L1") for n in range(6, 18)]
    triples += [("south", f"s{n}", "L2") for n in range(3, 9)]

    result = estimate(from_pairs(triples), method="loglinear", options=QUICK)

    north, south = result.strata
    assert result.estimate == pytest.approx(north.estimate + south.estimate)
    assert result.observed == north.observed + south.observed
    assert any(item.code == "thin_stratum" for item in south.diagnostics)


def test_reading_lists_accepts_a_header_or_none_and_names_the_bad_line():
    assert read_csv("p1,A\np1,B\np2,A\n")[""]["p1"] == {"A", "B"}
    assert read_csv("person_id,list\np1,A\n")[""] == {"p1": {"A"}}
    with pytest.raises(EstimateError, match="Line 3"):
        read_csv("person_id,list\np1,A\np2\n")
    with pytest.raises(EstimateError, match="two strata"):
        read_csv("person_id,list,place\np1,A,x\np1,B,y\n", strata_column="place")
    with pytest.raises(EstimateError, match="header row"):
        read_csv("p1,A,x\n", strata_column="place")


def test_docket_estimate_prints_the_estimate_as_json(tmp_path):
    lists = tmp_path / "lists.csv"
    rows = ["person_id,list"]
    for person, on in _simulated(400, 3, 0.4, seed=9)[""].items():
        rows += [f"{person},{name}" for name in sorted(on)]
    lists.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = io.StringIO()

    call_command(
        "estimate",
        str(lists),
        "--method",
        "lcmcr",
        "--seed",
        "3",
        "--samples",
        "100",
        "--burn-in",
        "50",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )

    answer = json.loads(out.getvalue())
    assert set(answer) >= {"observed", "estimate", "interval", "level", "method", "diagnostics"}
    assert answer["method"] == "lcmcr" and answer["level"] == 0.95
    assert answer["interval"][0] <= answer["estimate"] <= answer["interval"][1]
    assert abs(answer["estimate"] - 400) < 80

    lists.write_text("person_id,list\nonly-one-column\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2"):
        call_command("estimate", str(lists), stdout=io.StringIO(), stderr=io.StringIO())


def test_docket_estimate_uses_jeffreys_prior_unless_told_the_uniform_one(tmp_path):
    """The uniform prior of the paper and of the R package stays one option away, for
    comparison with LCMCR's own figures; the answer says which prior it used."""
    lists = tmp_path / "lists.csv"
    rows = [
        f"{person},{name}"
        for person, on in _simulated(300, 4, 0.3, seed=5)[""].items()
        for name in sorted(on)
    ]
    lists.write_text("\n".join(rows) + "\n", encoding="utf-8")

    def run(*extra: str) -> dict:
        out = io.StringIO()
        call_command(
            "estimate", str(lists), "--seed", "2", "--samples", "100", "--burn-in", "50",
            "--json", *extra, stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
        return json.loads(out.getvalue())

    default, uniform = run(), run("--prior", "uniform")

    assert default["strata"][0]["prior"] == "jeffreys"
    assert uniform["strata"][0]["prior"] == "uniform"
    # The same seed and table: only the prior differs, and it moves the draws.
    assert default["interval"] != uniform["interval"]
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("estimate", str(lists), "--prior", "flat", stdout=io.StringIO())
    with pytest.raises(EstimateError, match="Unknown prior flat"):
        estimate(read_csv(lists.read_text()), options=Options(prior="flat"))  # type: ignore[arg-type]


def test_the_explanation_gives_the_simulated_coverage_of_the_prior_used():
    """Users read the interval's upper end by how often such intervals held the truth."""
    jeffreys = " ".join(explanation("lcmcr"))
    uniform = " ".join(explanation("lcmcr", "uniform"))

    assert "only about 8 times in 10" in jeffreys
    assert "only about 7 times in 10" in uniform
    assert "times in 10" not in " ".join(explanation("loglinear"))


# The page


@pytest.fixture
def second_team_viewer(db):
    (team,) = Team.objects.bulk_create([Team(name="Third association")])
    return _person("arash.viewer", Role.VIEWER, team)


def _documented_world(documenter: User) -> dict:
    """Fourteen victims of detentions in three internal lists, and three more victims only
    in a restricted case documented by a restricted source."""
    lists = {
        name: case_services.create_source(
            actor=documenter, title=f"List {name}", confidentiality="internal"
        )
        for name in "ABC"
    }
    hidden_list = case_services.create_source(
        actor=documenter, title="Hidden register", confidentiality="restricted"
    )
    persons = [factories.person(documenter, f"Victim Number{n}") for n in range(14)]
    open_case = factories.case(documenter, "Camp detentions", persons, confidentiality="internal")
    on_lists = ["A", "B", "C", "AB", "AC", "BC", "ABC"]
    for index, person in enumerate(persons):
        names = on_lists[index % len(on_lists)]
        factories.event(
            documenter,
            open_case,
            "detention",
            "2025-03-01",
            victims=(person,),
            sources=[lists[name] for name in names],
        )
    hidden = [
        factories.person(documenter, f"Hidden Victim{n}", confidentiality="restricted")
        for n in range(3)
    ]
    closed = factories.case(
        documenter, "Restricted detentions", hidden, confidentiality="restricted"
    )
    for person in hidden:
        factories.event(
            documenter,
            closed,
            "detention",
            "2025-04-01",
            victims=(person,),
            sources=[hidden_list, lists["A"]],
        )
    return {"persons": persons, "hidden": hidden}


QUERY = {"event_type": "detention", "method": "loglinear", "seed": "1", "lists_by": "source"}


def test_the_page_counts_only_what_its_reader_may_see(
    logged_in, documenter, second_team_viewer, django_user_model
):
    _documented_world(documenter)
    url = reverse("estimates:estimate")

    own = logged_in(documenter).get(url, QUERY)
    assert own.status_code == 200
    assert own.context["result"].observed == 17
    assert "Hidden register" in own.content.decode()

    other = logged_in(second_team_viewer).get(url, QUERY)
    page = other.content.decode()
    assert other.context["result"].observed == 14
    assert "Hidden register" not in page and "Hidden Victim" not in page
    assert [name.split(" (#")[0] for name in other.context["result"].strata[0].lists] == [
        "List A",
        "List B",
        "List C",
    ]
    # The page explains the figure and diagnoses the lists (each list is small here).
    assert "What this figure means, and when not to trust it" in page
    assert 'data-code="list_too_small"' in page


def test_a_merged_person_counts_once(logged_in, documenter, coordinator):
    world = _documented_world(documenter)
    first, second = world["persons"][0], world["persons"][1]
    url = reverse("estimates:estimate")
    before = logged_in(documenter).get(url, QUERY).context["result"]

    merge_persons(actor=coordinator, keep=first, absorb=second)

    after = logged_in(documenter).get(url, QUERY).context["result"]
    assert after.observed == before.observed - 1
    # The kept person now stands on both persons' lists (A and B): one more on exactly A and B.
    assert _on_exactly(after, "List A", "List B") == _on_exactly(before, "List A", "List B") + 1


def _on_exactly(result, *names):
    stratum = result.strata[0]
    for pattern, count in stratum.table():
        on = {
            name.split(" (#")[0] for name, flag in zip(stratum.lists, pattern, strict=True) if flag
        }
        if on == set(names):
            return count
    return 0


def test_the_page_uses_the_prior_asked_for(logged_in, documenter, monkeypatch):
    from docket.estimates import views

    _documented_world(documenter)
    used = []

    def estimate(found, *, method, options):
        used.append(options.prior)
        return real(found, method=method, options=options)

    real = views.estimate
    monkeypatch.setattr(views, "estimate", estimate)
    monkeypatch.setattr(views, "Options", partial(Options, burn_in=20, samples=40, thinning=2))
    client = logged_in(documenter)
    url = reverse("estimates:estimate")
    query = {**QUERY, "method": "lcmcr"}

    page = client.get(url, {**query, "prior": "uniform"}).content.decode()
    client.get(url, query)

    assert used == ["uniform", "jeffreys"]
    assert "Prior on capture probabilities: uniform (as the R package LCMCR)." in page
    assert client.get(url, {**query, "prior": "flat"}).status_code == 200
    assert used == ["uniform", "jeffreys"]


def test_the_page_runs_the_sampler_longer_when_asked(logged_in, documenter, monkeypatch):
    """The page's warning that the chains disagree says to run longer: the page can."""

    from docket.estimates import views

    _documented_world(documenter)
    # A short run stands for the default, to keep the test quick.
    monkeypatch.setattr(views, "Options", partial(Options, burn_in=20, samples=40, thinning=2))
    client = logged_in(documenter)
    url = reverse("estimates:estimate")
    query = {**QUERY, "method": "lcmcr"}

    standard = client.get(url, query).content.decode()
    longer = client.get(url, {**query, "length": "longer"}).content.decode()

    # 40 draws in 4 chains: 10 each, one in 2 (longer: one in 8) after 20 steps (80).
    assert "4 chains of 40 steps each." in standard
    assert "4 chains of 160 steps each." in longer
    assert "Prior on capture probabilities: Jeffreys&#x27;." in standard
    assert 'name="length"' in longer and "four times longer" in longer
