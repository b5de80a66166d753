"""Every pair counted and written in partitions of ingredients equals the table computed at once, for any
number of partitions, and the hand-made quarter's cells are the ones worked by hand."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from il6analysis.errors import UsageError
from il6analysis.faers import all_pairs, counts, partitions, signals, tables
from il6analysis.faers.ingest import add_quarter

KEYS = ["ingredient", "pt"]
# the hand-made quarter (tests/fixtures/faers/hand_made_2099q1, primary suspects): 10 reports; tocilizumab
# in 1-4, MRA VACCINE 5, METHOTREXATE 6, sarilumab 8, ASPIRIN 9-10; Neutropenia in 1, 2, 3, 5, 6, 7, Rash
# in 1, 8, 9, the markup term in 1, 2, 3, 9. b = n_drug - a, c = n_event - a, d = 10 - n_drug - n_event + a.
BY_HAND = pd.DataFrame([
    ("tocilizumab", "Neutropenia", 3, 1, 3, 3),
    ("tocilizumab", "Rash", 1, 3, 2, 4),
    ("tocilizumab", "<b>Bold</b> reaction", 3, 1, 1, 5),
    ("MRA VACCINE", "Neutropenia", 1, 0, 5, 4),
    ("METHOTREXATE", "Neutropenia", 1, 0, 5, 4),
    ("sarilumab", "Rash", 1, 0, 2, 7),
    ("ASPIRIN", "Rash", 1, 1, 2, 6),
    ("ASPIRIN", "<b>Bold</b> reaction", 1, 1, 3, 5),
], columns=KEYS + list("abcd")).sort_values(KEYS, ignore_index=True)


def _write_random_quarter(folder: Path, reports: int = 600, seed: int = 7) -> Path:
    """A small FAERS-shaped quarter (DEMO, DRUG, REAC) of ``reports`` reports with random drugs and terms."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    ids = np.arange(1, reports + 1)
    demo = pd.DataFrame({"primaryid": ids, "caseid": ids, "caseversion": 1, "sex": rng.choice(["F", "M"], reports),
                         "age": rng.integers(1, 90, reports), "age_cod": "YR", "fda_dt": "20990215"})
    drugs = rng.integers(1, 4, reports)
    drug = pd.DataFrame({"primaryid": np.repeat(ids, drugs), "caseid": np.repeat(ids, drugs)})
    drug["drug_seq"] = drug.groupby("primaryid").cumcount() + 1
    drug["role_cod"] = np.where(drug["drug_seq"] == 1, "PS", rng.choice(["SS", "C"], len(drug)))
    drug["drugname"] = [f"DRUG {int(x):02d}" for x in 40 * rng.random(len(drug)) ** 2]
    drug["prod_ai"] = drug["drugname"].str.replace("DRUG", "INGREDIENT")
    terms = rng.integers(1, 4, reports)
    reac = pd.DataFrame({"primaryid": np.repeat(ids, terms), "caseid": np.repeat(ids, terms),
                         "pt": [f"Term {int(x):02d}" for x in 60 * rng.random(terms.sum()) ** 2]}).drop_duplicates()
    for name, frame in (("DEMO", demo), ("DRUG", drug), ("REAC", reac)):
        frame.to_csv(folder / f"{name}99Q4.txt", sep="$", index=False)
    return folder


@pytest.fixture(scope="module")
def random_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("partitions")
    store = root / "store"
    add_quarter(store, _write_random_quarter(root / "q"))
    return store


@pytest.fixture(scope="module")
def at_once(random_store) -> pd.DataFrame:
    whole = signals.disproportionality(random_store, roles=("PS", "SS"), min_cases=1, all_ingredients=True)
    return whole.sort_values(KEYS, ignore_index=True)


@pytest.mark.slow
@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_every_pair_in_any_number_of_partitions_equals_the_table_at_once(random_store, at_once, parts, tmp_path):
    done = all_pairs.write_all_pairs(random_store, tmp_path / "pairs", ("PS", "SS"), partitions=parts)
    written = pd.read_parquet(tmp_path / "pairs").sort_values(KEYS, ignore_index=True)
    assert done["partitions"] == parts and done["pairs"] == done["rows"] == len(at_once) > 300
    assert len(list((tmp_path / "pairs").iterdir())) <= parts
    # every column, every value: the same counts, the same prior, the same statistics
    pd.testing.assert_frame_equal(written, at_once[written.columns], check_exact=True, check_dtype=False)


