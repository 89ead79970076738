"""Reading answers for offline consolidation: a Ground Truth output folder or a payload file.

A folder (local or `s3://`) is read one worker-response file at a time
(docs/engine.md#worker-response-files), so only the answers themselves are kept in memory. Every
unreadable or malformed file is reported with its path; the caller decides whether that is fatal.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import orjson

from consolidation.answers import RESPONSE_SHAPE, AnswerFormatError, AnswerIndex, object_sort_key

WORKER_RESPONSE = "annotations/worker-response"
READ_THREADS = 8
READ_BLOCK = 1024  # files in flight at most
READ_CHUNK = 64  # files per thread task
READ_SIZE = 1 << 16  # bytes per read call
_RESPONSE_FILE = re.compile(r"(?:^|/)iteration-(\d+)/([^/]+)/([^/]+\.json)$")
_INTERMEDIATE_FILE = re.compile(r"(?:^|/)annotations/intermediate/(\d+)/annotations\.json$")


class SourceError(ValueError):
    """A source file that cannot be used; `location` names it (path, `s3://` URI, line)."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


@dataclass
class ResponseFile:
    iteration: int
    dataset_object_id: str
    location: str


def read_label_categories(path: str) -> list[str]:
    """Label strings of a label category file (docs/engine.md#the-label-category-file), or of a JSON
    list of strings."""
    try:
        document = json.loads(_read_bytes(path))
    except (OSError, ValueError) as error:
        raise SourceError(path, f"cannot read the label category file: {error}") from None
    labels = document.get("labels") if isinstance(document, dict) else document
    if not isinstance(labels, list) or not labels:
        raise SourceError(path, "expected a JSON object with a non-empty `labels` list")
    names = [entry.get("label") if isinstance(entry, dict) else entry for entry in labels]
    if not all(isinstance(name, str) for name in names):
        raise SourceError(path, 'every entry of `labels` must be {"label": "<text>"} or a string')
    if len(set(names)) != len(names):
        raise SourceError(path, "labels must be unique")
    return names


def is_payload_file(source: str) -> bool:
    """A single `.json` file (a consolidation request) rather than an output folder."""
    if source.startswith("s3://"):
        return source.endswith(".json")
    return Path(source).is_file()


def read_payload_items(source: str) -> list[dict[str, Any]]:
    """The JSON array of a consolidation-request file
    (docs/engine.md#consolidation-request-files)."""
    try:
        items = json.loads(_read_bytes(source))
    except (OSError, ValueError) as error:
        raise SourceError(source, f"not a readable JSON file: {error}") from None
    if not isinstance(items, list):
        raise SourceError(source, "a consolidation payload must be a JSON array")
    return items


def iter_folder_answers(
    root: str, on_error: Callable[[SourceError], None]
) -> Iterator[tuple[str, list[tuple[str, dict]]]]:
    """(datasetObjectId, [(workerId, answer object)]) of every worker-response file under `root`.

    In object order, answers in file order (submission order, docs/engine.md#worker-response-files).
    Files are listed and read as they are needed, so memory holds one block of files at a time.
    `on_error` receives each malformed file's error (raise from it to stop).
    """
    found = False
    for location, dataset_object_id, body in _store_for(root).response_bodies():
        found = True
        try:
            if isinstance(body, SourceError):
                raise body
            yield dataset_object_id, _answers_from_response(location, body)
        except SourceError as error:
            on_error(error)
    if not found:
        raise SourceError(root, f"no {WORKER_RESPONSE}/iteration-*/<id>/*.json files found")


def index_folder_answers(
    root: str, index: AnswerIndex, on_error: Callable[[SourceError], None]
) -> None:
    """Add every worker-response file under `root` to `index`, in object order.

    `iter_folder_answers` + `AnswerIndex.add_answers` in one pass over each file.
    """
    found = False
    with garbage_collection_paused():
        for location, dataset_object_id, body in _store_for(root).response_bodies():
            found = True
            try:
                if isinstance(body, SourceError):
                    raise body
                try:
                    document = _parse_json(body)
                except ValueError as error:
                    raise SourceError(location, f"not valid JSON: {error}") from None
                try:
                    index.add_response(dataset_object_id, document)
                except AnswerFormatError as error:
                    raise SourceError(location, str(error)) from None
            except SourceError as error:
                on_error(error)
    if not found:
        raise SourceError(root, f"no {WORKER_RESPONSE}/iteration-*/<id>/*.json files found")


