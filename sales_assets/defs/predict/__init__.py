"""What the history says will happen next: demand forecasts and inventory cover (Python assets).

The SQL-shaped analytics (margin, cohorts, churn risk, affinity, recommendations) are dbt models;
these need a forecasting library, so they are Python assets reading and writing the warehouse.
"""
