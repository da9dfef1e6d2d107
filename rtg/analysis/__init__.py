"""Analysis: numbers and verdicts from the tables (pandas, scipy), never matplotlib."""
