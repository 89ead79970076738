"""The V2 elements in a real Chromium: ranking with the mouse and with keys (ties only where
allowed, submit refused until complete) and question–answer pairs with highlighted references
(every word limit shown and enforced)."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

V2_PAGE = """<html><head>
<script>window.GTEMU_TASK = {submitUrl: '/submit', csrfToken: 't', mode: 'submit'};</script>
<script src="/crowd/crowd-html-elements-v2.js"></script>
</head><body><crowd-form>%s</crowd-form></body></html>"""

RANKING = """<crowd-text-ranking name="rank" text="Which fruit is yellow?"
  responses='["A banana.", "A lemon, usually.", "Grass."]'
  ordinal-ranking-dimensions='[{"name":"Clarity","allowTie":true},{"name":"Accuracy","allowTie":false}]'>
  <short-instructions><p>Best first.</p></short-instructions>
</crowd-text-ranking>"""

PASSAGE = "Marie Curie was born in Warsaw in 1867. She won two Nobel Prizes."
QA = f"""<crowd-question-answer-generation name="qa" text="{PASSAGE}"
  min-questions="1" max-questions="2" question-min-words="3" question-max-words="6"
  answer-min-words="1" answer-max-words="3" question-tags='["Who", "Where"]'
  allow-custom-question-tags="false"></crowd-question-answer-generation>"""


def open_page(page: Page, task_site, element: str) -> None:
    page.goto(task_site.page_url(V2_PAGE % element, raw=True))
    page.evaluate("window.gtemuCrowd.ready")


def posted(task_site) -> list:
    return [json.loads(s.task_answers) for s in task_site.submissions]


def item(page: Page, dimension: int, response: int, where: str = ""):
    return page.locator(
        f"crowd-text-ranking .dimension[data-dimension='{dimension}'] {where} "
        f".item[data-response='{response}']")


def drag(page: Page, source, target, *, at: float = 0.5) -> None:
    """Drags `source` with the mouse and drops it `at` a fraction of `target`'s height."""
    start = source.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + start["height"] / 2)
    page.mouse.down()
    end = target.bounding_box()
    page.mouse.move(end["x"] + 20, end["y"] + end["height"] * at, steps=8)
    page.mouse.up()


def submit(page: Page) -> None:
    page.locator("crowd-button[form-action=submit]").click()


def test_rank_with_mouse_and_keys_ties_only_where_allowed(page, task_site):
    open_page(page, task_site, RANKING)
    expect(page.get_by_text("Which fruit is yellow?")).to_be_visible()
    submit(page)
    expect(page.get_by_text("Rank every response in Clarity: 3 not ranked yet.")).to_be_visible()
    assert task_site.submissions == []

    # Clarity, with the mouse: drag into the ranked list, before an item, then to the end.
    ranked = page.locator("crowd-text-ranking ol.ranked[data-dimension='0']")
    drag(page, item(page, 0, 1), ranked)
    drag(page, item(page, 0, 0), item(page, 0, 1, "ol.ranked"), at=0.2)
    drag(page, item(page, 0, 2), ranked, at=0.95)
    expect(ranked.locator(".item")).to_have_count(3)
    page.locator("crowd-text-ranking input.tie[data-dimension='0'][data-position='2']").check()

    # Accuracy, with keys: Enter ranks, ArrowUp moves up; T asks for a forbidden tie.
    item(page, 1, 0).focus()
    page.keyboard.press("Enter")
    item(page, 1, 2).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowUp")
    item(page, 1, 1).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("t")
    expect(page.get_by_text("Ties are not allowed in Accuracy.")).to_be_visible()
    expect(page.locator("crowd-text-ranking input.tie[data-dimension='1']")).to_have_count(0)

    submit(page)
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    assert posted(task_site) == [[{"ordinalRankingDimensions": [
        {"name": "Clarity", "allowTie": True, "responseRankings": [1, 2, 2]},
        {"name": "Accuracy", "allowTie": False, "responseRankings": [2, 3, 1]},
    ]}]]


