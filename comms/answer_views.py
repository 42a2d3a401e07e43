"""The page a maker's answer link opens: GET confirms, only POST changes anything.

The signed link is the credential (makers answer from their mailbox, often without a portal
session); it names one recipient, so it can only answer for that maker's items.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .choices import Answer
from .forms import AnswerForm
from .links import BadLink, read_token
from .models import Recipient
from .services.answers import AnswerError, SignInRequired, do_answer, signed_in_as_recipient

__all__ = ["answer"]


@never_cache
def answer(request, token):
    try:
        code, choice = read_token(token)
        recipient = Recipient.objects.select_related("campaign", "maker").get(code=code)
    except (BadLink, ObjectDoesNotExist) as exc:
        message = str(exc) if isinstance(exc, BadLink) else "This link's message was withdrawn."
        return render(request, "comms/answer_invalid.html", {"message": message}, status=400)
    choice = Answer(choice)
    form = AnswerForm(request.POST or None, recipient=recipient)
    done, by_link, follow_ups = None, not signed_in_as_recipient(request.user, recipient), []
    if request.method == "POST" and form.is_valid():
        try:
            done = do_answer(recipient, choice, form.cleaned_data["justification"],
                             [int(pk) for pk in form.cleaned_data["items"]], request=request, by_link=by_link,
                             follow_ups=follow_ups)
        except AnswerError as exc:
            on_field = choice == Answer.KEEP and not isinstance(exc, SignInRequired)
            form.add_error("justification" if on_field else None, str(exc))
    context = {"recipient": recipient, "choice": choice, "form": form, "done": done, "follow_ups": follow_ups,
               "needs_justification": choice == Answer.KEEP,
               "sign_in_first": by_link and choice == Answer.DELETE}
    return render(request, "comms/answer.html", context)