@pytest.mark.slow
def test_the_partitions_counts_and_prior_spread_are_those_counted_at_once(random_store, tmp_path):
    opened = signals.open_signals(random_store, ("PS", "SS"))
    whole = counts.margins(opened.clean, [])
    cells = opened.store.execute(counts.pair_rows(whole, None)).drop(columns="stratum")
    spread = opened.store.execute(counts.expected_distribution(whole))
    files, summed = partitions.count_partitions(opened.store, opened.clean, 5, tmp_path)
    parted = pd.concat([pd.read_parquet(f).assign(file=f.name) for f in files], ignore_index=True)
    order = ["ingredient_id", "pt_id"]
    pd.testing.assert_frame_equal(parted.drop(columns="file").sort_values(order, ignore_index=True),
                                  cells.sort_values(order, ignore_index=True), check_dtype=False)
    pd.testing.assert_frame_equal(summed, spread, check_dtype=False, check_exact=True)
    # each ingredient's pairs are all in the file of its partition
    hashed = opened.store.execute(
        whole.n_drug.select("ingredient_id", part=partitions.partition_of(whole.n_drug.ingredient_id, 5)))
    assert hashed["part"].between(0, 4).all() and hashed["part"].nunique() > 1
    placed = parted.merge(hashed, on="ingredient_id")
    assert (placed["file"] == placed["part"].map("counts-{:05d}.parquet".format)).all()


@pytest.mark.parametrize("parts", [1, 2, 5])
def test_every_pair_of_the_hand_made_quarter_worked_by_hand(faers_database, parts, tmp_path):
    done = all_pairs.write_all_pairs(faers_database, tmp_path / "pairs", ("PS",), partitions=parts)
    written = pd.read_parquet(tmp_path / "pairs").sort_values(KEYS, ignore_index=True)
    assert done["pairs"] == done["rows"] == 8
    assert written[KEYS + list("abcd")].astype({c: "int64" for c in "abcd"}).equals(BY_HAND)
    by_pair = written.set_index(KEYS)
    # expected = n_drug n_event / n; ROR = ad / bc; PRR = (a / (a + b)) / (c / (c + d))
    assert by_pair.loc[("tocilizumab", "Neutropenia"), "expected"] == pytest.approx(4 * 6 / 10)
    assert by_pair.loc[("tocilizumab", "Neutropenia"), "ror"] == pytest.approx(3 * 3 / (1 * 3))
    assert by_pair.loc[("tocilizumab", "<b>Bold</b> reaction"), "ror"] == pytest.approx(3 * 5 / (1 * 1))
    assert by_pair.loc[("tocilizumab", "<b>Bold</b> reaction"), "prr"] == pytest.approx((3 / 4) / (1 / 6))
    assert np.isnan(by_pair.loc[("sarilumab", "Rash"), "ror"])  # b = 0: no ROR without the Haldane correction


def test_partitions_below_one_are_refused(faers_database, tmp_path):
    store = tables.open_store(faers_database)
    with pytest.raises(UsageError, match="partitions must be 1 or more, not 0"):
        partitions.partition_of(store.raw["drug"].name_id, 0)
    with pytest.raises(UsageError, match="partitions must be 1 or more, not 0"):
        all_pairs.write_all_pairs(faers_database, tmp_path / "pairs", partitions=0)
    assert [p.name for p in tmp_path.iterdir()] == ["faers"]  # the store alone: nothing written


def test_a_partition_that_cannot_be_written_is_an_os_error_naming_the_file(faers_database, tmp_path):
    store = tables.open_store(faers_database)
    target = tmp_path / "missing" / "counts-00000.parquet"
    with pytest.raises(OSError, match="counts-00000.parquet"):
        store.write_parquet(store.raw["reac"], target)
    assert not target.parent.exists()
