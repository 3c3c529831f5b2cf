"""Dagster code location: AdventureWorks sales, SQL Server (or SQLite) -> dlt -> warehouse -> dbt."""
