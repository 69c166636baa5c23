"""Trading pages: the bidder's under /trading/ and the tenderer's/agency's back office under
/manage/trading/. Included at the site root."""

from django.urls import path

from ggzy.trading.views import bidder, bids, manage

app_name = "trading"
urlpatterns = [
    path("trading/", bidder.section_list, name="section_list"),
    path("trading/sections/<int:pk>/", bidder.section_detail, name="section_detail"),
    path("trading/files/<int:pk>/download/", bidder.file_download, name="file_download"),
    path("trading/sections/<int:pk>/bid/", bids.bid_page, name="bid"),
    path("trading/sections/<int:pk>/bid/uploads/", bids.upload_start, name="bid_upload_start"),
    path("trading/bid-uploads/<str:token>/", bids.upload_chunk, name="bid_upload"),
    path("trading/bid-uploads/<str:token>/finalise/", bids.upload_finalise, name="bid_upload_finalise"),
    path("trading/bids/<int:pk>/withdraw/", bids.bid_withdraw, name="bid_withdraw"),
    path("trading/bids/<int:pk>/receipt.json", bids.bid_receipt, name="bid_receipt"),
    path("trading/keys/", bids.key_register, name="key_register"),
    path("trading/keys/<int:pk>/revoke/", bids.key_revoke, name="key_revoke"),
    path("trading/platform-key.pem", bids.platform_key, name="platform_key"),
    path("manage/trading/sections/<int:pk>/escrow/", bids.escrow_key, name="escrow_key"),
    path("manage/trading/", manage.index, name="manage_index"),
    path("manage/trading/projects/<int:pk>/", manage.project_detail, name="manage_project"),
    path("manage/trading/sections/<int:pk>/", manage.section_detail, name="manage_section"),
    path("manage/trading/sections/<int:pk>/files/<int:file_pk>/", manage.file_download, name="manage_file"),
    path("manage/trading/sections/<int:pk>/<slug:action>/", manage.section_act, name="manage_section_act"),
]
