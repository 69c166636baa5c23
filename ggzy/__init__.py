"""ggzy — an open-source platform for a municipal public resource trading center (公共资源交易中心)."""
