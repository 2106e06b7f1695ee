from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "fupin.geo"
    label = "geo"
