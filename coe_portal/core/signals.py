from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from .audit import record
from .choices import Role
from .permissions import has_role


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record(request, "auth.login", obj=user, actor=user, method=getattr(request, "login_method", "password"))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(request, "auth.logout", obj=user, actor=user)


@receiver(post_save, sender=LogEntry)
def audit_django_admin(sender, instance, created, **kwargs):
    """Changes made in Django's own admin site reach the portal's audit log too."""
    if created and has_role(instance.user, Role.COE_ADMIN):
        record(None, f"django_admin.{instance.get_action_flag_display().lower()}", actor=instance.user,
               object_type=instance.content_type.model if instance.content_type else "",
               object_id=instance.object_id, object_repr=instance.object_repr,
               change=instance.get_change_message())
