"""Phone numbers: validated and normalised to E.164 (+62…) with the phonenumbers library.

Used for the family phones in Diskominfo's files and for the WhatsApp numbers people give.
"""

import re
from typing import Any

import phonenumbers

_PLAIN_INDONESIAN = re.compile(r"(?:\+62|62|0)([1-9]\d{6,12})")


def phone_normalise(value: Any) -> str | None:
    """A phone number in E.164 (+62…), or None when phonenumbers does not know it as valid."""
    text = str(value).strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = "0" + str(int(value))  # Excel drops the leading zero of 08…
    plain = _PLAIN_INDONESIAN.fullmatch(re.sub(r"[\s\-.()]", "", text))
    if plain:
        # The common spellings (08…, 62…, +62…) skip the general parser, which is most of the
        # cost on a large import; validity is still phonenumbers' own judgement.
        number = phonenumbers.PhoneNumber(country_code=62, national_number=int(plain[1]))
    else:
        try:
            number = phonenumbers.parse(text, "ID")
        except phonenumbers.NumberParseException:
            return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
