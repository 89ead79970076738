"""`gtemu lint` knows the V2 elements: their attributes, AWS's rule for what may stand beside
them, and the preview's answer checks."""

from __future__ import annotations

import json

from emulator.cli import main
from worker_ui.lint import check_answer, scan_page

BAD_RANKING = """<script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>
<crowd-form>
  <crowd-text-ranking text='{{ task.input.source }}' responses='{{ task.input.responses }}'
    ordinal-ranking-dimensions='[{"name":"Clarity","allowTie":true}]'></crowd-text-ranking>
  <crowd-input name="comment" label="Comment"></crowd-input>
  <crowd-button>Help</crowd-button>
</crowd-form>
"""


def _lint(tmp_path, capsys, template, task_input):
    (tmp_path / "template.html").write_text(template)
    (tmp_path / "input.json").write_text(json.dumps(task_input))
    code = main(["lint", "--input", str(tmp_path / "input.json"),
                 str(tmp_path / "template.html")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_our_templates_lint_clean(tmp_path, capsys, genai):
    code, out = _lint(tmp_path, capsys, genai.ranking_template, genai.prompts[0])
    assert code == 0, out
    assert "0 error(s), 0 warning(s), 1 sample(s) rendered" in out
    code, out = _lint(tmp_path, capsys, genai.qa_template, genai.passages[0])
    assert code == 0, out
    assert "0 error(s), 0 warning(s)" in out


def test_missing_name_unparsable_responses_and_v1_neighbours(tmp_path, capsys):
    code, out = _lint(tmp_path, capsys, BAD_RANKING, {"source": "Best?", "responses": "a, b"})
    assert code == 1
    assert "template.html:3:3: error: <crowd-text-ranking> requires the attribute 'name'" in out
    assert "error: 'responses' of <crowd-text-ranking> is not valid JSON after rendering" in out
    assert ("template.html:5:3: warning: <crowd-input> cannot stand beside Crowd HTML Elements "
            "V2 (<crowd-text-ranking>)") in out
    assert "<crowd-button> cannot stand" not in out


def test_responses_that_are_json_but_not_an_array_of_strings(tmp_path, capsys):
    code, out = _lint(tmp_path, capsys, BAD_RANKING, {"source": "Best?", "responses": "{}"})
    assert code == 1
    assert ("error: 'responses' of <crowd-text-ranking> is not a JSON array after rendering "
            "(it is an object, not a JSON array): '{}'") in out
    code, out = _lint(tmp_path, capsys, BAD_RANKING, {"source": "Best?", "responses": '["a", 1]'})
    assert code == 1
    assert '<crowd-text-ranking>: "responses" must be a JSON array of strings' in out


def test_preview_checks_a_v2_answer_against_its_contract(genai):
    page = scan_page("""<crowd-form><crowd-text-ranking name="r" responses='["a","b"]'
        ordinal-ranking-dimensions='[{"name":"Clarity","allowTie":false}]'></crowd-text-ranking>
        </crowd-form>""")
    tie = {"ordinalRankingDimensions": [
        {"name": "Clarity", "allowTie": False, "responseRankings": [1, 1]}]}
    (check,) = check_answer(tie, page)
    assert (check.key, check.ok) == ("ordinalRankingDimensions", False)
    assert "does not allow ties" in check.message
    tie["ordinalRankingDimensions"][0]["responseRankings"] = [2, 1]
    (check,) = check_answer(tie, page)
    assert check.ok
