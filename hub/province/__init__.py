"""The province (广东健康档案互通系统): ``client`` talks to it, ``simulator``
stands in for it in development and tests (see docs/province-simulator.md)."""
