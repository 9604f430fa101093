"""The patient's pages, mounted at /me/ (see docs/patient-pages.md)."""

from django.urls import path

from patients import views, views_links, views_register, views_wechat

app_name = "patients"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("login/resend/", views.login_resend, name="login-resend"),
    path("logout/", views.logout, name="logout"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("authorizations/", views.authorization_list, name="authorizations"),
    path(
        "authorizations/<int:pk>/revoke/",
        views.authorization_revoke,
        name="authorization-revoke",
    ),
    path("views/", views.view_list, name="views"),
    path("report/", views.report, name="report"),
    # The one-tap revoke link of a consent notice (no sign-in).
    path("r/<str:token>/", views_links.revoke_link, name="revoke-link"),
    # Real-name registration (docs/realname.md).
    path("register/", views_register.register, name="register"),
    path("register/code/", views_register.register_code, name="register-code"),
    path("register/resend/", views_register.register_resend, name="register-resend"),
    path("register/done/", views_register.register_done, name="register-done"),
    # Receive codes and notices by WeChat (docs/wechat.md).
    path("wechat/", views_wechat.wechat_home, name="wechat"),
    path("wechat/bind/", views_wechat.wechat_bind, name="wechat-bind"),
    path("wechat/callback/", views_wechat.wechat_callback, name="wechat-callback"),
    path("wechat/unbind/", views_wechat.wechat_unbind, name="wechat-unbind"),
]
