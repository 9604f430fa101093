"""A stand-in for the province (yyzc.gdgov.cn): plain WSGI, no Django ORM.

- ``state``: accounts, registered orgs, authorizations, faults, nonces
- ``authrec``: ``codeAuthRec/save`` with the gateway's and the service's checks
- ``viewer``: the record viewer, its authorization screen and refusal page;
  ``records``: synthetic records
- ``consent``: the viewer's own consent (modes 2 and 3): residents' phones on
  file, codes, the outbox of codes sent
- ``app``: ``make_app(state)``, routing and the loopback-only ``/_sim/`` control paths
- ``server``: ``serve(state, port, host)``, ``start_in_thread(state, port=0)``
- ``config``: ``register_org(config_path, org_code, org_name)``

See docs/province-simulator.md.
"""
