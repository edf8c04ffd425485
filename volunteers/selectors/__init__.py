"""Reads of the student visits, filtered by the acting user, one module per audience:
``students``, ``officials``, ``schools`` (coordinators), ``outcomes`` (aggregates only).

A student reads only their own bookings, reports and certificates; another's id is a 404 and
a ``scope.denied`` event (``accounts.selectors.get_in_scope``). Officials read by scope: a
reviewer their kecamatan, a lead reviewer the regency, a coordinator their school's students.
The elderly person appears by pseudonym; their address only through
``booking_address_for_student``, which logs each showing (``pii.view``).
"""