def highlight(page: Page, text: str) -> None:
    """Selects `text` in the passage by dragging the mouse across it, as a worker would."""
    box = page.evaluate("""(text) => {
        const passage = document.querySelector('crowd-question-answer-generation')
            .shadowRoot.querySelector('.passage');
        passage.scrollIntoView({block: 'center'});
        const start = passage.textContent.indexOf(text);
        const walker = document.createTreeWalker(passage, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let seen = 0;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const end = seen + node.data.length;
            if (start >= seen && start < end) range.setStart(node, start - seen);
            if (start + text.length > seen && start + text.length <= end) {
                range.setEnd(node, start + text.length - seen);
            }
            seen = end;
        }
        const rects = [...range.getClientRects()];
        const first = rects[0];
        const last = rects[rects.length - 1];
        return {left: first.left, y0: first.top + first.height / 2,
                right: last.right, y1: last.top + last.height / 2};
    }""", text)
    page.mouse.move(box["left"] + 1, box["y0"])
    page.mouse.down()
    page.mouse.move(box["right"] - 1, box["y1"], steps=5)
    page.mouse.up()


def test_question_answer_pairs_with_references_and_every_word_limit(page, task_site):
    open_page(page, task_site, QA)
    qa = page.locator("crowd-question-answer-generation")
    question = qa.locator(".pair[data-pair='0'] textarea.question")
    answer = qa.locator(".pair[data-pair='0'] textarea.answer")
    message = qa.locator(".pair[data-pair='0'] .pair-error")

    submit(page)
    expect(qa.locator("p.error")).to_have_text(
        "The question of pair 1 needs at least 3 word(s) (question-min-words); it has 0.")
    question.fill("Where born?")
    expect(message).to_contain_text("at least 3 word(s) (question-min-words); it has 2")
    question.fill("Where was Marie Curie born, exactly, please?")
    expect(message).to_contain_text("at most 6 word(s) (question-max-words); it has 7")
    question.fill("Where was Marie Curie born?")
    expect(message).to_contain_text("answer of pair 1 needs at least 1 word(s) (answer-min-words)")
    answer.fill("in the city of Warsaw")
    expect(message).to_contain_text("at most 3 word(s) (answer-max-words); it has 5")
    answer.fill("Warsaw")
    expect(message).to_be_empty()
    expect(qa.locator(".pair[data-pair='0'] .question-count")).to_have_text("5 words (3–6)")

    highlight(page, "Warsaw")
    qa.locator(".pair[data-pair='0'] .add-reference").click()
    expect(qa.locator(".passage mark")).to_have_text("Warsaw")
    expect(qa.locator(".pair[data-pair='0'] .references li")).to_contain_text("“Warsaw”")
    qa.locator(".pair[data-pair='0'] select.tag").select_option("Where")

    add = qa.locator("button.add-pair")
    add.click()
    add.click()
    expect(qa.locator("p.error")).to_have_text("At most 2 question–answer pair(s) (max-questions).")
    qa.locator(".pair[data-pair='1'] textarea.question").fill("Who won two Nobel Prizes?")
    qa.locator(".pair[data-pair='1'] textarea.answer").fill("Marie Curie")
    highlight(page, "She won two Nobel Prizes")
    qa.locator(".pair[data-pair='1'] .add-reference").click()
    expect(qa.locator(".passage mark")).to_have_count(2)

    submit(page)
    expect(page.locator("crowd-alert[type=success]")).to_be_visible()
    warsaw = PASSAGE.index("Warsaw")
    she = PASSAGE.index("She won")
    assert posted(task_site) == [[{"questionAnswerPairs": [
        {"question": "Where was Marie Curie born?", "answer": "Warsaw", "tags": ["Where"],
         "references": [{"startOffset": warsaw, "endOffset": warsaw + 6}]},
        {"question": "Who won two Nobel Prizes?", "answer": "Marie Curie", "tags": [],
         "references": [{"startOffset": she, "endOffset": she + len("She won two Nobel Prizes")}]},
    ]}]]


