"""SKR's benchmarking programme.

Plans, meetings, the KPI table, own measurements, units and the run of a plan.
"""
