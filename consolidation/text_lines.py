"""Output-manifest lines as text, from pre-serialised pieces
(docs/consolidation.md#output-manifest-lines).

`Consolidator.content` + `labeled_line` + `serialization.dumps` build one line through dicts, a
sort and a JSON encoder per object: about 30 µs, most of an offline run over 100,000 objects.
Here the reported confidences and label orders of every object come from a few array operations,
and each line is joined from strings serialised once (label names, confidences, the constant
metadata). The text is exactly `dumps(labeled_line(input_line, attribute, content))`: `dumps`
escapes inside strings only, so serialising the pieces separately gives the same characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from consolidation.acs import Consolidator
from consolidation.manifest import without_label
from consolidation.output import CONFIDENCE_CAP, job_name_value, round_half_up
from consolidation.serialization import creation_date, dumps

_CAP_HUNDREDTHS = round(CONFIDENCE_CAP * 100)
# How `json.dumps` writes each reported confidence (k / 100 for k hundredths).
_CONFIDENCE_TEXT = [repr(hundredths / 100.0) for hundredths in range(_CAP_HUNDREDTHS + 1)]


def reported_hundredths(posteriors: np.ndarray, n_answers: np.ndarray) -> np.ndarray:
    """`output.reported_confidence` of many posteriors at once, in hundredths (int64)."""
    values = np.asarray(posteriors, dtype=np.float64)
    hundredths = values * 100.0
    result = np.floor(hundredths + 0.5)
    # Near a half the float may sit just below it: decide on the shortest decimal form.
    for position in np.flatnonzero(np.abs(hundredths - np.floor(hundredths) - 0.5) <= 1e-6):
        result[position] = round(round_half_up(float(values[position])) * 100.0)
    np.minimum(result, _CAP_HUNDREDTHS, out=result)
    result[np.asarray(n_answers) <= 1] = 0
    return result.astype(np.int64)


class LineWriter:
    """Serialised output lines of a fitted `Consolidator`'s objects."""

    def __init__(self, consolidator: Consolidator, now: datetime) -> None:
        self.consolidator = consolidator
        attribute = consolidator.label_attribute_name
        self.attribute = attribute
        self._attribute_key = dumps(attribute) + ":"
        self._metadata_key = "," + dumps(f"{attribute}-metadata") + ":"
        job_name = dumps(job_name_value(consolidator.job_name))
        date = dumps(creation_date(now))
        output_type = dumps(consolidator.output_type)
        arrays = consolidator.arrays
        self.n_answers = np.fromiter(
            (len(consolidator.objects[object_id].worker_ids) for object_id in arrays.object_ids),
            np.int64, len(arrays.object_ids),
        )
        categories = consolidator.label_categories
        if consolidator.multi_label:
            self._metadata_start = '{"job-name":' + job_name + ',"class-map":{'
            self._metadata_middle = '},"human-annotated":"yes","creation-date":' + date
            self._metadata_middle += ',"confidence-map":{'
            self._metadata_end = '},"type":' + output_type + "}}\n"
            self._class_pieces = [
                f'"{label}":{dumps(name)}' for label, name in enumerate(categories)
            ]
            self._order_labels()
        else:
            self._metadata_middle = ',"job-name":' + job_name + ',"class-name":'
            self._metadata_end = (
                ',"human-annotated":"yes","creation-date":' + date + ',"type":' + output_type
                + "}}\n"
            )
            self._class_names = [dumps(name) for name in categories]
            self._single_label_confidences()

    def _order_labels(self) -> None:
        """Every object's reported labels: by confidence, ties by first selection
        (docs/consolidation.md#output-manifest-lines)."""
        consolidator, arrays = self.consolidator, self.consolidator.arrays
        n_labels = max(len(consolidator.label_categories), 1)
        selection_object = arrays.answer_object[arrays.selection_answer]
        cells, first = np.unique(
            selection_object * n_labels + arrays.selection_label, return_index=True
        )
        objects, labels = cells // n_labels, cells % n_labels
        posteriors = consolidator.posteriors[objects, labels].astype(np.float64)
        if consolidator.label_threshold is not None:
            kept = posteriors >= consolidator.label_threshold
            objects, labels, first, posteriors = (
                objects[kept], labels[kept], first[kept], posteriors[kept]
            )
        hundredths = reported_hundredths(posteriors, self.n_answers[objects])
        order = np.lexsort((first, -hundredths, objects))
        self._hundredths = hundredths[order].tolist()
        # Each reported label's three pieces of text, in line order.
        labels = labels[order].tolist()
        self._label_texts = [str(label) for label in labels]
        self._class_texts = [self._class_pieces[label] for label in labels]
        self._confidence_texts = [
            f'"{label}":{_CONFIDENCE_TEXT[value]}'
            for label, value in zip(labels, self._hundredths, strict=True)
        ]
        counts = np.bincount(objects, minlength=len(arrays.object_ids))
        self._offsets = np.concatenate([[0], np.cumsum(counts)]).tolist()

    def _single_label_confidences(self) -> None:
        consolidator = self.consolidator
        rows = np.arange(len(consolidator.arrays.object_ids))
        predicted = consolidator.predicted
        posteriors = consolidator.posteriors[rows, predicted] if rows.size else np.zeros(0)
        self._predicted = predicted.tolist()
        self._hundredths = reported_hundredths(posteriors, self.n_answers).tolist()
        self._has_known_answer = np.bincount(
            consolidator.arrays.answer_object, minlength=rows.size
        ).astype(bool).tolist()

    def labeled(self, row: int) -> bool:
        """Whether the object of `row` gets a label (`Consolidator.content` is not None)."""
        if self.n_answers[row] == 0:
            return False
        return self.consolidator.multi_label or self._has_known_answer[row]

    def line(self, row: int, input_line: dict[str, Any]) -> str:
        """The output line of a labeled object, newline included."""
        prefix = _line_start(input_line, self.attribute)
        if self.consolidator.multi_label:
            start, end = self._offsets[row], self._offsets[row + 1]
            return "".join((
                prefix, self._attribute_key, "[", ",".join(self._label_texts[start:end]), "]",
                self._metadata_key, self._metadata_start, ",".join(self._class_texts[start:end]),
                self._metadata_middle, ",".join(self._confidence_texts[start:end]),
                self._metadata_end,
            ))
        label = self._predicted[row]
        return "".join((
            prefix, self._attribute_key, str(label), self._metadata_key,
            '{"confidence":', _CONFIDENCE_TEXT[self._hundredths[row]], self._metadata_middle,
            self._class_names[label], self._metadata_end,
        ))

    def confidences(self, rows: Sequence[int]) -> list[float]:
        """Reported confidences of the given rows' lines, as floats."""
        if not self.consolidator.multi_label:
            return [self._hundredths[row] / 100.0 for row in rows]
        offsets, hundredths = self._offsets, self._hundredths
        return [
            value / 100.0 for row in rows for value in hundredths[offsets[row] : offsets[row + 1]]
        ]



def _line_start(input_line: dict[str, Any], attribute: str) -> str:
    """The serialised input line minus `<attr>`/`<attr>-metadata`, without its closing brace."""
    object_id = input_line.get("datasetObjectId")
    if len(input_line) == 1 and type(object_id) is str and object_id.isdigit():
        return f'{{"datasetObjectId":"{object_id}",'  # offline's stand-in line, nothing to escape
    text = dumps(without_label(input_line, attribute))
    return "{" if text == "{}" else text[:-1] + ","
