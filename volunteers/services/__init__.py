"""Writes of the student visits, one module per part:

- ``students``: signing up, the school's confirmation, the guardian's consent, the iCal feed;
- ``slots``: organisers' visit slots (recurring ones too) and their cancellation;
- ``bookings``: booking, the waiting list, cancelling, the one transition service;
- ``visits``: check-in, attendance, reports, hours and certificates;
- ``notices``: the outbox messages of all of these (reminders are rows with ``send_after``).
"""
