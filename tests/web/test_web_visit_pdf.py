"""The visit report printed to PDF by a real browser (issue 11, Done when: "the report printed to
PDF and its text checked"): Debian's chromium, driven by Playwright, logs in, opens the person's
page, follows "Visit report" and prints it on A4 and on Letter; pypdf reads the PDF back. The
text has the person, the day, the clinician, the clinic, each test with its figures and notes and
the left/right comparison; each test starts a page, the key frames are printed, and the page size
is the one chosen. On the way, the person's page draws the hip hinge's trend chart. The A4 PDF,
a picture of its first page and one of the hinge trend are saved under test-artifacts/."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from conftest_web import ARTIFACTS, CLINICIAN, PASSWORD, add_analysed, add_person, user_id
from test_web_browser import CHROMIUM
from test_web_visits import DAY, HINGE, LEFT, NOTES, RIGHT, at

from rom.protocols.slr.interpret import side_difference, thresholds
from web.db import db
from web.models import Assessment
from web.services import settings

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")

POINTS_PER_MM = 72 / 25.4
PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}


def flat(text: str) -> str:
    """PDF text with its line breaks and runs of spaces as single spaces, and the printed
    ligatures ('ﬀ' of 'differ') as their letters (NFKC)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


@pytest.mark.slow
def test_the_visit_report_prints_to_pdf_with_everything_for_the_file(live_server):
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    app = live_server.app
    pid = add_person(app, "Müller, Jörg", birth_year=1970)
    ids = {k: add_analysed(app, pid, clip, started_at=at(hhmm), notes=NOTES[k])
           for k, clip, hhmm in (("left", LEFT, "11:00"), ("right", RIGHT, "11:20"), ("hinge", HINGE, "11:40"))}
    add_analysed(app, pid, "hinge_avg_female_R_good_3reps", started_at=at("11:00", "2026-10-30"))  # the trend's 1st
    with app.app_context():
        settings.save_clinic("Praxis Nord", "Hauptstraße 5, 20095 Hamburg")
        settings.save_profile(user_id(app), "Dr Anna Berg", "Physiotherapist, MSc")
        results = {k: db.session.get(Assessment, i).result for k, i in ids.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    pdfs = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/people/{pid}/history")  # -> the login page, then back here
        page.fill("input[name=name]", CLINICIAN)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/people/{pid}/history")
        # the person's page draws the hip hinge's trend chart (a canvas with something on it)
        drawn = page.evaluate("""() => {
            const c = document.getElementById('hinge-chart');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
            return n;
        }""")
        assert drawn > 2000
        page.locator("section.hinge-trend").screenshot(path=str(ARTIFACTS / "history_hinge_trend.png"))
        page.click("#visit-report")
        page.wait_for_url(f"{live_server.url}/people/{pid}/visit?day={DAY}")
        for paper in ("a4", "letter"):
            if paper == "letter":  # the page's own choice of paper
                page.select_option("select[name=paper]", "letter")
                page.click(".visit-choice button[type=submit]")
                page.wait_for_url(f"{live_server.url}/people/{pid}/visit?day={DAY}&paper=letter")
            page.wait_for_function("[...document.images].every((i) => i.complete && i.naturalWidth > 0)")
            pdfs[paper] = page.pdf(prefer_css_page_size=True, print_background=False)
        page.goto(f"{live_server.url}/people/{pid}/visit?day={DAY}")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 690, "height": 980})  # A4's width between the margins, at 96 dpi
        page.screenshot(path=str(ARTIFACTS / "visit_report.png"), full_page=True)
        browser.close()
    (ARTIFACTS / "visit_report.pdf").write_bytes(pdfs["a4"])
    assert errors == []

    th = thresholds(app.config)
    for paper, data in pdfs.items():
        reader = PdfReader(io.BytesIO(data))
        pages = [flat(pg.extract_text()) for pg in reader.pages]
        text = " ".join(pages)
        width_mm, height_mm = (float(v) / POINTS_PER_MM for v in reader.pages[0].mediabox[2:])
        assert (round(width_mm), round(height_mm)) == tuple(round(v) for v in PAPER_MM[paper]), paper
        # the head: person, day, clinician, clinic
        first = pages[0]
        for words in ("Praxis Nord", "Hauptstraße 5, 20095 Hamburg", "Visit report", "Müller, Jörg, born 1970",
                      f"Date of the visit {DAY}", "Clinician Dr Anna Berg, Physiotherapist, MSc"):
            assert words in first, (paper, words)
        # the comparison of the same visit and mode, with both dates
        left, right = results["left"]["slr_angle_deg"], results["right"]["slr_angle_deg"]
        assert flat(side_difference(left, right, th, DAY, DAY)[1]) in first
        # each test on a page of its own, after the summary, with its figures, key frame and notes
        starts = {}
        for k, title in (("left", "SLR left (passive)"), ("right", "SLR right (passive)"), ("hinge", "Hip hinge 1")):
            found = [i for i, t in enumerate(pages) if i > 0 and title in t and NOTES[k][:30] in text]
            assert found, (paper, title)
            starts[k] = found[0]
        assert 0 < starts["left"] < starts["right"] < starts["hinge"], (paper, starts)
        for k in ("left", "right"):
            body = " ".join(pages[starts[k]:starts.get({"left": "right", "right": "hinge"}[k])])
            assert f"{results[k]['slr_angle_deg']:.1f}°" in body and f"{results[k]['max_hip_flexion_deg']:.1f}°" in body
            assert NOTES[k] in body
            assert len(reader.pages[starts[k]].images) >= 1, (paper, k)  # the key frame
        hinge = " ".join(pages[starts["hinge"]:])
        reps_page = pages[starts["hinge"]]  # the repetitions' table is not cut
        for rep in results["hinge"]["reps"]:
            for key in ("max_hip_flexion_deg", "max_trunk_inclination_deg"):
                assert f"{rep[key]:.1f}°" in reps_page
        assert NOTES["hinge"] in hinge and len(reader.pages[starts["hinge"]].images) >= 1
        assert "Hansberger et al. 2019" in hinge and "Sources of the interpretation" in hinge
        assert "Log out" not in text and "Print" not in text.replace("printed", "")  # no page controls on paper
