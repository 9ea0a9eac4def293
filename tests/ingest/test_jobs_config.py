"""The jobs file: what it accepts, and errors that name the file, the source and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ConfigError
from ingest.jobs import load_jobs_config, next_fire, redact_url

GOOD = """
hhi_threshold = 1800

[defaults]
retries = 5
timeout = 12.5

[[source]]
name = "suppliers"
reader = "tabular"
location = "https://example.org/suppliers.json"
schedule = "0 3 * * *"
retries = 1

[[source]]
name = "local"
reader = "tabular"
location = "data/local.yaml"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def source(extra: str = "", name: str = "s") -> str:
    return f'[[source]]\nname = "{name}"\nreader = "tabular"\nlocation = "x.json"\n{extra}\n'


def test_a_good_file_is_read_with_defaults_and_overrides(tmp_path: Path) -> None:
    config = load_jobs_config(write(tmp_path, GOOD))
    remote, local = config.sources
    assert config.hhi_threshold == 1800
    assert (remote.name, remote.retries, remote.timeout, remote.schedule) == (
        "suppliers", 1, 12.5, "0 3 * * *")
    assert remote.is_remote and not local.is_remote
    assert local.retries == 5 and local.schedule is None


def test_a_relative_location_is_read_from_the_jobs_files_folder(tmp_path: Path) -> None:
    local = load_jobs_config(write(tmp_path, GOOD)).sources[1]
    assert local.location == str((tmp_path / "data" / "local.yaml").resolve())


def test_only_selects_sources_by_name_and_refuses_unknown_names(tmp_path: Path) -> None:
    config = load_jobs_config(write(tmp_path, GOOD))
    assert [s.name for s in config.select(["local"])] == ["local"]
    with pytest.raises(ConfigError, match="no source named nope; the file has: suppliers, loc"):
        config.select(["nope"])


def test_a_webhook_can_come_from_the_environment(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_URL", "https://hooks.example.org/T000/secret")
    config = load_jobs_config(write(tmp_path, source('webhook_env = "HOOK_URL"')))
    assert config.sources[0].webhook == "https://hooks.example.org/T000/secret"
    assert "secret" not in repr(config.sources[0])


@pytest.mark.parametrize(("text", "message"), [
    pytest.param("this is = not toml [", "not valid TOML", id="malformed TOML"),
    pytest.param("", "no sources; add at least one", id="no sources"),
    pytest.param(source("retries = -1"), r"#1 \(s\): key 'retries' must be an integer",
                 id="negative retries"),
    pytest.param(source("retries = true"), "key 'retries' must be an integer",
                 id="boolean retries"),
    pytest.param(source('timeout = "soon"'), "key 'timeout' must be a number of seconds above 0",
                 id="text timeout"),
    pytest.param(source("schedul = '0 3 * * *'"), r"unknown key\(s\) 'schedul'",
                 id="misspelt key"),
    pytest.param(source("schedule = 'every night'"), "key 'schedule' must be a cron",
                 id="bad cron expression"),
    pytest.param(source('webhook = "hooks.example.org"'), r"key 'webhook' must be an http\(s\)",
                 id="webhook without scheme"),
    pytest.param(source('webhook_env = "CHOKEPOINT_TEST_UNSET_HOOK"'),
                 "names CHOKEPOINT_TEST_UNSET_HOOK, which is not set", id="unset webhook env"),
    pytest.param(source().replace('reader = "tabular"', 'reader = "nosuch"'),
                 "key 'reader': unknown reader 'nosuch'", id="unknown reader"),
    pytest.param(source().replace('name = "s"\n', ""), "key 'name' is required",
                 id="missing name"),
    pytest.param(source().replace('"x.json"', '"ftp://example.org/x.json"'),
                 "got scheme 'ftp'", id="unsupported scheme"),
    pytest.param(source() + source(), "two sources are named 's'", id="duplicate names"),
    pytest.param("hhi_threshold = 20000\n" + source(), "'hhi_threshold' must be a number",
                 id="threshold above 10000"),
    pytest.param("[defaults]\nbackoff = -2\n" + source(), r"\[defaults\]: key 'backoff'",
                 id="bad default"),
    pytest.param(source('priority = "high"'), "key 'priority' must be an integer",
                 id="priority not an integer"),
])
def test_a_bad_jobs_file_is_refused_naming_file_and_key(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_jobs_config(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_jobs_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read jobs file .*absent.toml"):
        load_jobs_config(tmp_path / "absent.toml")


def test_a_webhook_url_in_a_bad_setting_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_jobs_config(write(tmp_path, source("webhook = 'T000/secret-token'")))
    assert "secret-token" not in str(caught.value)


@pytest.mark.parametrize(("url", "keep_path", "shown"), [
    ("https://user:pw@example.org:8443/a/b.json?token=x", True, "https://example.org:8443/a/b.json?…"),
    ("https://hooks.slack.com/services/T0/B0/secret", False, "https://hooks.slack.com/…"),
    ("http://127.0.0.1:9/", False, "http://127.0.0.1:9"),
])
def test_urls_are_redacted_before_they_are_logged(url: str, keep_path: bool, shown: str) -> None:
    assert redact_url(url, keep_path=keep_path) == shown


def test_the_next_fire_of_a_schedule_is_after_the_given_time() -> None:
    start = 1_700_000_000.0
    fire = next_fire("*/5 * * * *", start)
    assert start < fire <= start + 300 and fire % 300 == 0


def test_a_source_may_give_its_priority(tmp_path: Path) -> None:
    config = load_jobs_config(write(tmp_path, source("priority = 30")))
    assert config.sources[0].priority == 30
    assert load_jobs_config(write(tmp_path, source())).sources[0].priority is None
