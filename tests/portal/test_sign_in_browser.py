"""The sign-in form and the first-sign-in password change, as a worker sees them in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from emulator.testing import GroundTruth
from worker_ui.app import create_app

from .conftest import make_job
from .test_cognito_sign_in import cognito_team


def test_a_new_worker_signs_in_and_changes_their_temporary_password(
    groundtruth: GroundTruth, live_server: Callable[[Flask], str], page: Page,
    page_log,
) -> None:
    # The refused password (401) and the mismatched new passwords (400) are answered as such.
    page_log.allow(r"status of 40[01]")
    team = cognito_team(groundtruth, "browser-team", {"lena": "Temp-pass-123"}, temporary=True)
    make_job(groundtruth, "browser-job", workteam_arn=team)
    portal = live_server(create_app({"SECRET_KEY": "browser-sign-in"}))
    page.goto(portal + "/")
    expect(page.get_by_test_id("name-only-banner")).to_have_count(0)  # the team has users
    page.get_by_label("User name").fill("lena")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
    page.get_by_label("Password").fill("Temp-pass-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("Lena-new-pass-1")
    page.get_by_label("New password, again").fill("Lena-new-pass-2")
    page.get_by_role("button", name="Change password and sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")
    page.get_by_label("New password", exact=True).fill("Lena-new-pass-1")
    page.get_by_label("New password, again").fill("Lena-new-pass-1")
    page.get_by_role("button", name="Change password and sign in").click()
    expect(page.locator("tr[data-job=browser-job] .remaining")).to_have_text(
        re.compile(r"\d+ of \d+"))


def test_the_sign_in_page_banners_name_only_teams(
    groundtruth: GroundTruth, live_server: Callable[[Flask], str], page: Page,
) -> None:
    team = cognito_team(groundtruth, "nobody-yet", {})
    make_job(groundtruth, "open-job", workteam_arn=team)
    portal = live_server(create_app({"SECRET_KEY": "browser-banner"}))
    page.goto(portal + "/")
    banner = page.get_by_test_id("name-only-banner")
    expect(banner).to_contain_text("Local convenience")
    expect(banner).to_contain_text("nobody-yet")
    expect(banner).to_contain_text("--strict-sign-in")
    page.get_by_label("User name").fill("walk-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("tr[data-job=open-job]")).to_be_visible()
