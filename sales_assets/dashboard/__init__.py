"""The sales dashboard: a Streamlit app over the warehouse's `analytics` schema, read-only.

`connection` opens the warehouse (DuckDB read-only, or Snowflake), `data` holds the parameterized
queries the app shows, `app` is the Streamlit page (`make dashboard`).
"""

from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"  # the Streamlit script
