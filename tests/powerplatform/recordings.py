"""The response bodies recorded from Microsoft's services (shared/reference/recordings), read in place.

They are not copied into the project: tests that need them are skipped, saying why, where the
folder is absent. SOURCES.md beside them says which request each answers.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings

__all__ = ["RECORDINGS", "key_paths", "recorded", "requires_recordings"]

RECORDINGS = Path(settings.BASE_DIR).parent / "shared" / "reference" / "recordings"

requires_recordings = pytest.mark.skipif(
    not RECORDINGS.is_dir(), reason=f"no recorded responses at {RECORDINGS} (shared/reference/recordings)")

# Objects whose keys are data (connection reference ids, trigger and action names, table names),
# not schema: their children are compared as one "*".
MAPS = {"connectionReferences", "dataSets", "databaseReferences", "triggers", "actions", "parameters", "paths",
        "definitions", "swagger", "runtimeEndpoints", "clientUris", "dataSources", "referencedResources",
        "installedConnectionReferences", "extendedSettings"}
# Subtrees whose content is the maker's own (a definition's inputs, a connector's swagger): only
# their `type` is compared.
OPAQUE = ("properties.definition.triggers.*.", "properties.definition.actions.*.",
          "properties.connectionReferences.*.swagger.", "properties.connectionReferences.*.apiDefinition.",
          "properties.connectionParameters.", "properties.definition.parameters.*.")


def recorded(name):
    """The parsed body of recording `name`."""
    return json.loads((RECORDINGS / name).read_text())


def key_paths(value, prefix="", out=None):
    """Every key path in `value`: "properties.owner.id", lists as "[]", data-named keys as "*"."""
    out = set() if out is None else out
    if isinstance(value, dict):
        parent = prefix.rsplit(".", 1)[-1]
        for key, child in value.items():
            path = f"{prefix}.{'*' if parent in MAPS else key}" if prefix else key
            if path.startswith(OPAQUE) and not path.endswith(".type"):
                continue
            out.add(path)
            key_paths(child, path, out)
    elif isinstance(value, list):
        for child in value:
            key_paths(child, f"{prefix}[]", out)
    return out
