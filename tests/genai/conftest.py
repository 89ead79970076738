"""Our own generative-AI task templates, written in the style of AWS's gen-ai samples, and the
inputs they label (the `genai` fixture)."""

from types import SimpleNamespace

import pytest

RANKING_TEMPLATE = """<html>
  <head>
    <meta charset="UTF-8" />
    <link rel="stylesheet" href="https://assets.crowd.aws/css/crowd-html-elements-v2.css" />
    <title>Rank the answers</title>
    <script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>
  </head>
  <body>
    <crowd-form>
      <crowd-text-ranking
        name="ranking"
        ordinal-ranking-dimensions='[{"name":"Helpfulness","allowTie":true},{"name":"Honesty","allowTie":false}]'
        text='{{ task.input.source }}'
        responses='{{ task.input.responses | to_json }}'
      >
        <short-instructions><p>Order the model's answers, best first.</p></short-instructions>
      </crowd-text-ranking>
    </crowd-form>
  </body>
</html>
"""

QA_TEMPLATE = """<html>
  <head>
    <link rel="stylesheet" href="https://assets.crowd.aws/css/crowd-html-elements-v2.css" />
    <title>Questions about a passage</title>
    <script src="https://assets.crowd.aws/crowd-html-elements-v2.js"></script>
  </head>
  <body>
    <crowd-form>
      <crowd-question-answer-generation
        name="pairs"
        text='{{ task.input.source }}'
        min-questions=1
        max-questions=3
        question-min-words=2
        question-max-words=12
        answer-min-words=1
        answer-max-words=6
        question-tags='["What", "Who", "Where"]'
        allow-custom-question-tags=false
        >
        <short-instructions><p>Write questions the passage answers.</p></short-instructions>
      </crowd-question-answer-generation>
    </crowd-form>
  </body>
</html>
"""

PROMPTS = [
    {"source": "How do I boil an egg?",
     "responses": ["Put it in boiling water for 8 minutes.", "Eggs are laid by hens.",
                   "Microwave it whole."]},
    {"source": "Name a prime number.",
     "responses": ["Seven.", "Nine.", "Four.", "Two."]},
]

PASSAGES = [
    {"source": "Marie Curie was born in Warsaw in 1867. She won two Nobel Prizes."},
    {"source": "The Danube flows through ten countries before it reaches the Black Sea."},
]


@pytest.fixture
def genai() -> SimpleNamespace:
    return SimpleNamespace(ranking_template=RANKING_TEMPLATE, qa_template=QA_TEMPLATE,
                           prompts=PROMPTS, passages=PASSAGES)
