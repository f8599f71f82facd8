"""Stand-in for Airflow (see ../README.md)."""
