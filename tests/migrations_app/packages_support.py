"""A stored legacy package of the maker persona's app, for the permission matrix and page tests."""

from django.core.files.base import ContentFile

from migrations_app.choices import PackageStatus
from migrations_app.models import LegacyPackage

__all__ = ["migtenant_objects", "migtenant_sample_kwargs"]


def migtenant_objects(app):
    package = LegacyPackage(app=app, item_name=app.display_name, status=PackageStatus.DONE, size=2, sha256="0" * 64)
    package.file.save("matrix-package.zip", ContentFile(b"PK"), save=True)
    return {"legacy_package": package}


def migtenant_sample_kwargs(fixtures):
    item = {"kind": "app", "pk": fixtures["app"].pk}
    code = {"code": fixtures["legacy_package"].code}
    return {"migrations_app:package-new": item, "migrations_app:dataplan": item,
            "migrations_app:package-detail": code, "migrations_app:package-download": code}
