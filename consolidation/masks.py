"""Semantic-segmentation consolidation: several workers' label maps, pixel by pixel.

`SegmentationDawidSkene` is the estimator: a Dawid–Skene model in two stages. Pixels of one image
whose workers gave the same tuple of classes share their posterior, so both stages are fitted on
per-tuple counts (a few dozen per image) rather than on every pixel; the pixels are only touched to
count tuples and regions and to paint the result. Stage one weighs each worker by one accuracy over
pixels; stage two gives each worker a rate per true class (how often they miss an object, how often
they add one), counted over regions, because mask errors come in regions, not pixels.
`consolidate_segmentation` is the built-in ACS entry point (payload items in, label-map PNGs
written, ACS response out).
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from consolidation._grouping import cell_sums
from consolidation._payload import (
    AnswerFormatError,
    batch_ids,
    collect_answers,
    common_metadata,
    element_answer,
)
from consolidation.output import reported_confidence

SEMANTIC_SEGMENTATION = "groundtruth/semantic-segmentation"
BACKGROUND = "BACKGROUND"
BACKGROUND_COLOR = "#ffffff"
# Colours for labels no answer gave a colour for (what a user can tell apart on a white map).
FALLBACK_COLORS = (
    "#2ca02c", "#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
)
MAX_BINCOUNT_CODES = 1 << 22  # larger tuple spaces are counted with np.unique instead


class SegmentationDawidSkene:
    """Per-pixel class posteriors of images from several workers' label maps.

    Stage one (pixels): each worker has one accuracy a_w = P(worker paints the true class),
    shared by all pixels of all images, a wrong class being any other with equal chance (a
    "one-coin" worker), with `smoothing` pseudo-pixels at `accuracy_prior`; classes have a prior.
    EM from vote shares.

    Stage two (regions): each worker has a full confusion matrix, P(paints class l | true class
    k) (for an object class: how often they miss it; for background: how often they add an
    object), and classes a prior, both counted over *regions* instead of pixels. A region is a
    connected patch of an image where every answer keeps one class, looked for on a grid of about
    `region_grid` cells along the image's shorter side: a cell counts when its 8 neighbours have
    its tuple of classes, so the thin bands where boundaries were drawn a few pixels apart, and
    isolated noisy pixels, make no region. Pixel counts would not do: a missed object or a stray
    blob is thousands of pixels decided together and the background outweighs every object, so
    per-pixel rates of adding an object come out tiny and EM drifts to the union of the masks.
    Over regions, a miss and an addition count once each. Priors, worth `region_prior` regions
    each: the class prior is centred on uniform; each worker's accuracy over regions on
    `accuracy_prior`; each confusion row on the one-coin matrix of that accuracy (a handful of
    regions must not make a worker perfect). EM from stage one's posteriors. A tuple's posterior
    is prior x the product of its answers' confusion entries; all its pixels share it. When no
    image has a region (e.g. every answer is pixel noise), stage one's model stands. No
    randomness.

    `fit(label_maps, workers, n_classes=…)`: `label_maps[i]` is an integer array (answers x H x W)
    of image *i*, answer *j* painted by worker `workers[i][j]`. Images may differ in size and in
    their number of answers.

    Fitted attributes: `accuracy_` (workers; stage one's pixel accuracy), `confusion_` (workers x
    classes x classes) and `prior_` (classes), the ones the posteriors come from (stage two's;
    stage one's with `regions=False`), `regions_` (per image the number of regions counted;
    0 when stage two does not run),
    `confidence_` (per image: mean over its pixels of the winning class's posterior),
    `n_iter_` (both stages), `converged_` (both). `predict()` gives one label map per image;
    `predict_proba(i)` image *i*'s posteriors (H x W x classes).
    """

    def __init__(
        self,
        *,
        n_iter: int = 50,
        tol: float = 1e-5,
        accuracy_prior: float = 0.8,
        smoothing: float = 10.0,
        regions: bool = True,
        region_grid: int = 128,
        region_prior: float = 10.0,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.accuracy_prior = accuracy_prior
        self.smoothing = smoothing
        self.regions = regions
        self.region_grid = region_grid
        self.region_prior = region_prior

    def fit(
        self,
        label_maps: Sequence[np.ndarray],
        workers: Sequence[Sequence[int]],
        *,
        n_classes: int,
        n_workers: int | None = None,
    ) -> SegmentationDawidSkene:
        self.n_classes = n_classes
        self._codes: list[np.ndarray] = []
        self._shapes: list[tuple[int, ...]] = []
        self._entry_start: list[int] = []
        entry_object, entry_code, entry_count, entry_regions = [], [], [], []
        obs_entry, obs_worker, obs_label = [], [], []
        n_entries = 0
        for image, (maps, image_workers) in enumerate(zip(label_maps, workers, strict=True)):
            maps = np.asarray(maps)
            codes, present, counts = _tuple_codes(maps, n_classes)
            self._codes.append(codes)
            self._shapes.append(maps.shape[1:])
            self._entry_start.append(n_entries)
            k = present.size
            entry_object.append(np.full(k, image))
            entry_code.append(present)
            entry_count.append(counts)
            # Regions are counted only for stage two (one answer per object runs no EM).
            entry_regions.append(
                _region_counts(codes.reshape(maps.shape[1:]), k, self.region_grid)
                if self.regions and self.n_iter > 0 else np.zeros(k, np.int64))
            # the class each answer gave in each present tuple
            radix = n_classes ** np.arange(maps.shape[0], dtype=np.int64)
            labels = (present[:, None] // radix[None, :]) % n_classes  # entries x answers
            obs_entry.append(np.repeat(np.arange(n_entries, n_entries + k), maps.shape[0]))
            obs_worker.append(np.tile(np.asarray(image_workers, dtype=np.int64), k))
            obs_label.append(labels.ravel())
            n_entries += k
        self._entry_start.append(n_entries)
        self._entry_code = _concat(entry_code)
        counts = _concat(entry_count).astype(np.float64)
        entries = _concat(obs_entry)
        obs_workers = _concat(obs_worker)
        labels = _concat(obs_label)
        if n_workers is None:
            n_workers = int(obs_workers.max()) + 1 if obs_workers.size else 0
        posteriors = cell_sums(entries, labels, np.ones(labels.size), (n_entries, n_classes))
        posteriors /= np.maximum(posteriors.sum(1, keepdims=True), 1.0)
        self.n_iter_, self.converged_ = 0, False
        for _ in range(self.n_iter):
            self._m_step(posteriors, counts, entries, obs_workers, labels, n_workers)
            updated = self._e_step(entries, obs_workers, labels, n_entries)
            change = float(np.max(np.abs(updated - posteriors), initial=0.0))
            posteriors = updated
            self.n_iter_ += 1
            if change < self.tol:
                self.converged_ = True
                break
        if self.n_iter_ == 0:  # no EM (one answer per image): plain vote shares
            self.accuracy_ = np.ones(n_workers)
            self.confusion_ = np.broadcast_to(np.eye(n_classes), (n_workers, n_classes, n_classes))
            self.prior_ = np.full(n_classes, 1.0 / max(n_classes, 1))
        regions = _concat(entry_regions).astype(np.float64)
        self.regions_ = np.bincount(_concat(entry_object), weights=regions,
                                    minlength=len(self._codes)).astype(np.int64)
        if self.regions and self.n_iter_ > 0 and regions.any():
            posteriors = self._fit_regions(posteriors, regions, entries, obs_workers, labels,
                                           n_workers)
        self._posteriors = posteriors
        winning = posteriors.max(1) * counts
        per_image = np.bincount(_concat(entry_object), weights=winning, minlength=len(self._codes))
        pixels = np.bincount(_concat(entry_object), weights=counts, minlength=len(self._codes))
        self.confidence_ = per_image / np.maximum(pixels, 1.0)
        return self

    def predict(self) -> list[np.ndarray]:
        return [self.predict_image(image) for image in range(len(self._codes))]

    def predict_image(self, image: int) -> np.ndarray:
        """Label map (H x W, uint8 when the classes fit) of one fitted image."""
        start, stop = self._entry_start[image], self._entry_start[image + 1]
        dtype = np.uint8 if self.n_classes <= 256 else np.int32
        winners = np.argmax(self._posteriors[start:stop], axis=1).astype(dtype)  # ties: lower
        return winners[self._codes[image]].reshape(self._shapes[image])

    def predict_proba(self, image: int) -> np.ndarray:
        """Posteriors (H x W x classes) of one fitted image."""
        start, stop = self._entry_start[image], self._entry_start[image + 1]
        rows = self._posteriors[start:stop]
        return rows[self._codes[image]].reshape(*self._shapes[image], self.n_classes)

    def _fit_regions(self, posteriors, regions, entries, workers, labels, n_workers) -> np.ndarray:
        """Stage two: EM of per-class worker rates counted over regions (see the class)."""
        n_classes, n_entries = self.n_classes, posteriors.shape[0]
        strength = self.region_prior
        diagonal = np.arange(n_classes)
        converged = False
        for _ in range(self.n_iter):
            weighted = posteriors * regions[:, None]
            self.prior_ = (weighted.sum(0) + strength / n_classes) / (regions.sum() + strength)
            joint = np.stack([  # worker x true class x painted class, in regions
                cell_sums(workers, labels, weighted[entries, k], (n_workers, n_classes))
                for k in range(n_classes)], axis=1)
            accuracy = (joint[:, diagonal, diagonal].sum(1) + strength * self.accuracy_prior) \
                / (joint.sum((1, 2)) + strength)
            confusion = joint + strength * _one_coin(accuracy, n_classes)
            self.confusion_ = confusion / confusion.sum(2, keepdims=True)
            log_confusion = np.log(np.maximum(self.confusion_, 1e-12))  # region_prior=0 allowed
            log_posterior = np.stack([
                np.bincount(entries, weights=log_confusion[workers, k, labels],
                            minlength=n_entries)
                for k in range(n_classes)], axis=1)
            updated = _normalise_log(log_posterior + np.log(np.maximum(self.prior_, 1e-12)))
            change = float(np.max(np.abs(updated - posteriors), initial=0.0))
            posteriors = updated
            self.n_iter_ += 1
            if change < self.tol:
                converged = True
                break
        self.converged_ = self.converged_ and converged
        return posteriors

    def _m_step(self, posteriors, counts, entries, workers, labels, n_workers) -> None:
        n_classes = self.n_classes
        weighted = posteriors * counts[:, None]
        self.prior_ = (weighted.sum(0) + 1.0) / (counts.sum() + n_classes)
        agreed = np.bincount(workers, weights=weighted[entries, labels], minlength=n_workers)
        painted = np.bincount(workers, weights=counts[entries], minlength=n_workers)
        prior = self.accuracy_prior
        accuracy = (agreed + self.smoothing * prior) / (painted + self.smoothing)
        self.accuracy_ = np.clip(accuracy, 1e-6, 1.0 - 1e-6)
        self.confusion_ = _one_coin(self.accuracy_, n_classes)

    def _e_step(self, entries, workers, labels, n_entries) -> np.ndarray:
        n_classes = self.n_classes
        log_right = np.log(self.accuracy_)
        log_wrong = np.log((1.0 - self.accuracy_) / max(n_classes - 1, 1))
        # every class gets each answer's "wrong" term; the class it names gets the difference
        base = np.bincount(entries, weights=log_wrong[workers], minlength=n_entries)
        log_posterior = cell_sums(entries, labels, (log_right - log_wrong)[workers],
                                  (n_entries, n_classes))
        return _normalise_log(log_posterior + base[:, None] + np.log(self.prior_))


def _one_coin(accuracy: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrices (workers x classes x classes) of one-coin workers of these accuracies."""
    off = (1.0 - accuracy) / max(n_classes - 1, 1)
    confusion = np.repeat(off[:, None, None], n_classes, 1).repeat(n_classes, 2)
    diagonal = np.arange(n_classes)
    confusion[:, diagonal, diagonal] = accuracy[:, None]
    return confusion


def _normalise_log(log_posterior: np.ndarray) -> np.ndarray:
    log_posterior = log_posterior - log_posterior.max(1, keepdims=True)
    posterior = np.exp(log_posterior)
    return posterior / posterior.sum(1, keepdims=True)


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _tuple_codes(maps: np.ndarray, n_classes: int):
    """The tuples of classes the answers gave each pixel (one digit per answer, base n_classes).

    Returns (per pixel the index of its tuple among the present ones, in the smallest unsigned
    type that holds it; the codes of the present tuples; their pixel counts).
    """
    n_answers = maps.shape[0]
    space = n_classes ** n_answers
    flat = maps.reshape(n_answers, -1)
    codes = np.zeros(flat.shape[1], dtype=np.uint32 if space < (1 << 32) else np.int64)
    for answer in range(n_answers - 1, -1, -1):  # Horner: digit of answer j weighs n_classes**j
        codes *= n_classes
        codes += flat[answer]
    if space <= MAX_BINCOUNT_CODES:
        counts = np.bincount(codes, minlength=space)
        present = np.flatnonzero(counts)
        rank = np.zeros(space, dtype=_index_type(present.size))
        rank[present] = np.arange(present.size)
        return rank[codes], present, counts[present]
    present, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    return inverse.astype(_index_type(present.size)), present.astype(np.int64), counts


def _region_counts(index: np.ndarray, n_tuples: int, grid: int) -> np.ndarray:
    """How many regions of each present tuple an image has (`index`: tuple index per pixel).

    The image is sampled every `stride` pixels (about `grid` samples along its shorter side, so
    a region means the same thing at any resolution); a sample is a region's cell when its
    8 neighbours have its tuple, and a region is a 4-connected patch of such cells (neighbouring
    cells have the same tuple by construction). Bands narrower than about two strides, where
    boundaries were drawn a few pixels apart, and pixel noise thus make no region.
    """
    height, width = index.shape
    stride = max(1, min(height, width) // grid)
    cells = index[stride // 2::stride, stride // 2::stride]
    interior = np.ones(cells.shape, dtype=bool)
    head, tail, every = slice(1, None), slice(None, -1), slice(None)
    for one, other in (((head, every), (tail, every)), ((every, head), (every, tail)),
                       ((head, head), (tail, tail)), ((head, tail), (tail, head))):
        same = cells[one] == cells[other]  # each pair of neighbours, once per direction
        interior[one] &= same
        interior[other] &= same
    from scipy import ndimage  # imported where used (docs/interfaces.md#startup)

    patches, n_patches = ndimage.label(interior)
    tuple_of_patch = np.zeros(n_patches + 1, dtype=np.int64)
    tuple_of_patch[patches[interior]] = cells[interior]
    return np.bincount(tuple_of_patch[1:], minlength=n_tuples)


def _index_type(n: int) -> type:
    return np.uint8 if n <= 256 else np.uint16 if n <= 65536 else np.int64


# --- payload items ------------------------------------------------------------------------------


def _hex(color: Any) -> str | None:
    if isinstance(color, str) and len(color) == 7 and color.startswith("#"):
        try:
            int(color[1:], 16)
        except ValueError:
            return None
        return color.lower()
    return None


def decode_label_map(element: Mapping[str, Any], class_of_label: Mapping[str, int],
                     size: tuple[int, int] | None) -> np.ndarray:
    """Class index per pixel (H x W) of one `crowd-semantic-segmentation` answer.

    A pixel whose colour is a label's colour in `labelMappings` gets that label's class; any
    other pixel (white, transparent, an unknown colour) is background (0). A map of another size
    than `size` (width, height) is scaled to it, nearest pixel.
    """
    data = (element.get("labeledImage") or {}).get("pngImageData")
    if not isinstance(data, str):
        raise AnswerFormatError("labeledImage.pngImageData is missing")
    try:
        image = Image.open(io.BytesIO(base64.b64decode(data, validate=True)))
        image.load()
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError) as error:
        raise AnswerFormatError(f"labeledImage.pngImageData is not a base64 PNG: {error}") from None
    if size is not None and image.size != size:
        image = image.resize(size, Image.NEAREST)
    rgba = np.asarray(image.convert("RGBA"))
    code = (rgba[..., 0].astype(np.int32) << 16) | (rgba[..., 1].astype(np.int32) << 8) \
        | rgba[..., 2]
    labels = np.zeros(code.shape, dtype=np.uint8 if len(class_of_label) < 256 else np.int32)
    for label, mapping in (element.get("labelMappings") or {}).items():
        color = _hex(mapping.get("color")) if isinstance(mapping, Mapping) else None
        if color is None or label not in class_of_label:
            continue
        labels[code == int(color[1:], 16)] = class_of_label[label]
    labels[rgba[..., 3] < 128] = 0
    return labels


def encode_label_map(labels: np.ndarray, colors: Sequence[str]) -> bytes:
    """PNG of a label map: palette image whose index is the class and whose colour its hex-color."""
    image = Image.fromarray(labels.astype(np.uint8), mode="P")
    palette = [int(color[k:k + 2], 16) for color in colors for k in (1, 3, 5)]
    image.putpalette(palette + [0] * (768 - len(palette)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def label_colors(contents: Sequence[Mapping[str, Any]], label_categories: Sequence[str]):
    """hex-color per class: background white, each label the first colour an answer gave it."""
    colors: dict[str, str] = {}
    for content in contents:
        element = element_answer(content, "labelMappings") or {}
        for label, mapping in (element.get("labelMappings") or {}).items():
            color = _hex(mapping.get("color")) if isinstance(mapping, Mapping) else None
            if color and label not in colors:
                colors[label] = color
    return [BACKGROUND_COLOR] + [
        colors.get(label, FALLBACK_COLORS[k % len(FALLBACK_COLORS)])
        for k, label in enumerate(label_categories)
    ]


def consolidate_segmentation(
    batch: Sequence[Mapping[str, Any]],
    *,
    label_categories: Sequence[str],
    label_attribute_name: str,
    job_name: str,
    workers_per_object: int | None,
    now: datetime,
    evidence: Sequence[Mapping[str, Any]] | None = None,
    write_png: Callable[[str, bytes], str],
) -> list[dict[str, Any]]:
    """ACS response of a semantic-segmentation job; each object's label map goes to `write_png`.

    Fitted on `evidence` + `batch`; a PNG is written and a result returned for the objects of
    `batch` only. The label is `"<attr>-ref": <URI write_png returned>` (the label attribute as
    given when it already ends with `-ref`, else with `-ref` added) and the metadata
    `internal-color-map` (class index → `class-name`, `confidence`, `hex-color`; 0 is
    BACKGROUND), `type`, `human-annotated`, `creation-date`, `job-name`.
    """
    answers = collect_answers([*(evidence or []), *batch])
    class_of_label = {label: k + 1 for k, label in enumerate(label_categories)}
    n_classes = len(label_categories) + 1
    by_object: list[list[int]] = [[] for _ in answers.object_ids]
    for answer, obj in enumerate(answers.objects):
        by_object[obj].append(answer)
    label_maps, workers, answered = [], [], []
    for obj, object_answers in enumerate(by_object):
        elements = [(answer, element_answer(answers.contents[answer], "labeledImage"))
                    for answer in object_answers]
        elements = [(answer, element) for answer, element in elements if element is not None]
        if not elements:
            continue
        size = _image_size(elements[0][1])
        maps = []
        for _, element in elements:
            try:
                decoded = decode_label_map(element, class_of_label, size)
            except AnswerFormatError as error:
                raise AnswerFormatError(f"object {answers.object_ids[obj]}: {error}") from None
            size = size or (decoded.shape[1], decoded.shape[0])
            maps.append(decoded)
        label_maps.append(np.stack(maps))
        workers.append([answers.workers[answer] for answer, _ in elements])
        answered.append(obj)
    model = SegmentationDawidSkene(n_iter=0 if workers_per_object == 1 else 50)
    model.fit(label_maps, workers, n_classes=n_classes, n_workers=len(answers.worker_ids))
    fitted_row = {obj: row for row, obj in enumerate(answered)}
    row_of = {object_id: row for row, object_id in enumerate(answers.object_ids)}
    colors = label_colors(answers.contents, label_categories)
    names = [BACKGROUND, *label_categories]
    key = label_attribute_name if label_attribute_name.endswith("-ref") \
        else f"{label_attribute_name}-ref"
    response = []
    for object_id in batch_ids(batch):
        obj = row_of[object_id]
        if obj not in fitted_row:
            continue  # no segmentation answer to consolidate
        row = fitted_row[obj]
        uri = write_png(object_id, encode_label_map(model.predict_image(row), colors))
        confidence = reported_confidence(float(model.confidence_[row]), len(workers[row]))
        common = common_metadata(job_name, SEMANTIC_SEGMENTATION, now)
        metadata = {
            "internal-color-map": {
                str(k): {"class-name": names[k], "confidence": confidence, "hex-color": colors[k]}
                for k in range(n_classes)
            },
            **common,
        }
        content = {key: uri, f"{key}-metadata": metadata}
        response.append({"datasetObjectId": object_id,
                         "consolidatedAnnotation": {"content": content}})
    return response


def _image_size(element: Mapping[str, Any]) -> tuple[int, int] | None:
    properties = element.get("inputImageProperties")
    if isinstance(properties, Mapping):
        width, height = properties.get("width"), properties.get("height")
        if type(width) is int and type(height) is int and width > 0 and height > 0:
            return (width, height)
    return None