def test_the_preview_shows_the_ranking_answer_live(page, live_server, tmp_path):
    from worker_ui.preview import PreviewSession, PreviewSource, create_preview_app

    template = tmp_path / "ranking.liquid.html"
    template.write_text("""<script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>
<crowd-form><crowd-text-ranking name="rank" text="{{ task.input.source }}"
  responses='{{ task.input.responses | to_json }}'
  ordinal-ranking-dimensions='[{"name":"Clarity","allowTie":false}]'></crowd-text-ranking>
</crowd-form>""")
    sample = tmp_path / "input.json"
    sample.write_text(json.dumps({"source": "Pick one", "responses": ["Yes.", "No."]}))
    session = PreviewSession(PreviewSource(template, input_file=sample))
    page.goto(live_server(create_preview_app(session)) + "/preview/")
    expect(page.locator("#status")).to_have_text("watching for changes")
    task = page.frame_locator("#task")
    task.locator("crowd-text-ranking .pool .item[data-response='1']").focus()
    page.keyboard.press("Enter")
    answer = page.locator("#answer-json")
    expect(answer).to_contain_text('"responseRankings": [\n        null,\n        1\n      ]')
    task.locator("crowd-text-ranking .pool .item[data-response='0']").focus()
    page.keyboard.press("Enter")
    expect(answer).to_contain_text('"responseRankings": [\n        2,\n        1\n      ]')
    expect(page.locator("#answer-checks")).to_contain_text(
        "matches the output contract of <crowd-text-ranking>")
    page.goto("about:blank")  # leave before the server stops (its long poll stays quiet)


PORTAL_RANKING = """<script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>
<link rel="stylesheet" href="https://assets.crowd.aws/css/crowd-html-elements-v2.css" />
<crowd-form>
  <crowd-text-ranking name="rank" text="{{ task.input.source }}"
    responses='{{ task.input.responses | to_json }}'
    ordinal-ranking-dimensions='[{"name":"Clarity","allowTie":false}]'>
    <short-instructions><p>Best first.</p></short-instructions>
  </crowd-text-ranking>
</crowd-form>"""


def test_a_ranking_task_in_the_worker_portal_reaches_s3(groundtruth, live_server, page,
                                                         page_log):
    from worker_ui.app import create_app

    gt = groundtruth
    portal = live_server(create_app({"SECRET_KEY": "genai", "PORTAL_POLL_SECONDS": 0.2}))
    line = {"source": "Say hello", "responses": ["Hello!", "Go away."]}
    uris = gt.upload_inputs([line], template=PORTAL_RANKING)
    gt.create_job("ranking", uris, task_type="PassThrough", workers_per_object=1)
    gt.engine.pump()
    page.goto(portal + "/")
    page.get_by_label("User name").fill("alice")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Start working").click()
    frame = page.frame_locator("#task-frame")
    expect(frame.get_by_text("Say hello")).to_be_visible()
    frame.locator("crowd-text-ranking .pool .item[data-response='0']").focus()
    page.keyboard.press("Enter")
    frame.locator("crowd-text-ranking .pool .item[data-response='1']").focus()
    page.keyboard.press("Enter")
    frame.locator("crowd-button[form-action=submit]").click()
    expect(page).to_have_url(f"{portal}/jobs")
    gt.advance(31)
    (output,) = gt.output_manifest("ranking")
    answers = gt.read_json(output["ranking-metadata"]["worker-response-ref"])["answers"]
    assert answers[0]["answerContent"] == {"ordinalRankingDimensions": [
        {"name": "Clarity", "allowTie": False, "responseRankings": [1, 2]}]}
    assert not [url for url in page_log.blocked_requests if "assets.crowd.aws" in url]
    page.goto("about:blank")
