from pathlib import Path

import pytest

from mlteam.config import ConfigError, load_config

CONFIG = Path(__file__).resolve().parent.parent / "config" / "train.toml"


def test_the_committed_config_is_valid():
    config = load_config(CONFIG)
    assert config.for_mode(smoke=True)["steps"] < config.for_mode(smoke=False)["steps"]


def test_an_override_replaces_one_key():
    config = load_config(CONFIG, ["optimizer.lr=1e-4"])
    assert config["optimizer.lr"] == pytest.approx(1e-4)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("optimizer.lr=-1", "optimizer.lr"),
        ("data.batch_size=0", "data.batch_size"),
        ("data.batch_size=2.5", "data.batch_size"),
        ("smoke.steps=many", "smoke.steps"),
        ("optimizer.lerning_rate=0.1", "optimizer.lerning_rate"),
    ],
)
def test_a_bad_value_names_its_key(override, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(CONFIG, [override])


def test_an_unknown_key_in_the_file_is_refused(tmp_path):
    bad = tmp_path / "train.toml"
    bad.write_text(CONFIG.read_text() + "\n[extra]\nsurprise = 1\n")
    with pytest.raises(ConfigError, match=r"extra\.surprise: unknown key"):
        load_config(bad)
