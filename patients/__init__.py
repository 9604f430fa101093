"""The patient's own pages under /me/ (see docs/patient-pages.md)."""
