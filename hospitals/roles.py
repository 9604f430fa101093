"""Back-office roles as Django groups (filled in by later work)."""
