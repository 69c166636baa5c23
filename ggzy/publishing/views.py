from django.http import HttpRequest, HttpResponse


def workbench(request: HttpRequest) -> HttpResponse:
    return HttpResponse("workbench")
