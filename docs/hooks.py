"""mkdocs hook: pages include sections of README.md and bench/RESULTS.md.

A line ``<!-- include FILE -->`` is replaced by FILE (relative to the repository
root); ``<!-- include FILE#Heading -->`` by the ``## Heading`` section of FILE, up
to the next heading of the same level. README.md's set-up and quickstart stay the
one source of that text, so the site cannot drift from it. Links written relative to the
repository root (``docs/gallery.png``, ``bench/RESULTS.md``) are rewritten to the
including page. A missing file or section raises, which fails the build.
"""

from __future__ import annotations

import pathlib
import posixpath
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
_INCLUDE = re.compile(r"^<!-- include (?P<file>[^#\s]+)(?:#(?P<section>[^>]+?))? -->$",
                      re.M)
# repository-root paths that the site serves under another name
_SITE_PATHS = {"bench/RESULTS.md": "benchmarks.md", "README.md": "index.md"}


def _section(text: str, heading: str, file: str) -> str:
  lines = text.splitlines()
  for i, line in enumerate(lines):
    m = re.match(r"^(#+) (.*)$", line)
    if m and m.group(2).strip() == heading:
      level = len(m.group(1))
      end = len(lines)
      for j in range(i + 1, len(lines)):
        n = re.match(r"^(#+) ", lines[j])
        if n and len(n.group(1)) <= level and not _in_fence(lines, j):
          end = j
          break
      return "\n".join(lines[i:end])
  raise ValueError(f"docs/hooks.py: no heading {heading!r} in {file}")


def _in_fence(lines: list[str], j: int) -> bool:
  return sum(1 for line in lines[:j] if line.startswith("```")) % 2 == 1


def _relink(text: str, page_uri: str) -> str:
  page_dir = posixpath.dirname(page_uri)

  def fix(m: re.Match) -> str:
    target = m.group(2)
    if re.match(r"^[a-z]+:|^#|^/", target):
      return m.group(0)
    path, _, anchor = target.partition("#")
    site = _SITE_PATHS.get(path)
    if site is None and path.startswith("docs/"):
      site = path[len("docs/"):]
    if site is None:
      return m.group(0)
    rel = posixpath.relpath(site, page_dir or ".")
    return f"{m.group(1)}({rel}{'#' + anchor if anchor else ''})"

  return re.sub(r"(!?\[[^\]]*\])\(([^)\s]+)\)", fix, text)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001
  def include(m: re.Match) -> str:
    file = m.group("file")
    path = ROOT / file
    if not path.is_file():
      raise ValueError(f"docs/hooks.py: {page.file.src_uri} includes missing {file}")
    text = path.read_text()
    if m.group("section"):
      text = _section(text, m.group("section").strip(), file)
    return _relink(text, page.file.src_uri)

  return _INCLUDE.sub(include, markdown)
