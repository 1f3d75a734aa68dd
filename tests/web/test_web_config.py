"""The web app's pose-model setting (issue 3): environment and `rom serve --model`."""

import pytest

from rom.cli import main
from rom.core.errors import BadInput


def test_pose_model_from_the_environment(tmp_path, monkeypatch):
    from web import create_app

    monkeypatch.setenv("ROM_POSE_MODEL", "lite")
    app = create_app({"INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert app.config["POSE_MODEL"] == "lite"


def test_serve_refuses_a_model_that_is_not_installed(monkeypatch, capsys):
    import rom.capture.models

    def absent(name):
        raise BadInput(f"pose model {name!r} is not installed; run `rom models fetch {name}`")

    monkeypatch.setattr(rom.capture.models, "require_installed", absent)
    assert main(["serve", "--model", "heavy", "--port", "0"]) == 2
    assert "rom models fetch heavy" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["lite", "full", "heavy"])
def test_serve_accepts_the_model_names(model):
    from rom.cli import build_parser

    assert build_parser().parse_args(["serve", "--model", model]).model == model
