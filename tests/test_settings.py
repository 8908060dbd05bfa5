import re
from pathlib import Path

from hall import create_app

ROOT = Path(__file__).resolve().parents[1]


def default_setting_names() -> set[str]:
    text = (ROOT / "config" / "default.py").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]+) =", text, flags=re.M))


def readme_setting_names() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `HALL_([A-Z0-9_]+)` \|", text, flags=re.M))


def test_every_setting_is_documented_in_the_readme_and_nothing_else():
    assert default_setting_names() == readme_setting_names()


def test_every_setting_has_a_comment_above_it():
    lines = (ROOT / "config" / "default.py").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]+ =", line):
            assert lines[number - 1].startswith("# "), f"{line} has no comment"


def test_settings_layers_file_then_environment_then_test_config(tmp_path, monkeypatch):
    settings = tmp_path / "site.py"
    settings.write_text("SEARCH_PER_PAGE = 15\nSEARCH_MAX_PER_PAGE = 40\nDEFAULT_HALL = 'file'\n")
    monkeypatch.setenv("HALL_SETTINGS", str(settings))
    monkeypatch.setenv("HALL_SEARCH_MAX_PER_PAGE", "30")
    monkeypatch.setenv("HALL_HTTP_ALLOWLIST", "127.0.0.1, 10.1.0.0/16")
    monkeypatch.setenv("HALL_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"DEFAULT_HALL": "test"})
    assert app.config["SEARCH_PER_PAGE"] == 15
    assert app.config["SEARCH_MAX_PER_PAGE"] == 30
    assert app.config["DEFAULT_HALL"] == "test"
    assert app.config["HTTP_ALLOWLIST"] == ["127.0.0.1", "10.1.0.0/16"]
    assert app.config["INDEX_PATH"] == str(tmp_path / "inst" / "index")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'hall.db'}"
    assert "SETTINGS" not in app.config
