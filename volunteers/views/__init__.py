"""Pages of the student visits: ``students`` (a student's own), ``officials`` (organisers,
reviewers, coordinators), ``public`` (guardians, the calendar feed, the certificate check)."""
