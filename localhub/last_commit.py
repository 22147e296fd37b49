"""The last commit that changed each path: ``lastCommit`` of tree / paths-info entries with ``expand``.

The Hub lists ``lastCommit`` ``{id, title, date}`` for each file and folder when asked with ``expand=True``
(HFH-2.4 ``hf_api.py`` ``get_paths_info`` / ``list_repo_tree`` docstrings and ``RepoFile`` / ``RepoFolder``
``last_commit``); the client's own "skip unchanged files" tests read it (HFH ``tests/test_hf_api.py``
``test_continue_commit_without_existing_files``, ``test_continue_commit_if_copy_is_identical``).
"""

from __future__ import annotations

from typing import Any

from localhub.storage import Commit, FileEntry, Store


def _state(tree: dict[str, FileEntry], path: str) -> Any:
    """What ``path`` holds in ``tree``: a file's entry, or a folder's sorted (path, entry) pairs."""
    if path in tree:
        return tree[path]
    prefix = path + "/"
    return tuple(sorted((p, e.to_json()) for p, e in tree.items() if p.startswith(prefix))) or None


def last_commits(store: Store, head: str, paths: list[str]) -> dict[str, Commit]:
    """For each of ``paths`` present at ``head``, the newest commit of its first-parent history that changed it."""
    pending = {p: _state(store.read_commit(head).tree, p) for p in paths}
    pending = {p: s for p, s in pending.items() if s is not None}
    found: dict[str, Commit] = {}
    for commit in store.history(head):
        parent = store.read_commit(commit.parents[0]).tree if commit.parents else {}
        for path, state in list(pending.items()):
            if _state(parent, path) != state:
                found[path] = commit
                del pending[path]
        if not pending:
            break
    return found


def last_commit_json(commit: Commit) -> dict[str, str]:
    """The ``lastCommit`` object of an entry."""
    return {"id": commit.id, "title": commit.title, "date": commit.date}
