from django.utils import translation


class ApiLanguageMiddleware:
    """Answer the API in the language its client asks for.

    Machine endpoints sit outside i18n_patterns, and there LocaleMiddleware always chooses the
    default language (Indonesian) because the path carries no prefix. An API client says
    which language it reads with Accept-Language, as HTTP intends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