# Objects left in the young generation by a block, above which moving them to the oldest
# generation (O(1)) is worth asking whether anything is frozen (O(frozen objects)).
_MANY_OBJECTS = 100_000


@contextlib.contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    Reading 100,000 answer files creates millions of small containers, none of them in a
    cycle; collections would traverse the growing index again and again (a fifth of the time)
    without freeing anything. Reference counting still frees every parsed file.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # A block that kept many objects: move them straight to the oldest generation, where
        # they would end up anyway, rather than have the next allocation traverse them all
        # once. Only when nothing else is frozen (unfreeze would thaw it too), and only then
        # ask: gc.get_freeze_count() walks every frozen object (30 ms for a test session's
        # frozen heap, paid by every small consolidation before this check came first).
        if collecting and gc.get_count()[0] > _MANY_OBJECTS and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def read_intermediate_lines(root: str) -> dict[str, dict[str, Any]]:
    """Input lines recorded in `annotations/intermediate/<k>/annotations.json`
    (docs/engine.md#the-intermediate-annotation-index)."""
    store = _store_for(root)
    lines: dict[str, dict[str, Any]] = {}
    for location in store.intermediate_files():
        for number, text in enumerate(store.read(location).decode("utf-8").splitlines(), 1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                lines[str(record["datasetObjectId"])] = json.loads(record["manifestLine"])
            except (ValueError, KeyError, TypeError) as error:
                raise SourceError(f"{location} line {number}", f"malformed: {error}") from None
    return lines


def _parse_json(body: bytes) -> Any:
    """`json.loads(body)`, faster: orjson parses the plain UTF-8 JSON that Ground Truth writes;
    whatever orjson refuses (a byte-order mark, UTF-16/32, NaN, huge integers, lone surrogates,
    or a real error) goes through `json.loads`, so results and error messages stay the standard
    library's."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _answers_from_response(location: str, body: bytes) -> list[tuple[str, dict]]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise SourceError(location, f"not valid JSON: {error}") from None
    answers = []
    try:
        for answer in document["answers"]:
            worker_id, content = answer["workerId"], answer["answerContent"]
            if type(worker_id) is not str or type(content) is not dict:
                raise TypeError
            answers.append((worker_id, content))
    except (TypeError, KeyError):
        raise SourceError(location, RESPONSE_SHAPE) from None
    return answers


def _store_for(root: str) -> _LocalStore | _S3Store:
    return _S3Store(root) if root.startswith("s3://") else _LocalStore(root)


def _sort_key(response: ResponseFile) -> tuple:
    return (object_sort_key(response.dataset_object_id), response.iteration, response.location)


class _LocalStore:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(root, "no such folder or file")

    def _folder(self, relative: str) -> Path | None:
        # `root` may be the job's output folder, its `annotations/` folder or the folder itself.
        tail = relative.rsplit("/", 1)[-1]
        for candidate in (self.root / relative, self.root / tail, self.root.parent / tail):
            if candidate.is_dir():
                return candidate
        return self.root if self.root.name == tail else None

    def response_bodies(self) -> Iterator[tuple[str, str, bytes | SourceError]]:
        """(path, datasetObjectId, content or error) of every response file, in object order.

        Plain sequential system calls: on a local disk they cost less CPU than threads, whose
        hand-overs of the interpreter lock cost more than the reads themselves.
        """
        folder = self._folder(WORKER_RESPONSE)
        if folder is None:
            return
        object_folders = []
        for iteration_entry in os.scandir(folder):
            match = re.fullmatch(r"iteration-(\d+)", iteration_entry.name)
            if match and iteration_entry.is_dir():
                iteration = int(match[1])
                object_folders.extend(
                    (entry.name, iteration, entry.path)
                    for entry in os.scandir(iteration_entry.path)
                    if entry.is_dir()
                )
        _sort_object_folders(object_folders)
        for object_id, _, path in object_folders:
            try:
                names = os.listdir(path)
            except OSError as error:
                yield path, object_id, SourceError(path, f"cannot read: {error.strerror}")
                continue
            if len(names) > 1:
                names.sort()
            for name in names:
                if not name.endswith(".json"):
                    continue
                location = f"{path}{os.sep}{name}"
                yield location, object_id, _read_local(location)

    def intermediate_files(self) -> list[str]:
        folder = self._folder("annotations/intermediate")
        if folder is None:
            return []
        found = [str(path) for path in folder.glob("*/annotations.json")]
        return sorted(found, key=lambda path: int(Path(path).parent.name))

    def read(self, location: str) -> bytes:
        body = _read_local(location)
        if isinstance(body, SourceError):
            raise body
        return body


def _sort_object_folders(folders: list[tuple[str, int, str]]) -> None:
    """Sort (object id, iteration, path) by `object_sort_key`, then iteration.

    Numeric ids (the usual case) sort by one integer each, several times faster than tuples.
    """
    if all(object_id.isdecimal() for object_id, _, _ in folders):
        iterations = max((iteration for _, iteration, _ in folders), default=0) + 1
        folders.sort(key=lambda folder: int(folder[0]) * iterations + folder[1])
    else:
        folders.sort(key=lambda folder: (object_sort_key(folder[0]), folder[1], folder[2]))


def _read_local(location: str) -> bytes | SourceError:
    """A file's bytes with two system calls for a small file (a third of `open().read()`)."""
    try:
        descriptor = os.open(location, os.O_RDONLY)
        try:
            body = os.read(descriptor, READ_SIZE)
            if len(body) == READ_SIZE:
                parts = [body]
                while part := os.read(descriptor, READ_SIZE):
                    parts.append(part)
                body = b"".join(parts)
        finally:
            os.close(descriptor)
    except OSError as error:
        return SourceError(location, f"cannot read: {error.strerror}")
    return body


class _S3Store:
    def __init__(self, root: str) -> None:
        import boto3

        self.bucket, _, prefix = root.removeprefix("s3://").partition("/")
        self.prefix = prefix.rstrip("/")
        self.client = boto3.client("s3")

    def _keys(self) -> list[str]:
        if not hasattr(self, "_cached_keys"):
            paginator = self.client.get_paginator("list_objects_v2")
            prefix = f"{self.prefix}/" if self.prefix else ""
            self._cached_keys = [
                entry["Key"]
                for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
                for entry in page.get("Contents", [])
            ]
        return self._cached_keys

    def response_files(self) -> list[ResponseFile]:
        files = []
        for key in self._keys():
            match = _RESPONSE_FILE.search(key)
            if match and "worker-response/" in key:
                files.append(
                    ResponseFile(int(match[1]), match[2], f"s3://{self.bucket}/{key}")
                )
        return sorted(files, key=_sort_key)

    def response_bodies(self) -> Iterator[tuple[str, str, bytes | SourceError]]:
        """(URI, datasetObjectId, content or error) of every response object, in object order.

        Objects are fetched a block at a time by a few threads: each GET waits on the network.
        """
        files = self.response_files()
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            for start in range(0, len(files), READ_BLOCK):
                block = files[start : start + READ_BLOCK]
                bodies = chain.from_iterable(pool.map(
                    lambda chunk: [self._read_or_error(f.location) for f in chunk],
                    _chunks(block, READ_CHUNK),
                ))
                for response, body in zip(block, bodies, strict=True):
                    yield response.location, response.dataset_object_id, body

    def _read_or_error(self, location: str) -> bytes | SourceError:
        try:
            return self.read(location)
        except SourceError as error:
            return error

    def intermediate_files(self) -> list[str]:
        found = [
            (int(match[1]), f"s3://{self.bucket}/{key}")
            for key in self._keys()
            if (match := _INTERMEDIATE_FILE.search(key))
        ]
        return [location for _, location in sorted(found)]

    def read(self, location: str) -> bytes:
        key = location.removeprefix(f"s3://{self.bucket}/")
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as error:  # botocore's ClientError and connection errors alike
            raise SourceError(location, f"cannot read: {error}") from None


def _read_bytes(path: str) -> bytes:
    if path.startswith("s3://"):
        import boto3

        bucket, _, key = path.removeprefix("s3://").partition("/")
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return Path(path).read_bytes()
