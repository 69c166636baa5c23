from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ggzy")


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(str(pk))


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(str(pk))
