"""worker_ui.assets: the crowd elements served by the app (no browser needed)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from worker_ui import assets


@pytest.fixture
def client():
    app = Flask("assets-test")
    app.register_blueprint(assets.blueprint)
    return app.test_client()


def test_entry_script_names_the_versioned_module_folder_and_revalidates(client):
    response = client.get(assets.SCRIPT_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_data(as_text=True)
    assert assets.VERSION_MARKER not in body
    assert f"'{assets.asset_version()}'" in body

    again = client.get(assets.SCRIPT_URL, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_modules_are_cached_for_a_year(client):
    response = client.get(f"/crowd/v/{assets.asset_version()}/lib/form.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "export class CrowdForm" in response.get_data(as_text=True)
    assert client.get("/crowd/lib/literal.js").status_code == 200


def test_the_entry_script_preloads_every_module_at_once():
    # A module missing from the list is fetched only when the module importing it has loaded:
    # a round trip more before the task page works.
    source = (assets.CROWD_DIR / assets.ENTRY_SCRIPT).read_text(encoding="utf-8")
    listed = re.search(r"\[('index'[^\]]*)\]\s*\.forEach", source)
    assert listed, "the entry script's module list was not found"
    preloaded = set(re.findall(r"'([\w-]+)'", listed.group(1)))
    modules = {path.stem for path in (assets.CROWD_DIR / "lib").glob("*.js")}
    assert preloaded == modules


def test_the_v2_script_name_is_served_too(client):
    assert client.get("/crowd/crowd-html-elements-v2.js").data == client.get(assets.SCRIPT_URL).data


@pytest.mark.parametrize(
    "path",
    [
        "/crowd/lib/missing.js",
        "/crowd/../assets.py",
        "/crowd/lib/..%2f..%2fassets.py",
        "/crowd/v/x/../../app.py",
        "/crowd/lib",
    ],
)
def test_nothing_outside_the_crowd_folder_is_served(client, path):
    assert client.get(path).status_code == 404
