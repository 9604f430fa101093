"""``django.contrib.admin`` with the two-factor site as ``admin.site``.

Listed in INSTALLED_APPS instead of ``django.contrib.admin``; kept out of
``hospitals/apps.py`` so that module has a single AppConfig.
"""

from django.contrib.admin.apps import AdminConfig


class HubAdminConfig(AdminConfig):
    default_site = "hospitals.admin_site.HubAdminSite"
