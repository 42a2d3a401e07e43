from django.db import models

__all__ = ["Tag"]


class Tag(models.Model):
    """A label a CoE admin puts on any inventory item (seed 000: tag apps for migration)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    colour = models.CharField(max_length=7, default="#6b7280", help_text="Hex colour, e.g. #0f6cbd")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
