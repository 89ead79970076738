"""Reading answers for offline consolidation: a Ground Truth output folder or a payload file.

A folder (local or `s3://`) is read one worker-response file at a time (spec §5.3), so only the
answers themselves are kept in memory. Every unreadable or malformed file is reported with its
path; the caller decides whether that is fatal.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from consolidation.answers import object_sort_key

WORKER_RESPONSE = "annotations/worker-response"
READ_THREADS = 8
READ_BLOCK = 1024  # files in flight at most
READ_CHUNK = 64  # files per thread task
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
    """Label strings of a label category file (spec §3.4), or of a JSON list of strings."""
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
    """The JSON array of a consolidation-request file (spec §2.6, §5.4)."""
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

    In object order, answers in file order (submission order, spec §5.3).

    Files are read a block at a time by a few threads (file systems and S3 answer many small
    reads faster in parallel) and parsed in order. `on_error` receives each malformed file's
    error (raise from it to stop).
    """
    store = _store_for(root)
    files = store.response_files()
    if not files:
        raise SourceError(root, f"no {WORKER_RESPONSE}/iteration-*/<id>/*.json files found")
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        for start in range(0, len(files), READ_BLOCK):
            block = files[start : start + READ_BLOCK]
            bodies = chain.from_iterable(
                pool.map(lambda chunk: [_read_or_error(store, f.location) for f in chunk],
                         _chunks(block, READ_CHUNK))
            )
            for response, body in zip(block, bodies, strict=True):
                try:
                    if isinstance(body, SourceError):
                        raise body
                    yield _answers_from_response(response, body)
                except SourceError as error:
                    on_error(error)


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _read_or_error(store: _LocalStore | _S3Store, location: str) -> bytes | SourceError:
    try:
        return store.read(location)
    except SourceError as error:
        return error


def read_intermediate_lines(root: str) -> dict[str, dict[str, Any]]:
    """Input lines recorded in `annotations/intermediate/<k>/annotations.json` (spec §5.6)."""
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


def _answers_from_response(
    response: ResponseFile, body: bytes
) -> tuple[str, list[tuple[str, dict]]]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise SourceError(response.location, f"not valid JSON: {error}") from None
    try:
        answers = [(answer["workerId"], answer["answerContent"]) for answer in document["answers"]]
    except (TypeError, KeyError):
        answers = None
    if answers is None or not all(
        type(worker_id) is str and type(content) is dict for worker_id, content in answers
    ):
        raise SourceError(
            response.location,
            "expected {\"answers\": [...]} where every answer has a string `workerId` "
            "and an object `answerContent`",
        )
    return response.dataset_object_id, answers


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

    def response_files(self) -> list[ResponseFile]:
        folder = self._folder(WORKER_RESPONSE)
        if folder is None:
            return []
        object_folders = []
        for iteration_entry in os.scandir(folder):
            match = re.fullmatch(r"iteration-(\d+)", iteration_entry.name)
            if match and iteration_entry.is_dir():
                object_folders.extend(
                    (int(match[1]), entry.name, entry.path)
                    for entry in os.scandir(iteration_entry.path)
                    if entry.is_dir()
                )
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            listings = chain.from_iterable(pool.map(
                lambda chunk: [sorted(os.listdir(path)) for _, _, path in chunk],
                _chunks(object_folders, READ_CHUNK),
            ))
            files = [
                ResponseFile(iteration, object_id, os.path.join(path, name))
                for (iteration, object_id, path), names in zip(
                    object_folders, listings, strict=True
                )
                for name in names
                if name.endswith(".json")
            ]
        return sorted(files, key=_sort_key)

    def intermediate_files(self) -> list[str]:
        folder = self._folder("annotations/intermediate")
        if folder is None:
            return []
        found = [str(path) for path in folder.glob("*/annotations.json")]
        return sorted(found, key=lambda path: int(Path(path).parent.name))

    def read(self, location: str) -> bytes:
        try:
            return Path(location).read_bytes()
        except OSError as error:
            raise SourceError(location, f"cannot read: {error.strerror}") from None


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
