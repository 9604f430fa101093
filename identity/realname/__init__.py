"""Real-name registration (实名核身): a patient whose phone has no record
proves who they are (name, resident ID number, a live selfie checked against
the public-security photo by a real-name provider) and the proven phone
becomes their phone of record (``identity.phones``, source ``real_name``).

Modules: ``services`` (the one write, :func:`services.realname_register`),
``selectors`` (the proven phone of a signed-in session), ``base`` (what a
provider backend returns), ``errors`` (the refusals), ``backends/`` (the
Tencent Cloud FaceID adapter, the local fake, the disabled stand-in).
See docs/realname.md.
"""
