"""Reads config/train.toml and checks every key before any training starts."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A config value that cannot be trained with; the message names the key and the fix."""


# Each key: (type, lower bound or None, upper bound or None). Bounds are inclusive.
SCHEMA: dict[str, tuple[type, float | None, float | None]] = {
    "seed": (int, 0, 2**32 - 1),
    "data.image_size": (int, 4, 512),
    "data.classes": (int, 2, 100_000),
    "data.train_examples": (int, 1, None),
    "data.batch_size": (int, 1, None),
    "data.num_workers": (int, 0, 64),
    "model.channels": (int, 1, 4096),
    "optimizer.lr": (float, 0.0, 10.0),
    "optimizer.momentum": (float, 0.0, 1.0),
    "train.steps": (int, 1, None),
    "train.log_every": (int, 1, None),
    "smoke.steps": (int, 1, None),
    "smoke.log_every": (int, 1, None),
}


@dataclass(frozen=True)
class TrainConfig:
    """The validated config: `values` maps dotted keys to checked values."""

    values: dict[str, Any]
    source: str

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def for_mode(self, smoke: bool) -> dict[str, int]:
        """Steps and logging interval of a smoke run or a full run."""
        section = "smoke" if smoke else "train"
        return {"steps": self.values[f"{section}.steps"], "log_every": self.values[f"{section}.log_every"]}


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def _parse_override(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: write KEY=VALUE, e.g. --set optimizer.lr=1e-4")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word: kept as text, so the type check below names the key
    return key.strip(), value


def _check(key: str, value: Any) -> list[str]:
    kind, low, high = SCHEMA[key]
    # bool is an int in Python: refuse it explicitly. An int is fine where a float is expected.
    ok_type = not isinstance(value, bool) and (isinstance(value, kind) or (kind is float and isinstance(value, int)))
    if not ok_type:
        return [f"{key} = {value!r}: must be {'a whole number' if kind is int else 'a number'}"]
    errors = []
    if low is not None and value < low:
        errors.append(f"{key} = {value!r}: must be at least {low}")
    if high is not None and value > high:
        errors.append(f"{key} = {value!r}: must be at most {high}")
    return errors


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Loads and checks the config; raises ConfigError listing every bad key at once."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; pass --config PATH") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    values = _flatten(copy.deepcopy(raw))
    errors: list[str] = []
    for text in overrides or []:
        try:
            key, value = _parse_override(text)
        except ConfigError as e:
            errors.append(str(e))
            continue
        if key not in SCHEMA:
            errors.append(f"--set {key}: no such key; known keys: {', '.join(sorted(SCHEMA))}")
            continue
        values[key] = value
    errors += [f"{key}: unknown key (a typo?); known keys: {', '.join(sorted(SCHEMA))}" for key in values if key not in SCHEMA]
    errors += [f"{key}: missing from {path}" for key in SCHEMA if key not in values]
    for key in SCHEMA:
        if key in values:
            errors += _check(key, values[key])
    if errors:
        raise ConfigError(f"{path}: " + "; ".join(errors))
    values = {k: (float(v) if SCHEMA[k][0] is float else v) for k, v in values.items()}
    return TrainConfig(values=values, source=str(path))
