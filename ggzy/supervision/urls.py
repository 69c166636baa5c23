"""Supervision pages: the back office under /manage/supervision/ and the public exposure board
at /credit/exposure/. Included at the site root."""

from django.urls import path

from ggzy.supervision.views import orders, patrol, public, records

app_name = "supervision"
urlpatterns = [
    path("credit/exposure/", public.exposure_board, name="exposure_board"),
    path("manage/supervision/", patrol.dashboard, name="dashboard"),
    path("manage/supervision/plan/", records.plan, name="plan"),
    path("manage/supervision/rounds/<int:pk>/", patrol.round_detail, name="round"),
    path("manage/supervision/rounds/<int:pk>/complete/", patrol.round_complete, name="round_complete"),
    path("manage/supervision/items/<int:pk>/verdict/", patrol.item_verdict, name="item_verdict"),
    path("manage/supervision/items/<int:pk>/order/", patrol.item_order, name="item_order"),
    path("manage/supervision/items/<int:pk>/take-down/", patrol.item_take_down, name="item_take_down"),
    path("manage/supervision/orders/", orders.order_list, name="orders"),
    path("manage/supervision/orders/<int:pk>/", orders.order_detail, name="order"),
    path("manage/supervision/orders/<int:pk>/answer/", orders.order_answer, name="order_answer"),
    path("manage/supervision/orders/<int:pk>/close/", orders.order_close, name="order_close"),
    path("manage/supervision/orders/<int:pk>/return/", orders.order_return, name="order_return"),
    path("manage/supervision/orders/<int:pk>/file/", orders.order_file, name="order_file"),
    path("manage/supervision/links/", records.links, name="links"),
    path("manage/supervision/links/<int:pk>/fixed/", records.link_fixed, name="link_fixed"),
    path("manage/supervision/violations/", records.violations, name="violations"),
]
