"""From solved values to a Result: tidy tables, KPIs, binding rules, comparisons."""
