"""Every word the examiner's page script shows, translated once per language and process.

The task list and the task page embed these as JSON (templates/field/_client.html), so the page cached on
the phone has them offline. Translations do not change while the server runs, so each language's JSON is
built once: building it per request cost about 4 ms of every task list.
"""

from __future__ import annotations

import threading

from flask_babel import get_locale, gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

TASK_STATES = ("unassigned", "assigned", "submitted", "returned", "approved", "rejected")

_cache: dict[tuple[str, str], object] = {}
_lock = threading.Lock()


def _strings() -> dict[str, str]:
    return {
        'locating': _('Locating…'),
        'located': _('Located, accuracy {m} m'),
        'geo_poor': _(' (poor: wait in the open)'),
        'geo_denied': _('No location: permission denied.'),
        'geo_nosignal': _('No location could be found.'),
        'geo_unsupported': _('This browser cannot locate.'),
        'geo_wait': _('Waiting for a more accurate location (at most {s} s)…'),
        'geo_ended_best': _('The location wait ended; the best reading so far was used (accuracy {m} m).'),
        'geo_ended_none': _('The location wait ended without a reading; the visit is sent without a location.'),
        'relocate': _('Locate again'),
        'distance': _('About {d} from the place, to the {dir}'),
        'metres': _('{n} m'),
        'km': _('{n} km'),
        'dir_n': _('north'), 'dir_ne': _('north-east'), 'dir_e': _('east'), 'dir_se': _('south-east'),
        'dir_s': _('south'), 'dir_sw': _('south-west'), 'dir_w': _('west'), 'dir_nw': _('north-west'),
        'no_place': _('This task has no map position.'),
        'pack_at': _('Tasks as of {t}'),
        'no_pack': _('This task is not on this phone yet. Open the task list once with a network.'),
        'offline': _('offline'),
        'badge_pending': _('waiting to send'),
        'badge_refused': _('not accepted'),
        'badge_draft': _('draft'),
        'blind_title': _('Count first.'),
        'blind_intro': _('The claimed figures are hidden until you record what you counted on site, so that your count is your own.'),
        'blind_record': _('Record and show the claim'),
        'blind_saved': _('Your count {q} is kept on this phone since {t}; the claimed figures are shown once it reaches the server.'),
        'blind_counted': _('Counted before seeing the claim: {q}'),
        'qty_number': _('The observed quantity must be a number.'),
        'finding': _('What did you find on site?'),
        'qty': _('Observed quantity'),
        'notes': _('Notes: what you saw and heard'),
        'photos': _('Photos of the site'),
        'gallery': _('…or choose from the gallery'),
        'photo_hint': _('Take at least one photo. Photos are kept on this phone until the server has them.'),
        'photo_remove': _('Remove'),
        'photo_previous': _('Photo of your previous visit'),
        'photo_unreadable': _('Cannot read this file.'),
        'photo_big': _('This phone cannot shrink this picture; it will be sent at its full size of {kb} KB.'),
        'location': _('Location'),
        'interviews': _('Resident interviews'),
        'interview_hint': _('Ask residents who were served. Record no names or phone numbers.'),
        'interview_n': _('Interview {n}'),
        'add_interview': _('Add an interview'),
        'remove_interview': _('Remove this interview'),
        'scale_hint': _('1 = very poor, 5 = very good.'),
        'qr_intro': _('Residents can also rate on their own phones: show them a one-time code.'),
        'qr_button': _('Show a QR code for a resident'),
        'qr_expires': _('Code valid until {t} (Beijing time)'),
        'qr_count': _('{n} resident(s) rated with their own phone'),
        'qr_offline': _('A QR code needs a network.'),
        'submit': _('Submit the verification'),
        'need_finding': _('Choose what you found on site.'),
        'need_photo': _('Add at least one photo of the site.'),
        'need_interview': _('Record at least one resident interview.'),
        'interview_incomplete': _('Interview {n}: say who answered and rate every question.'),
        'few_interviews': _('The cycle asks for {n} interviews and this visit has {k}; the reviewer will see that. Tap submit again to send it anyway.'),
        'queued': _('Saved on this phone. It will be sent when there is a network.'),
        'queued_short': _('Waiting for a network…'),
        'sending': _('Sending…'),
        'delivered': _('Delivered'),
        'refused': _('The server did not accept this visit: {msg} Correct it and submit again.'),
        'retry_at': _('Next try at {t}.'),
        'outbox_title': _('Waiting to be sent: {n}'),
        'outbox_empty': _('Everything has been sent.'),
        'outbox_item': _('{photos} photo(s), {kb} KB, last try {t}'),
        'never_tried': _('not yet'),
        'send_now': _('Send now'),
        'storage': _('Storage on this phone: {used} MB used of {quota} MB available.'),
        'storage_low': _('Storage is running short: send the waiting visits or free some space.'),
        'leave_warning': _('Some visits are not sent yet. They stay on this phone; open the task list again to send them.'),
        'returned': _('Returned by the reviewer'),
        'colon': _(': '),
        'back': _('Back to my tasks'),
        'login_again': _('Sign in again to send the visits kept on this phone.'),
        'no_tasks': _('No tasks are assigned to you.'),
    }


def per_locale(name: str, build):
    """`build()` once per language and process, kept under `name` (translations do not change at run time)."""
    key = (name, str(get_locale()))
    if key not in _cache:
        value = build()
        with _lock:
            _cache[key] = value
    return _cache[key]


def _client_json() -> tuple[Markup, Markup]:
    # Task states are dynamic codes (translations/dynamic.pot): translated through a variable.
    states = {state: _(state) for state in TASK_STATES}
    return htmlsafe_json_dumps(_strings()), htmlsafe_json_dumps(states)


def client_json() -> tuple[Markup, Markup]:
    """(the page strings, the task state names) as HTML-safe JSON, in the request's language."""
    return per_locale("client_json", _client_json)
