"""SMS backends, selected by ``settings.SMS_BACKEND`` (a dotted class path).

``console`` and ``file`` are for development, ``locmem`` for tests and
``aliyun`` for production.
"""
