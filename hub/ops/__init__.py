"""Operations: health and readiness checks, Prometheus metrics, request ids and
structured logging. See docs/operations.md."""
